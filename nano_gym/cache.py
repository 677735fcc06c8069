"""Where nano_gym keeps what it builds once (runtimes, base snapshots) and how it builds safely.

Builds are locked with flock so parallel envs build a thing once, and written to a temporary
sibling then renamed, so a failed build never leaves a half-made cache entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["cache_root", "build_once", "file_lock"]

CACHE_ENV = "NANO_GYM_CACHE"


def cache_root() -> Path:
    """`$NANO_GYM_CACHE`, else `$XDG_CACHE_HOME/nano_gym`, else `~/.cache/nano_gym`."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        root = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = Path(base) / "nano_gym"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock held for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def build_once(target: Path, build: Callable[[Path], None]) -> Path:
    """Return `target`, calling `build(tmpdir)` first if it does not exist yet.

    `build` fills a fresh temporary directory which is renamed to `target` only on success.
    """
    if target.exists():
        return target
    with file_lock(target.with_name(target.name + ".lock")):
        if target.exists():
            return target
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
        try:
            build(tmp)
            os.rename(tmp, target)
        except BaseException:
            _remove_partial(tmp)
            raise
    return target


def _remove_partial(path: Path) -> None:
    """Delete a failed build, also when it left directories without write permission."""
    try:
        shutil.rmtree(path)
    except OSError:
        for dirpath, dirnames, _ in os.walk(path):
            for name in dirnames:
                full = os.path.join(dirpath, name)
                if not os.path.islink(full):
                    with contextlib.suppress(OSError):
                        os.chmod(full, 0o700)
        shutil.rmtree(path, ignore_errors=True)
