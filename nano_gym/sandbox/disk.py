"""The workspace disk quota: how much a sandbox's writable tree has grown.

The workspace lives on the host's disk (a copy-on-write copy of the base snapshot), where an
unprivileged process cannot get a kernel quota. So the sandbox measures the tree's allocated
blocks against the size it had at the start, after every command and periodically while one
runs; RLIMIT_FSIZE bounds any single file in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..fswalk import walk_entries

__all__ = ["DiskQuota", "tree_usage"]

# A tree with more entries than this is over quota whatever their size (an inode flood).
MAX_ENTRIES = 200_000


def tree_usage(root: Path, max_entries: int = MAX_ENTRIES) -> tuple[int, int]:
    """(allocated bytes, entries) of everything under `root`, links not followed, at any depth;
    stops counting once `max_entries` is passed."""
    total = entries = 0
    for _rel, _fd, _name, st in walk_entries(root):
        entries += 1
        total += st.st_blocks * 512
        if entries > max_entries:
            break
    return total, entries


@dataclass
class DiskQuota:
    """Growth of `root` beyond what it held at `start()` (call it before the sandbox runs
    anything), against `limit_bytes`."""

    root: Path
    limit_bytes: int
    _baseline: tuple[int, int] | None = field(default=None, init=False)

    def start(self) -> None:
        self._baseline = tree_usage(self.root)

    def exceeded(self) -> str | None:
        """A message naming the limit when the workspace grew past it, else None."""
        if self._baseline is None:
            self.start()
        used, entries = tree_usage(self.root)
        grown = used - self._baseline[0]
        if grown > self.limit_bytes:
            return (f"disk quota exceeded: the workspace grew by {grown // 2**20} MiB "
                    f"(limit {self.limit_bytes // 2**20} MiB); delete files to continue")
        if entries > MAX_ENTRIES:
            return f"disk quota exceeded: the workspace holds more than {MAX_ENTRIES} entries; delete files to continue"
        return None
