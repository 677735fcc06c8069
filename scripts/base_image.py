"""The small Debian image used by the Docker backend's tests and by the benchmark's baseline B.

Built offline from the registry's point of view (Docker Hub is never contacted): a Debian
bookworm minbase root filesystem made with debootstrap (git, python3 as `python`, procps),
pinned Python requirements installed into it by the host's pip (`--target`, wheels for the
image's interpreter), imported with `docker import`. The tag is a hash of the recipe, so the
image is built once per machine (or CI run) and found again by name afterwards; concurrent
builders wait on a lock file.

Needs root (debootstrap), the `docker` CLI with a running daemon, Debian's package mirror and
PyPI. Only the standard library is used: the tests and `scripts/bench_baselines.py` load it by
path.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["BASE_REQUIREMENTS", "ImageBuildError", "image_exists", "image_tag", "ensure_image"]

IMAGE_REPO = "nano-gym-base"
SUITE = "bookworm"
DEBIAN_MIRROR = os.environ.get("NANO_GYM_DEBIAN_MIRROR", "http://deb.debian.org/debian")
PACKAGES = ("git", "python3", "python-is-python3", "procps")
# The default task runtime's pin (RuntimeSpec.requirements): the tests run with it.
BASE_REQUIREMENTS = ("pytest==8.3.5",)
_RECIPE_VERSION = 1  # bump when the recipe below changes in a way the tag does not capture
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ImageBuildError(RuntimeError):
    """The image could not be built here; the message says why and what is missing."""


def image_tag(requirements: Sequence[str] = ()) -> str:
    """The image's name for these extra pinned requirements (on top of BASE_REQUIREMENTS)."""
    recipe = json.dumps([_RECIPE_VERSION, SUITE, PACKAGES, BASE_REQUIREMENTS, sorted(requirements),
                         platform.machine()])
    return f"{IMAGE_REPO}:{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def image_exists(tag: str) -> bool:
    try:
        proc = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def ensure_image(requirements: Sequence[str] = (), *, log: Callable[[str], None] = print) -> str:
    """The tag of the image with `requirements` installed, building it if this daemon lacks it."""
    tag = image_tag(requirements)
    if image_exists(tag):
        return tag
    lock_path = Path(tempfile.gettempdir()) / f"nano-gym-image-{tag.split(':')[1]}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same image
        if not image_exists(tag):
            _build(tag, [*BASE_REQUIREMENTS, *requirements], log)
    return tag


def _run(argv: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, **kwargs)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ImageBuildError(f"{argv[0]} failed: {exc}") from None
    if proc.returncode != 0:
        raise ImageBuildError(f"{' '.join(argv[:4])} ... failed ({proc.returncode}): "
                              f"{(proc.stderr or b'').decode('utf-8', 'replace').strip()[-800:]}")
    return proc


def _build(tag: str, requirements: list[str], log: Callable[[str], None]) -> None:
    if os.geteuid() != 0:
        raise ImageBuildError(f"building {tag} needs root (debootstrap)")
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed (Debian/Ubuntu: apt-get install -y debootstrap)")
    if shutil.which("docker") is None:
        raise ImageBuildError("the docker CLI is not installed (Debian/Ubuntu: apt-get install -y docker.io)")
    rootfs = Path(tempfile.mkdtemp(prefix="nano-gym-rootfs-"))
    try:
        log(f"building {tag} with debootstrap (once; kept as a Docker image) ...")
        _run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(rootfs),
              DEBIAN_MIRROR], timeout=1800)
        versions = sorted(p.name for p in (rootfs / "usr" / "lib").glob("python3.*") if (p / "os.py").exists())
        if not versions:
            raise ImageBuildError("the root filesystem holds no python3")
        version = versions[-1].removeprefix("python")
        _pip_install(rootfs / "usr" / "local" / "lib" / versions[-1] / "dist-packages", version, requirements)
        (rootfs / "testbed").mkdir()
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        _import(rootfs, tag)
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)


def _pip_install(site: Path, python_version: str, requirements: list[str]) -> None:
    """Wheels for the image's interpreter, fetched and unpacked by the host's pip (nothing runs
    inside the root filesystem, no network is needed inside containers later)."""
    machine = platform.machine()
    tags = [f"manylinux_2_{minor}_{machine}" for minor in (17, 28, 34, 36)] + [f"manylinux2014_{machine}"]
    abi = "cp" + python_version.replace(".", "")
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
            "--abi", abi, "--abi", "abi3", "--abi", "none", *[a for t in tags for a in ("--platform", t)],
            "--target", str(site), *requirements]
    _run(argv, timeout=1800)


def _import(rootfs: Path, tag: str) -> None:
    changes = [f"ENV PATH={_PATH}", "ENV LANG=C.UTF-8", "WORKDIR /testbed", 'CMD ["/bin/bash"]']
    argv = ["docker", "import", *[a for c in changes for a in ("--change", c)], "-", tag]
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."], stdout=subprocess.PIPE,
                           stdin=subprocess.DEVNULL)
    try:
        imported = subprocess.run(argv, stdin=tar.stdout, capture_output=True, timeout=900)
    finally:
        tar.stdout.close()
        tar.wait()
    if imported.returncode != 0 or tar.returncode != 0:
        raise ImageBuildError(f"docker import failed: {imported.stderr.decode('utf-8', 'replace').strip()[-800:]}")


if __name__ == "__main__":
    # `python scripts/base_image.py [requirement ...]` builds (or finds) the image, prints its tag.
    print(ensure_image(sys.argv[1:], log=lambda line: print(line, file=sys.stderr)))
