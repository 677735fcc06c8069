"""Walking a directory tree the agent shaped, whatever its shape.

Iterative and relative to directory descriptors, with one descriptor open at a time: a tree
deeper than the recursion limit, with paths longer than PATH_MAX, is walked like any other, and
a symlink is never followed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["DIR_FLAGS", "walk_entries"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def _open_dir(name: str, dir_fd: int | None) -> int:
    return os.open(name, DIR_FLAGS | os.O_NOFOLLOW, dir_fd=dir_fd)


def walk_entries(root: Path | str, descend: Callable[[str, str], bool] = lambda rel, name: True, *,
                 open_dir: Callable[[str, int | None], int] = _open_dir,
                 leave: Callable[[int, str], None] | None = None) -> Iterator[tuple[str, int, str, os.stat_result]]:
    """Yield (relative path, parent directory fd, name, lstat) for every entry under `root`,
    directories included, in sorted order per directory. A directory is entered when
    `descend(relative path, name)` is true, opened with `open_dir(name, parent fd)` (an OSError
    skips it), and once walked `leave(parent fd, name)` is called. The fd is valid only until
    the next item."""
    fd = open_dir(os.fspath(root), None)
    names: list[str] = []  # the path from `root` to the directory `fd` is open on
    pending: list[list[str]] = []  # per level below it: the subdirectories still to visit
    try:
        while True:
            rel_dir = "".join(n + "/" for n in names)
            subdirs = []
            try:
                with os.scandir(fd) as it:
                    entries = sorted(entry.name for entry in it)
            except OSError:
                entries = []
            for name in entries:
                rel = rel_dir + name
                try:
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    continue
                yield rel, fd, name, st
                if stat.S_ISDIR(st.st_mode) and descend(rel, name):
                    subdirs.append(name)
            pending.append(subdirs[::-1])
            while True:  # down into the next subdirectory, or up until a level has one left
                if pending[-1]:
                    name = pending[-1].pop()
                    try:
                        child = open_dir(name, fd)
                    except OSError:
                        continue
                    os.close(fd)
                    fd = child
                    names.append(name)
                    break
                pending.pop()
                if not names:
                    return
                parent = os.open("..", DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = parent
                done = names.pop()
                if leave is not None:
                    leave(fd, done)
    finally:
        os.close(fd)
