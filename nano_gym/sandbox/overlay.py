"""Overlay workspaces: the base tree read-only below, the episode's changes in an upper directory.

A reset then costs a few empty directories whatever the repository's size, and the upper
directory lists exactly what the agent changed (the diff and the disk quota read only that).
bubblewrap 0.8 cannot mount an overlay, so the jail is started inside a user and mount namespace
of its own (`unshare -Urm`) where the overlay is mounted (`userxattr`, as an unprivileged user may)
before bwrap binds it at /testbed. The merged view exists only in that namespace; the harness
reaches it through `/proc/<pid>/root`.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


__all__ = ["OverlayLayout", "make_overlay", "overlay_prefix", "overlay_unavailable"]

# Retries: a namespace killed a moment ago may still hold the previous mount of the same dirs.
_MOUNT = ('i=0; until mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3,userxattr" "$4"; do '
          'i=$((i+1)); [ $i -lt 20 ] || exit 125; sleep 0.05; done; shift 4; exec "$@"')
_UNSAFE = (",", ":", "\\", "\n")  # would break the mount options


@dataclass(frozen=True)
class OverlayLayout:
    lower: Path  # the base tree, never written
    upper: Path  # the episode's changes (whiteouts for deletions)
    work: Path  # overlayfs's scratch, same filesystem as upper
    merged: Path  # an empty directory: the mount point inside the jail's namespace


def make_overlay(lower: Path, parent: Path) -> OverlayLayout:
    """The directories of a new overlay workspace over `lower`, under `parent`."""
    root = Path(tempfile.mkdtemp(prefix="ov-", dir=parent))
    layout = OverlayLayout(lower=lower, upper=root / "upper", work=root / "work", merged=root / "merged")
    for directory in (layout.upper, layout.work, layout.merged):
        directory.mkdir()
    return layout


def overlay_prefix(layout: OverlayLayout) -> list[str]:
    """The argv that mounts `layout` in a new namespace, then execs the rest of the command."""
    paths = [str(layout.lower), str(layout.upper), str(layout.work), str(layout.merged)]
    if any(c in p for p in paths for c in _UNSAFE):
        raise ValueError(f"overlay paths must not contain {_UNSAFE}: {paths}")
    return [_unshare(), "-Urm", "--", "/bin/sh", "-c", _MOUNT, "sh", *paths]


def _unshare() -> str:
    return shutil.which("unshare") or "/usr/bin/unshare"


@functools.lru_cache(maxsize=1)
def overlay_unavailable() -> str | None:
    """None when this host can mount overlay workspaces for us, else why not (then workspaces
    are copies)."""
    if os.environ.get("NANO_GYM_OVERLAY", "1") == "0":
        return "disabled by NANO_GYM_OVERLAY=0"
    with tempfile.TemporaryDirectory(prefix="nano-overlay-probe-") as tmp:
        lower = Path(tmp) / "lower"
        lower.mkdir()
        (lower / "f").write_text("x")
        layout = make_overlay(lower, Path(tmp))
        try:
            proc = subprocess.run([*overlay_prefix(layout), "/bin/sh", "-c", f"echo y >> {layout.merged}/f"],
                                  capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"},
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"cannot run unshare: {exc}"
        if proc.returncode != 0:
            return f"overlay mounts in a user namespace fail here: {proc.stderr.strip()[-300:]}"
        if (layout.upper / "f").read_text() != "xy\n" or (lower / "f").read_text() != "x":
            return "the overlay probe did not behave as an overlay"
    return None
