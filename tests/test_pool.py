"""The episode pool: the next episode is prepared when one ends, taken by the next reset, and
nothing it prepared outlives the env."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import gymnasium as gym

from nano_gym.pool import EpisodePool, Prepared


class _Sandbox:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class _Preparer:
    """Counts preparations; each one can be held back until released."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.made: list[Prepared] = []
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, key: str) -> Prepared:
        self.gate.wait(10)
        scratch = self.tmp / f"ep{len(self.made)}"
        scratch.mkdir()
        prepared = Prepared(key=key, scratch=scratch, sandbox=_Sandbox())
        self.made.append(prepared)
        return prepared


def _wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def test_the_next_episode_is_prepared_when_one_ends_not_while_it_runs(tmp_path):
    prep = _Preparer(tmp_path)
    pool = EpisodePool(prep)
    try:
        first = pool.take("a")
        assert len(prep.made) == 1  # nothing prepared ahead while the episode runs
        pool.expect("a")
        assert _wait_for(lambda: len(prep.made) == 2)
        second = pool.take("a")
        assert second is prep.made[1] and len(prep.made) == 2  # taken, not made anew
        pool.discard(first)
        assert _wait_for(lambda: first.sandbox.closed and not first.scratch.exists())
    finally:
        pool.close()
    assert second.sandbox.closed is False  # the caller's episode is the caller's to close


def test_a_reset_waits_for_the_preparation_in_flight_instead_of_starting_another(tmp_path):
    prep = _Preparer(tmp_path)
    pool = EpisodePool(prep)
    try:
        pool.take("a")
        prep.gate.clear()
        pool.expect("a")
        taker = threading.Thread(target=lambda: setattr(taker, "got", pool.take("a")))
        taker.start()
        prep.gate.set()
        taker.join(10)
        assert taker.got is prep.made[1] and len(prep.made) == 2
    finally:
        pool.close()


def test_a_wrong_guess_is_discarded_and_close_disposes_everything(tmp_path):
    prep = _Preparer(tmp_path)
    pool = EpisodePool(prep)
    pool.take("a")
    pool.expect("a")
    assert _wait_for(lambda: len(prep.made) == 2)
    guessed = prep.made[1]
    pool.take("b")  # another task: the one prepared for "a" is thrown away
    assert _wait_for(lambda: guessed.sandbox.closed and not guessed.scratch.exists())
    pool.expect("b")
    assert _wait_for(lambda: len(prep.made) == 4)
    pool.close()
    assert prep.made[3].sandbox.closed and not prep.made[3].scratch.exists()


def test_no_prefetch_prepares_only_on_demand(tmp_path):
    prep = _Preparer(tmp_path)
    pool = EpisodePool(prep, ahead=0)
    try:
        pool.take("a")
        pool.expect("a")
        assert not _wait_for(lambda: len(prep.made) > 1, timeout=0.3)
    finally:
        pool.close()


def _jails_of(pid: int) -> int:
    """bwrap processes started by process `pid` (one per running jail)."""
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                count += Path(f"/proc/{child}/comm").read_text().strip() == "bwrap"
            except OSError:
                continue
    return count


def test_an_env_holds_one_jail_mid_episode_and_its_next_one_once_it_ends(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=10.0)
    try:
        env.reset(seed=0)
        env.step({"name": "shell", "arguments": {"cmd": "true"}})
        assert _jails_of(os.getpid()) == 1
        env.step({"role": "assistant", "content": "done"})  # submit: graded, next one prepared
        assert _wait_for(lambda: _jails_of(os.getpid()) == 1)
        obs, _ = env.reset()
        assert _jails_of(os.getpid()) == 1 and len(obs) == 2
    finally:
        env.close()
    assert _jails_of(os.getpid()) == 0
