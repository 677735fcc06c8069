"""The episode pool: the next episode is prepared when one ends, taken by the next reset, its
grading sandbox staged meanwhile, and nothing it prepared outlives the env."""

from __future__ import annotations

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


class _Staged:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_gradings_are_staged_for_episodes_that_follow_an_ended_one_and_closed_when_unused(tmp_path):
    prep = _Preparer(tmp_path)
    staged: list[_Staged] = []
    pool = EpisodePool(prep, stage=lambda key: staged.append(_Staged()) or staged[-1])
    try:
        first = pool.take("a")  # no episode ended before it: nothing is staged
        assert first.take_grading() is None
        pool.expect("a")
        assert _wait_for(lambda: len(staged) == 1)
        second = pool.take("a")
        assert second.take_grading() is staged[0] and second.take_grading() is None
        pool.expect("a")
        third = pool.take("a")  # prepared in the background or, if asked first, here: staged either way
        assert _wait_for(lambda: len(staged) == 2)
        pool.discard(third)  # never submitted: its staged grading is closed with it
        assert _wait_for(lambda: staged[1].closed)
        assert not staged[0].closed  # the one handed over is the taker's to close
        pool.expect("a")
        assert _wait_for(lambda: len(staged) == 3)
    finally:
        pool.close()
    assert staged[2].closed  # still held when the pool closed


def test_an_episode_prepared_ahead_is_graded_in_the_sandbox_staged_for_it(task, monkeypatch, jails):
    """An env holds one jail mid-episode; once one ends, the next episode's jail and its staged
    grading sandbox; nothing once closed."""
    import nano_gym.envs.swe_env as swe_env
    import nano_gym.rewards.grader as grader

    real = grader.stage_grading
    on_demand, ahead = [], []  # stagings by the grader at submission, and by the pool beforehand
    monkeypatch.setattr(grader, "stage_grading", lambda *a, **k: on_demand.append(1) or real(*a, **k))
    monkeypatch.setattr(swe_env, "stage_grading", lambda *a, **k: ahead.append(1) or real(*a, **k))
    submit = {"role": "assistant", "content": "done"}
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=10.0, reward_cache=False)
    try:
        env.reset(seed=0)  # nothing was prepared: made on demand, nothing staged
        env.step({"name": "shell", "arguments": {"cmd": "true"}})
        assert jails() == 1  # nothing is prepared while an episode runs
        env.step(submit)
        assert on_demand == [1]
        # Once an episode ends, the next one is prepared and its grading staged: one jail each.
        assert _wait_for(lambda: ahead == [1] and jails() == 2)
        env.reset()
        assert jails() == 2
        _, reward, terminated, _, info = env.step(submit)
        assert terminated and info["reward_status"] == "graded" and reward == 0.0
        assert on_demand == [1]  # graded in the staged sandbox
        assert _wait_for(lambda: ahead == [1, 1])
        env.reset()
        env.reset()  # in the middle of an episode: the new one is made on demand, nothing staged
        assert not _wait_for(lambda: len(ahead) > 2, timeout=0.5)
        assert jails() == 1
        _, _, _, _, info = env.step(submit)
        assert info["reward_status"] == "graded" and on_demand == [1, 1]
    finally:
        env.close()
    assert jails() == 0
