"""`NanoSWEEnv`: one episode = one task, actions are tool calls, the reward comes from tests."""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import gymnasium as gym

from ..device import DEFAULT_MEMORY_PER_ENV, device_profile, require_memory
from ..errors import ConfigError, EpisodeEndedError, NanoGymError
from ..pool import EpisodePool, Prepared
from ..validate import read_allowlist
from ..repos import (BaseSnapshot, base_snapshot, extract_diff, extract_overlay_diff, make_workspace, remove_tree,
                     workspace_signature)
from ..rewards import GradeReport, grade, reward_function
from ..rewards.cache import RewardCache
from ..rewards.grader import DEFAULT_GRADING_TIMEOUT, StagedGrading, stage_grading
from ..sandbox import Sandbox, SandboxLimits, make_backend
from ..sandbox.overlay import make_overlay
from ..spaces import MessageHistory, ToolCallAction
from ..tasks import Task, TaskSource, load_tasks
from ..tools import ToolCall, ToolOutcome, apply_patch, format_shell_result, parse_action
from .prompts import initial_messages
from .registration import DEFAULT_MAX_EPISODE_STEPS

__all__ = ["NanoSWEEnv", "DEFAULT_EPISODE_TIMEOUT"]

DEFAULT_EPISODE_TIMEOUT = 3600.0


def _sandbox_limits(limits: SandboxLimits | dict[str, Any] | None, **shortcuts: Any) -> SandboxLimits:
    """`limits` (a SandboxLimits or a dict of its fields) with the env's shortcut kwargs on top."""
    if isinstance(limits, dict):
        fields = {f.name for f in dataclasses.fields(SandboxLimits)}
        unknown = sorted(set(limits) - fields)
        if unknown:
            raise ConfigError(f"unknown sandbox limits {unknown}; known: {sorted(fields)}")
        limits = SandboxLimits(**limits)
    elif limits is not None and not isinstance(limits, SandboxLimits):
        raise ConfigError("limits must be a SandboxLimits, a dict of its fields, or None")
    overrides = {k: v for k, v in shortcuts.items() if v is not None}
    return dataclasses.replace(limits or SandboxLimits(), **overrides)


class NanoSWEEnv(gym.Env[list, Any]):
    """A Gymnasium env over software-engineering tasks.

    Observation: the chat history (list of message dicts). Treat returned messages as read-only:
    successive observations share them instead of copying the whole history each step.
    Action: a tool call dict, an OpenAI-style assistant message, raw text with `<tool_call>`
    blocks, or None. A turn without a tool call submits; the diff is then graded.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        tasks: TaskSource = "nano-v0",
        task_ids: list[str] | None = None,
        *,
        split: str = "train",
        task_repos: list[str] | None = None,
        task_slice: slice | str | None = None,
        validated: str | os.PathLike[str] | None = None,
        reward: str | Any = "binary",
        backend: str = "local",
        max_steps: int | None = None,
        command_timeout: float | None = None,
        episode_timeout: float | None = DEFAULT_EPISODE_TIMEOUT,
        grading_timeout: float = DEFAULT_GRADING_TIMEOUT,
        output_bytes: int | None = None,
        limits: SandboxLimits | dict[str, Any] | None = None,
        memory_per_env: int = DEFAULT_MEMORY_PER_ENV,
        repos: str | os.PathLike[str] | None = None,
        runtimes: str | os.PathLike[str] | dict[str, Any] | None = None,
        prefetch: bool = True,
        overlay: bool | None = None,
        reward_cache: bool = True,
        system_prompt: str | None = None,
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigError(f"render_mode must be one of {self.metadata['render_modes']} or None")
        if max_steps is not None and max_steps < 1:
            raise ConfigError("max_steps must be at least 1")
        if episode_timeout is not None and episode_timeout <= 0:
            raise ConfigError("episode_timeout must be positive (or None for no limit)")
        self.render_mode = render_mode
        self.tasks: list[Task] = load_tasks(tasks, task_ids, split=split, repos=task_repos, task_slice=task_slice,
                                            runtimes=runtimes)
        if validated is not None:
            allowed = read_allowlist(validated)
            self.tasks = [t for t in self.tasks if t.instance_id in allowed]
            if not self.tasks:
                raise ConfigError(f"no task of the source is in the allowlist {validated}")
        self._reward_fn = reward_function(reward)
        sandbox_limits = _sandbox_limits(limits, command_timeout=command_timeout, output_bytes=output_bytes)
        self._backend = make_backend(backend, sandbox_limits)
        self._backend.check()  # fail fast, before anything is allocated
        memory = require_memory(memory_per_env)
        self.metadata = {**type(self).metadata, "device": device_profile(), "memory": memory,
                         "sandbox": {"backend": self._backend.name,
                                     "limits": {**self._backend.enforced_limits(),
                                                "episode_timeout_s": episode_timeout}}}
        self._episode_timeout = episode_timeout
        why_not = self._backend.overlay_unavailable()
        if overlay and why_not:
            raise ConfigError(f"overlay workspaces are unavailable here: {why_not}")
        self._overlay = why_not is None and overlay is not False
        self.metadata["sandbox"]["workspace"] = "overlay" if self._overlay else f"copy ({why_not or 'overlay=False'})"
        self._repos = repos
        self._reward_cache = RewardCache.shared() if reward_cache else None
        self._episode_started = 0.0
        self.observation_space = MessageHistory()
        self.action_space = ToolCallAction()
        self._max_steps_arg = max_steps
        self._grading_timeout = grading_timeout
        self._system_prompt = system_prompt
        self._by_id = {t.instance_id: t for t in self.tasks}
        self._task: Task | None = None
        self._snapshot: BaseSnapshot | None = None
        self._sandbox: Sandbox | None = None
        self._episode: Prepared | None = None
        self._prefetch = prefetch
        self._pool: EpisodePool | None = None
        self._messages: list[dict[str, Any]] = []
        self._steps = 0
        self._calls = 0
        self._done = True

    # ------------------------------------------------------------------ gym API
    @property
    def max_steps(self) -> int:
        """The env's own step limit, where it truncates *and grades*. Gymnasium's TimeLimit
        (from `max_episode_steps`) is invisible to the env, so the two default to the same value."""
        return self._max_steps_arg if self._max_steps_arg is not None else DEFAULT_MAX_EPISODE_STEPS

    @property
    def task(self) -> Task | None:
        """The current episode's task."""
        return self._task

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[list, dict[str, Any]]:
        super().reset(seed=seed)
        started = time.perf_counter()
        self._teardown()
        options = options or {}
        if options.get("task_id") is not None:
            if options["task_id"] not in self._by_id:
                raise ConfigError(f"unknown task_id {options['task_id']!r}")
            task = self._by_id[options["task_id"]]
        else:
            task = self.tasks[int(self.np_random.integers(len(self.tasks)))]
        self._task = task
        self._snapshot = base_snapshot(task, self._repos)
        if self._pool is None:
            self._pool = EpisodePool(self._prepare, ahead=1 if self._prefetch else 0,
                                     stage=self._stage_grading if self._prefetch else None)
        self._episode = self._pool.take(task.instance_id)
        self._sandbox = self._episode.sandbox
        self._messages = initial_messages(task, self._system_prompt)
        self._steps = 0
        self._calls = 0
        self._done = False
        self._episode_started = time.monotonic()
        info = {"task_id": task.instance_id, "step": 0, "timings": {"reset_s": time.perf_counter() - started}}
        return list(self._messages), info

    def step(self, action: Any) -> tuple[list, float, bool, bool, dict[str, Any]]:
        if self._done:
            raise EpisodeEndedError("the episode has ended; call reset() before step()")
        started = time.perf_counter()
        self._steps += 1
        parsed = parse_action(action, self._next_call_id)
        tool_errors: list[dict[str, str]] = []
        limits_hit: list[str] = []
        if parsed.error is not None:
            self._messages.append({"role": "user", "content": f"[invalid action] {parsed.error}"})
            tool_errors.append({"tool": "", "error": "invalid_action", "message": parsed.error})
        elif parsed.message is not None:
            self._messages.append(parsed.message)
        tools_started = time.perf_counter()
        for call in parsed.calls:
            if self._time_left() <= 0:
                outcome = ToolOutcome(text="[episode time limit reached: the call was not run]", error="episode_timeout")
            else:
                outcome = self._run_tool(call)
            self._messages.append({"role": "tool", "tool_call_id": call.id, "name": call.name, "content": outcome.text})
            if outcome.error:
                tool_errors.append({"tool": call.name, "error": outcome.error, "message": outcome.text[:500]})
            limits_hit += outcome.limits
        timings = {"tools_s": time.perf_counter() - tools_started}
        terminated = parsed.submits
        out_of_time = self._time_left() <= 0
        if out_of_time:
            limits_hit.append("episode_timeout")
        truncated = not terminated and (self._steps >= self.max_steps or out_of_time)
        reward = 0.0
        info: dict[str, Any] = {"task_id": self._task.instance_id, "step": self._steps,
                                "tool_errors": tool_errors, "submitted": terminated,
                                "limits_hit": sorted(set(limits_hit))}
        if terminated or truncated:
            reward = self._finish(info, timings)
        timings["step_s"] = time.perf_counter() - started
        info["timings"] = timings
        return list(self._messages), reward, terminated, truncated, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        lines = []
        for m in self._messages:
            calls = "".join(f"\n  -> {c['function']['name']}({c['function']['arguments']})" for c in m.get("tool_calls") or [])
            lines.append(f"[{m['role']}] {m.get('content') or ''}{calls}")
        return "\n".join(lines)

    def close(self) -> None:
        self._teardown()
        if self._pool is not None:
            self._pool.close()  # waits until every sandbox and workspace is gone
            self._pool = None
        self._done = True
        super().close()

    # ------------------------------------------------------------------ internals
    def _next_call_id(self) -> str:
        self._calls += 1
        return f"call_{self._calls}"

    def _run_tool(self, call: ToolCall) -> ToolOutcome:
        if call.error is not None:
            return ToolOutcome(text=f"error: {call.error}", error="invalid_call")
        if call.name == "shell":
            timeout = min(self._backend.limits.command_timeout, self._time_left())
            return format_shell_result(self._sandbox.shell(call.arguments["cmd"], timeout))
        return apply_patch(self._sandbox.workspace, call.arguments["search"], call.arguments["replace"],
                           call.arguments["file"])

    def _time_left(self) -> float:
        if self._episode_timeout is None:
            return float("inf")
        return self._episode_timeout - (time.monotonic() - self._episode_started)

    def _finish(self, info: dict[str, Any], timings: dict[str, float]) -> float:
        """End the episode: stop the shell, take the diff, grade it in isolation."""
        self._done = True
        self._sandbox.close()  # nothing may keep writing while the diff is taken
        over_quota = self._sandbox.check_disk()
        if over_quota is not None:
            # The diff is not even read: it could be as large as the quota allowed.
            info.update(diff=None, report=None, reward_status="not_graded", reason=over_quota, audit=[])
            info["limits_hit"] = sorted({*info["limits_hit"], "disk"})
            self._pool.expect(self._task.instance_id)
            self._teardown()
            return 0.0
        started = time.perf_counter()
        episode = self._episode
        if episode.overlay is not None:
            diff = extract_overlay_diff(self._snapshot, episode.overlay.upper)
        else:
            diff = extract_diff(self._snapshot, episode.sandbox.workspace, episode.signature)
        timings["diff_s"] = time.perf_counter() - started
        started = time.perf_counter()
        report: GradeReport = grade(self._task, diff, backend=self._backend, timeout=self._grading_timeout,
                                    cache=self._reward_cache, repos=self._repos, staged=episode.take_grading)
        timings["grade_s"] = time.perf_counter() - started
        # The next episode is made now, in the background: after the grading, which it would slow
        # down on a small machine, and before the trainer's own work between episodes.
        self._pool.expect(self._task.instance_id)
        info["diff"] = diff
        info["report"] = report.to_dict()
        info["reward_status"] = report.status
        info["audit"] = list(report.audit)
        self._teardown()
        return float(self._reward_fn(report))

    def _prepare(self, task_id: str) -> Prepared:
        """A fresh workspace of the task's base with its jail and shell started (the pool runs
        this ahead of time, on its own thread)."""
        task = self._by_id[task_id]
        snapshot = base_snapshot(task, self._repos)
        runtime = self._backend.runtime(task, snapshot)
        scratch = self._backend.scratch_dir("nano-episode-")
        sandbox = None
        try:
            layout, signature = None, None
            if self._overlay:
                layout = make_overlay(snapshot.tree, scratch)
                sandbox = self._backend.start(layout.merged, runtime, overlay=layout)
            else:
                workspace = make_workspace(snapshot, scratch)
                signature = workspace_signature(workspace)
                sandbox = self._backend.start(workspace, runtime)
            sandbox.start_shell()
        except BaseException:
            if sandbox is not None:
                sandbox.close()  # its cgroup may exist even when the shell did not start
            remove_tree(scratch)
            raise
        return Prepared(key=task_id, scratch=scratch, sandbox=sandbox, signature=signature, overlay=layout)

    def _stage_grading(self, task_id: str) -> StagedGrading | None:
        """The task's grading sandbox, made ahead on the pool's thread; None if it cannot be made
        (the grading then makes its own, and reports why it fails)."""
        try:
            return stage_grading(self._by_id[task_id], backend=self._backend, repos=self._repos)
        except (NanoGymError, OSError):
            return None

    def _teardown(self) -> None:
        episode, self._episode, self._sandbox = self._episode, None, None
        if episode is not None:
            episode.sandbox.stop()  # at once: nothing of the episode may keep running
            self._pool.discard(episode)  # the rest is closed and deleted in the background
