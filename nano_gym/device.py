"""The host's device profile and the memory check that travel as env metadata (DESIGN.md 10)."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

from .errors import InsufficientMemoryError

__all__ = ["DEFAULT_MEMORY_PER_ENV", "device_profile", "memory_check", "require_memory", "recommended_num_envs"]

# An idle jailed shell is a few MB; the budget covers the test runs an agent starts.
DEFAULT_MEMORY_PER_ENV = 512 * 1024 * 1024


def _meminfo() -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            values[key] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return values


def _cgroup_room() -> int | None:
    """Memory left under this process's cgroup limit, if there is one (containers)."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            usage = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 1 << 60:
            return max(0, int(limit) - usage)
    return None


def _available_memory() -> int:
    info = _meminfo()
    available = info.get("MemAvailable", info.get("MemFree", 0))
    room = _cgroup_room()
    return min(available, room) if room is not None else available


def _gpus() -> list[str]:
    gpus_dir = Path("/proc/driver/nvidia/gpus")
    names = []
    if gpus_dir.is_dir():
        for gpu in sorted(gpus_dir.iterdir()):
            try:
                model = next(l for l in (gpu / "information").read_text().splitlines() if l.startswith("Model"))
                names.append(model.split(":", 1)[1].strip())
            except (OSError, StopIteration):
                names.append(gpu.name)
    return names


def device_profile() -> dict[str, Any]:
    """Platform, usable CPU cores, memory and GPUs of this machine (cheap: no heavy imports)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    info = _meminfo()
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "cpu_cores": cores,
        "memory_total_bytes": info.get("MemTotal", 0),
        "memory_available_bytes": _available_memory(),
        "gpus": _gpus(),
    }


def memory_check(per_env_bytes: int = DEFAULT_MEMORY_PER_ENV, num_envs: int = 1) -> dict[str, Any]:
    """Whether `num_envs` envs of `per_env_bytes` each fit in the memory available now."""
    available = _available_memory()
    required = per_env_bytes * num_envs
    return {"per_env_bytes": per_env_bytes, "num_envs": num_envs, "required_bytes": required,
            "available_bytes": available, "fits": required <= available}


def require_memory(per_env_bytes: int = DEFAULT_MEMORY_PER_ENV, num_envs: int = 1) -> dict[str, Any]:
    """`memory_check`, raising `InsufficientMemoryError` when the envs would not fit."""
    check = memory_check(per_env_bytes, num_envs)
    if not check["fits"]:
        raise InsufficientMemoryError(
            f"{num_envs} env(s) need {check['required_bytes'] >> 20} MiB but only {check['available_bytes'] >> 20} MiB "
            f"is available; use fewer envs (at most {recommended_num_envs(per_env_bytes)}) or a smaller memory_per_env"
        )
    return check


def recommended_num_envs(per_env_bytes: int = DEFAULT_MEMORY_PER_ENV) -> int:
    """How many envs fit in the available memory (at least 1)."""
    return max(1, _available_memory() // per_env_bytes)
