"""Running a policy over tasks: one episode per task, with rewards and timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from .policies import Policy

__all__ = ["EpisodeResult", "run_episode"]


@dataclass
class EpisodeResult:
    task_id: str
    reward: float
    steps: int
    reward_status: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def run_episode(env: gym.Env, policy: Policy, task_id: str, seed: int | None = None) -> EpisodeResult:
    """Reset `env` on `task_id` and step `policy` until the episode ends."""
    started = time.perf_counter()
    obs, info = env.reset(seed=seed, options={"task_id": task_id})
    policy.reset(env.unwrapped.task)
    timings = {"reset_s": info["timings"]["reset_s"], "steps_s": 0.0}
    steps, reward = 0, 0.0
    while True:
        obs, reward, terminated, truncated, info = env.step(policy.act(obs))
        steps += 1
        t = info["timings"]
        timings["steps_s"] += t["step_s"] - t.get("grade_s", 0.0) - t.get("diff_s", 0.0)
        if terminated or truncated:
            timings["diff_s"] = t.get("diff_s", 0.0)
            timings["grade_s"] = t.get("grade_s", 0.0)
            break
    return EpisodeResult(task_id=task_id, reward=float(reward), steps=steps,
                         reward_status=info.get("reward_status", ""), seconds=time.perf_counter() - started,
                         timings=timings, info=info)
