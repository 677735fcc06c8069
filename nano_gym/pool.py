"""Episodes prepared ahead: a workspace made and its jail started before `reset()` asks for it.

When an episode ends, the env calls `expect(key)` (once it is graded) and the next episode of
the same task is prepared in the background; `reset()` then takes it when it is
ready (well under a millisecond) or waits for the preparation in flight. Training loops run
many episodes of the same task (GRPO groups), so the guess is usually right; a wrong guess
is discarded. Preparing at the end of an episode rather than at its start keeps one jail per
env while the env is idle mid-episode. Old workspaces are deleted in the background too:
removing a tree that was bind-mounted into a just-killed namespace costs milliseconds per
directory.

The grading sandbox of each episode prepared ahead is staged there as well, once the episode
is made (see `rewards.grader.stage_grading`): a jail stopped before it runs anything, two small
bwrap processes, so that a submission pays only for its diff and its tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from .repos import Signature, remove_tree
from .rewards.grader import StagedGrading
from .sandbox import Sandbox
from .sandbox.overlay import OverlayLayout

__all__ = ["Prepared", "EpisodePool"]


@dataclass
class Prepared:
    """One episode's host side: its scratch directory, started sandbox and workspace record."""

    key: str
    scratch: Path
    sandbox: Sandbox
    signature: Signature | None = None  # a copied workspace's files as made, for a fast diff
    overlay: OverlayLayout | None = None  # an overlay workspace's directories
    # The sandbox its diff will be graded in, staged in the background after the episode is made.
    grading: Future[StagedGrading | None] | None = None

    def take_grading(self) -> StagedGrading | None:
        """The staged grading, handed over (the caller runs or closes it). Waits while it is
        being made (that is sooner done than a new one); None if it was not made or could not be."""
        future, self.grading = self.grading, None
        if future is None or future.cancel():
            return None
        return future.result()

    def dispose(self) -> None:
        self.sandbox.close()
        future, self.grading = self.grading, None
        if future is not None and not future.cancel():
            future.add_done_callback(_close_staged)
        remove_tree(self.scratch)


def _close_staged(future: Future[StagedGrading | None]) -> None:
    staged = future.result()
    if staged is not None:
        staged.close()


class EpisodePool:
    """Prepares episodes with `prepare(key)` on one background thread, `ahead` per key; with
    `stage`, each episode prepared there also gets its grading staged there (`stage(key)`, which
    returns None when it cannot); so does one that `take` makes itself because it was asked for
    before the worker began it. Other episodes made on demand get none: they follow resets in the
    middle of episodes, which waste what was staged for them."""

    def __init__(self, prepare: Callable[[str], Prepared], *, ahead: int = 1,
                 stage: Callable[[str], StagedGrading | None] | None = None) -> None:
        self._prepare = prepare
        self._stage = stage
        self._ahead = ahead
        self._cond = threading.Condition()
        self._ready: list[Prepared] = []
        self._staging: list[tuple[str, Future[StagedGrading | None]]] = []
        self._wanted: str | None = None
        self._trash: list[Prepared] = []
        self._preparing: str | None = None  # the key the worker is preparing right now
        self._closed = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def take(self, key: str) -> Prepared:
        """A prepared episode for `key`: a ready one, the one in flight, or one made now."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the episode pool is closed")
            match = next((p for p in self._ready if p.key == key), None)
            stale = [p for p in self._ready if p.key != key]
            self._ready = [p for p in self._ready if p.key == key and p is not match]
            self._trash.extend(stale)
            expected = self._wanted == key  # the last episode ended: this one was asked for
            self._wanted = None  # the next one is asked for by `expect`, when this episode ends
            self._error = None
            self._cond.notify_all()
            # One in flight for this key is nearer done than a new one would be: wait for it.
            while match is None and self._preparing == key and not self._closed:
                self._cond.wait()
                match = next((p for p in self._ready if p.key == key), None)
                if match is not None:
                    self._ready.remove(match)
        if match is None:
            match = self._prepare(key)
            if expected:
                self._stage_later(match)
        self._ensure_thread()
        return match

    def expect(self, key: str) -> None:
        """Start preparing an episode for `key` in the background (the next `take` is likely it)."""
        if self._ahead <= 0:
            return
        with self._cond:
            if self._closed:
                return
            self._wanted = key
            self._error = None
            self._cond.notify_all()
        self._ensure_thread()

    def discard(self, prepared: Prepared) -> None:
        """Close and delete an episode in the background."""
        with self._cond:
            self._trash.append(prepared)
            self._cond.notify_all()
        self._ensure_thread()

    def close(self) -> None:
        """Stop preparing, and close and delete everything still held (waits for it)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for _, future in self._staging:
            future.cancel()
        for prepared in self._ready + self._trash:
            prepared.dispose()
        self._ready, self._trash, self._staging = [], [], []

    def _stage_later(self, prepared: Prepared) -> None:
        """Queue the staging of `prepared`'s grading: after the episode is made, so that a reset
        never waits for it."""
        if self._stage is None or prepared.grading is not None:
            return
        future: Future[StagedGrading | None] = Future()
        prepared.grading = future
        with self._cond:
            self._staging.append((prepared.key, future))
            self._cond.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="nano-gym-episode-pool", daemon=True)
            self._thread.start()

    def _needed(self) -> str | None:
        key = self._wanted
        if key is None or self._error is not None:
            return None
        return key if sum(p.key == key for p in self._ready) < self._ahead else None

    def _work(self) -> None:
        while True:
            staging = None
            with self._cond:
                while not self._closed and not self._trash and not self._staging and self._needed() is None:
                    self._cond.wait()
                if self._closed:
                    return
                # A wanted episode first, then stagings, then deleting old episodes.
                key = self._preparing = self._needed()
                if key is None and self._staging:
                    staging = self._staging.pop(0)
                elif key is None:
                    trash, self._trash = self._trash, []
            if staging is not None:
                self._run_staging(*staging)
                continue
            if key is None:
                for prepared in trash:
                    prepared.dispose()
                continue
            try:
                prepared = self._prepare(key)
            except Exception as exc:  # noqa: BLE001 - surfaced by the next synchronous take()
                with self._cond:
                    self._error = exc
                    self._preparing = None
                    self._cond.notify_all()
                continue
            with self._cond:
                self._preparing = None
                if self._wanted == key:
                    self._wanted = None  # one ahead is enough until the next episode ends
                # Kept even if no longer wanted: a `take` may be waiting for it; a later `take`
                # of another key discards it.
                (self._trash if self._closed else self._ready).append(prepared)
                self._cond.notify_all()
            self._stage_later(prepared)

    def _run_staging(self, key: str, future: Future[StagedGrading | None]) -> None:
        if not future.set_running_or_notify_cancel():
            return  # the episode ended or was discarded first
        staged = None
        try:
            staged = self._stage(key) if self._stage is not None else None
        except Exception:  # noqa: BLE001 - the grader stages again, and reports the failure
            pass
        finally:
            future.set_result(staged)
