"""Where a task's repository comes from, and the cache of bare mirrors.

A task names its repository as `owner/name`. The source is, in order: the `repos=` option, the
`NANO_GYM_REPOS` environment variable, or `https://github.com/{repo}.git`. A source is either a
directory holding clones named `{owner}__{name}` (bare or not) or a URL template containing
`{repo}`, `{owner}` and/or `{name}`. Remote repositories are cloned once into a cache of bare
mirrors; local directories are used in place.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .cache import build_once, cache_root
from .errors import RepoError
from .git import run_git

__all__ = ["REPOS_ENV", "DEFAULT_SOURCE", "repo_location", "mirror_for"]

REPOS_ENV = "NANO_GYM_REPOS"
DEFAULT_SOURCE = "https://github.com/{repo}.git"
_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\Z")


def _split(repo: str) -> tuple[str, str]:
    if not _REPO.match(repo) or ".." in repo:
        raise RepoError(f"repository {repo!r} is not of the form owner/name")
    owner, name = repo.split("/")
    return owner, name


def repo_location(repo: str, repos: str | os.PathLike[str] | None = None) -> str:
    """The clone URL or local path of `repo` under the configured source."""
    owner, name = _split(repo)
    source = os.fspath(repos) if repos is not None else os.environ.get(REPOS_ENV) or DEFAULT_SOURCE
    if "{" in source:
        try:
            return source.format(repo=repo, owner=owner, name=name)
        except (KeyError, IndexError, ValueError) as exc:
            raise RepoError(f"repository source template {source!r} is invalid ({exc}); "
                            "use {repo}, {owner} and {name}") from None
    directory = Path(source)
    if not directory.is_dir():
        raise RepoError(f"repository source {source!r} is neither a URL template nor a directory")
    for candidate in (directory / f"{owner}__{name}", directory / f"{owner}__{name}.git"):
        if candidate.exists():
            return str(candidate)
    raise RepoError(f"no mirror of {repo} in {directory}: expected a clone named {owner}__{name} (bare or not)")


def _is_local(location: str) -> bool:
    return "://" not in location and not re.match(r"[\w.-]+@[\w.-]+:", location)


def mirror_for(repo: str, repos: str | os.PathLike[str] | None = None) -> str:
    """A git directory or repository path holding `repo`'s history: a local source as is, a
    remote one cloned once (bare, all refs) into the cache."""
    location = repo_location(repo, repos)
    if _is_local(location):
        return location
    owner, name = _split(repo)
    target = cache_root() / "mirrors" / f"{owner}__{name}.git"
    target.parent.mkdir(parents=True, exist_ok=True)

    def clone(tmp: Path) -> None:
        proc = run_git(["clone", "--mirror", "--quiet", location, str(tmp / "repo.git")], cwd=tmp,
                       env={"GIT_HTTP_LOW_SPEED_LIMIT": "1000", "GIT_HTTP_LOW_SPEED_TIME": "20"}, check=False)
        if proc.returncode != 0:
            raise RepoError(f"cannot clone {location}: {proc.stderr.decode('utf-8', 'replace').strip()[-500:]}. "
                            f"Without network, point `repos=` (or ${REPOS_ENV}) at a directory of local "
                            "clones named owner__name")
        for entry in (tmp / "repo.git").iterdir():
            entry.rename(tmp / entry.name)
        (tmp / "repo.git").rmdir()

    build_once(target, clone)
    return str(target)
