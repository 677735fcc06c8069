"""Shared fixtures: a private cache per test session, the embedded suite, small envs, and a
realistic task set (a repository with history, SWE-bench records, a runtime mapping file)."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Build runtimes and snapshots from scratch in a private cache, as a fresh machine would.
# Set before nano_gym is imported anywhere in this session.
os.environ.setdefault("NANO_GYM_CACHE", tempfile.mkdtemp(prefix="nano-gym-test-cache-"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import gymnasium as gym  # noqa: E402

import nano_gym  # noqa: E402,F401
from nano_gym.tasks import Task, load_suite  # noqa: E402


@pytest.fixture(scope="session")
def suite() -> list[Task]:
    return load_suite("nano-v0")


@pytest.fixture(scope="session")
def task(suite) -> Task:
    """A one-file, one-hunk task used wherever any task will do."""
    return next(t for t in suite if t.instance_id == "nano-gym__cfgloader-1")


def _bwrap_children() -> int:
    """bwrap processes started by this process (one per live jail, staged or running)."""
    count = 0
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                count += Path(f"/proc/{child}/comm").read_text().strip() == "bwrap"
            except OSError:
                continue
    return count


@pytest.fixture
def jails():
    """Counts the jails this test process has alive: `jails()`."""
    return _bwrap_children


@pytest.fixture
def env(task):
    env = gym.make("NanoSWE-v0", tasks=[task], command_timeout=10.0)
    yield env
    env.close()



# ----------------------------------------------------------------------------- a realistic task set

@dataclass(frozen=True)
class RealisticTaskset:
    """Two SWE-bench-schema tasks on `acme/slugkit`, a small package with real history.

    The repository (src layout, pyproject + setuptools, so `pip install -e .` works) imports
    pinned PyPI requirements (attrs; six from 2.0 on). Each task's fix is a commit on a branch
    off its base, merged into main later, with the code in `patch` and the tests in
    `test_patch`, as SWE-bench cuts pull requests. Task `acme__slugkit-12` is version "1.0"
    (Python 3.11), `acme__slugkit-17` version "2.0" (Python 3.10), each with its own runtime in
    `runtimes_file`; neither record carries a `runtime` key.
    """

    root: Path
    tasks_file: Path  # JSONL; FAIL_TO_PASS / PASS_TO_PASS are JSON strings in some records, lists in others
    mirrors: Path  # pass as `repos=`: holds the bare clone `acme__slugkit.git`
    runtimes_file: Path  # pass as `runtimes=`: {"acme/slugkit": {"1.0": spec, "2.0": spec}}
    requirements: tuple[str, ...]  # every pinned requirement line of the runtimes
    fix_marker: str  # occurs in the first task's fix only: in no base tree and no base history
    records: tuple[dict[str, Any], ...]
    fixes: dict[str, tuple[str, str]]  # instance_id -> (fix commit, a string only that fix contains)

    @property
    def task_ids(self) -> list[str]:
        return [r["instance_id"] for r in self.records]


_GIT_IDENTITY = ["-c", "user.name=Ada Dev", "-c", "user.email=ada@example.invalid", "-c", "commit.gpgSign=false",
                 "-c", "init.defaultBranch=main", "-c", "merge.ff=false"]

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "slugkit"
version = "{version}"
description = "URL slugs from arbitrary text"
requires-python = ">=3.8"
dependencies = [{dependencies}]

[tool.setuptools.packages.find]
where = ["src"]
"""

_TRANSLIT = '''\
"""Transliteration of accented Latin letters to ASCII."""

import unicodedata

_SPECIAL = {"\\u00df": "ss", "\\u00e6": "ae", "\\u00c6": "AE", "\\u00f8": "o", "\\u00d8": "O", "\\u0153": "oe"}


def transliterate(text):
    """`text` with accents dropped and a few letters spelled out."""
    text = "".join(_SPECIAL.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
'''

_CORE_HEAD = '''\
"""Turning text into URL slugs."""

import re

import attr
{compat_import}
from .translit import transliterate

_UNSAFE = re.compile(r"[^A-Za-z0-9]")
'''

_OPTIONS = '''

@attr.s(frozen=True, slots=True)
class SlugOptions:
    """How `slugify` builds a slug."""

    separator = attr.ib(default="-", validator=attr.validators.instance_of(str))
    lowercase = attr.ib(default=True){max_length_field}
'''

_COLLAPSE = '''

def _collapse_separators(slug, separator):
    """One separator where punctuation and spaces ran together."""
    return re.sub("(?:%s)+" % re.escape(separator), separator, slug)
'''

_TRUNCATE = '''

def _truncate_slug(slug, max_length, separator):
    """At most `max_length` characters, never ending with the separator."""
    return slug[:max_length].rstrip(separator)
'''

_TESTS_V1 = '''\
import attr
import pytest

from slugkit import SlugOptions, slugify


def test_simple_words():
    assert slugify("Hello World") == "hello-world"


def test_transliterates_accents():
    assert slugify("Cr\\u00e8me br\\u00fbl\\u00e9e") == "creme-brulee"


def test_keeps_case_when_asked():
    assert slugify("Hello World", SlugOptions(lowercase=False)) == "Hello-World"


def test_options_are_frozen():
    with pytest.raises(attr.exceptions.FrozenInstanceError):
        SlugOptions().separator = "_"
'''

_TESTS_COLLAPSE = '''

def test_collapses_punctuation_runs():
    assert slugify("Hello, World!") == "hello-world"


def test_collapses_runs_with_custom_separator():
    assert slugify("a  --  b", SlugOptions(separator="_")) == "a_b"
'''

_TESTS_V2 = '''

def test_accepts_bytes():
    assert slugify("Stra\\u00dfe 5".encode("utf-8")) == "strasse-5"


def test_max_length_cuts_words():
    assert slugify("hello world", SlugOptions(max_length=5)) == "hello"
'''

_TESTS_TRUNCATE = '''

def test_truncation_never_ends_with_separator():
    assert slugify("hello world", SlugOptions(max_length=6)) == "hello"
'''


def _core(*, v2: bool, collapse: bool, truncate: bool) -> str:
    body = ["    options = options or SlugOptions()"]
    body.append("    text = transliterate(ensure_text(text))" if v2 else "    text = transliterate(text)")
    body += ["    if options.lowercase:", "        text = text.lower()"]
    if collapse:
        body.append("    slug = _collapse_separators(_UNSAFE.sub(options.separator, text), options.separator)")
    else:
        body.append("    slug = _UNSAFE.sub(options.separator, text)")
    body.append("    slug = slug.strip(options.separator)")
    if v2:
        body.append("    if options.max_length is not None:")
        body.append("        slug = _truncate_slug(slug, options.max_length, options.separator)" if truncate
                    else "        slug = slug[: options.max_length]")
    body.append("    return slug")
    return (_CORE_HEAD.format(compat_import="\nfrom .compat import ensure_text" if v2 else "")
            + _OPTIONS.format(max_length_field="\n    max_length = attr.ib(default=None)" if v2 else "")
            + (_COLLAPSE if collapse else "") + (_TRUNCATE if truncate else "")
            + '\n\ndef slugify(text, options=None):\n    """`text` as a URL slug: ASCII letters and digits '
            'joined by the separator."""\n' + "\n".join(body) + "\n")


def _package(version: str, *, collapse: bool, truncate: bool) -> dict[str, str]:
    v2 = version.startswith("2")
    files = {
        "pyproject.toml": _PYPROJECT.format(version=version, dependencies='"attrs>=21.3", "six>=1.16"' if v2 else '"attrs>=21.3"'),
        "src/slugkit/__init__.py": f'"""URL slugs from arbitrary text."""\n\nfrom .core import SlugOptions, slugify\n\n'
                                   f'__all__ = ["SlugOptions", "slugify"]\n__version__ = "{version}"\n',
        "src/slugkit/core.py": _core(v2=v2, collapse=collapse, truncate=truncate),
        "tests/test_core.py": _TESTS_V1 + (_TESTS_COLLAPSE if collapse else "") + (_TESTS_V2 if v2 else "")
        + (_TESTS_TRUNCATE if truncate else ""),
    }
    if v2:
        files["src/slugkit/compat.py"] = ('"""Text handling for bytes and str alike."""\n\nimport six\n\n\n'
                                          'def ensure_text(value, encoding="utf-8"):\n'
                                          '    """`value` as text; bytes are decoded."""\n'
                                          '    return six.ensure_text(value, encoding=encoding)\n')
    return files


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *_GIT_IDENTITY, *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def _commit(repo: Path, files: dict[str, str], message: str, date: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    _git(repo, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", *_GIT_IDENTITY, "commit", "-q", "-m", message], cwd=repo, check=True, env=env,
                   capture_output=True)
    return _git(repo, "rev-parse", "HEAD")


def _merge(repo: Path, branch: str, files: dict[str, str], message: str, date: str) -> str:
    subprocess.run(["git", *_GIT_IDENTITY, "merge", "--no-commit", branch], cwd=repo, capture_output=True)
    return _commit(repo, files, message, date)  # the merge result is written out whole


@pytest.fixture(scope="session")
def realistic_taskset(tmp_path_factory) -> RealisticTaskset:
    """A task set as a user brings one: SWE-bench records, a mirror, a runtime mapping file."""
    root = tmp_path_factory.mktemp("realistic")
    src = root / "slugkit"
    src.mkdir()
    _git(src, "init", "-q")
    readme = {"README.md": "# slugkit\n\nURL slugs from arbitrary text.\n", ".gitignore": "*.egg-info/\nbuild/\n"}
    v1_files = _package("1.0.0", collapse=False, truncate=False)
    _commit(src, {**readme, **{k: v for k, v in v1_files.items() if k != "tests/test_core.py"},
                  "src/slugkit/translit.py": _TRANSLIT, "tests/test_core.py": _TESTS_V1},
            "Initial import of slugkit", "2024-01-08T10:00:00Z")
    _commit(src, {"tests/test_translit.py": 'from slugkit.translit import transliterate\n\n\n'
                  'def test_sharp_s():\n    assert transliterate("Stra\\u00dfe") == "Strasse"\n'},
            "Test transliteration", "2024-01-15T10:00:00Z")
    base_a = _commit(src, {"README.md": readme["README.md"] + "\n```python\nslugify('Hello World')  # 'hello-world'\n```\n"},
                     "Document usage", "2024-02-01T10:00:00Z")
    _git(src, "tag", "v1.0.0")
    base_b = _commit(src, _package("2.0.0", collapse=False, truncate=False),
                     "Accept bytes input (six) and add max_length; release 2.0.0", "2024-03-01T10:00:00Z")
    _git(src, "tag", "v2.0.0")
    _git(src, "checkout", "-q", "-b", "fix-separator-runs", base_a)
    fix_a = _commit(src, _package("1.0.0", collapse=True, truncate=False), "Collapse runs of separators (fixes #12)",
                    "2024-03-10T10:00:00Z")
    _git(src, "checkout", "-q", "-b", "fix-truncation", base_b)
    fix_b = _commit(src, _package("2.0.0", collapse=False, truncate=True),
                    "Never end a truncated slug with a separator (fixes #17)", "2024-03-12T10:00:00Z")
    _git(src, "checkout", "-q", "main")
    _merge(src, "fix-separator-runs", _package("2.0.0", collapse=True, truncate=False),
           "Merge branch 'fix-separator-runs'", "2024-03-14T10:00:00Z")
    _merge(src, "fix-truncation", _package("2.0.1", collapse=True, truncate=True),
           "Merge branch 'fix-truncation'; release 2.0.1", "2024-03-15T10:00:00Z")
    _git(src, "tag", "v2.0.1")
    mirrors = root / "mirrors"
    mirrors.mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(mirrors / "acme__slugkit.git")], check=True)

    def cut(base: str, fix: str) -> tuple[str, str]:
        return _git(src, "diff", base, fix, "--", "src") + "\n", _git(src, "diff", base, fix, "--", "tests") + "\n"

    patch_a, tests_a = cut(base_a, fix_a)
    patch_b, tests_b = cut(base_b, fix_b)
    core = "tests/test_core.py::"
    v1_tests = [core + n for n in ("test_simple_words", "test_transliterates_accents", "test_keeps_case_when_asked",
                                   "test_options_are_frozen")]
    records = (
        {"instance_id": "acme__slugkit-12", "repo": "acme/slugkit", "base_commit": base_a, "version": "1.0",
         "environment_setup_commit": base_a, "created_at": "2024-03-10T09:00:00Z", "hints_text": "",
         "problem_statement": "slugify leaves repeated separators\n\n`slugify(\"Hello, World!\")` returns "
                              "`'hello--world'`; expected `'hello-world'`. The same happens with a custom separator.",
         "patch": patch_a, "test_patch": tests_a,
         "FAIL_TO_PASS": json.dumps([core + "test_collapses_punctuation_runs",
                                     core + "test_collapses_runs_with_custom_separator"]),
         "PASS_TO_PASS": v1_tests},
        {"instance_id": "acme__slugkit-17", "repo": "acme/slugkit", "base_commit": base_b, "version": "2.0",
         "environment_setup_commit": base_b, "created_at": "2024-03-12T09:00:00Z", "hints_text": "",
         "problem_statement": "Truncated slugs can end with a separator\n\n`slugify('hello world', "
                              "SlugOptions(max_length=6))` returns `'hello-'`.",
         "patch": patch_b, "test_patch": tests_b,
         "FAIL_TO_PASS": [core + "test_truncation_never_ends_with_separator"],
         "PASS_TO_PASS": json.dumps(v1_tests + [core + "test_accepts_bytes", core + "test_max_length_cuts_words"])},
    )
    tasks_file = root / "tasks.jsonl"
    tasks_file.write_text("".join(json.dumps(r) + "\n" for r in records))
    v1_reqs = ["pytest==8.3.5", "attrs==23.2.0"]
    v2_reqs = [*v1_reqs, "six==1.16.0"]
    install = "python -m pip install -e ."
    runtimes_file = root / "runtimes.json"
    # Version 1.0 uses SWE-bench's key names, 2.0 nano_gym's: both are accepted.
    runtimes_file.write_text(json.dumps({"acme/slugkit": {
        "1.0": {"python": "3.11", "pip_packages": v1_reqs, "install": install, "test_cmd": "pytest -rA"},
        "2.0": {"python": "3.10", "requirements": v2_reqs, "install": install, "test_cmd": "pytest -rA"},
    }}, indent=2))
    markers = {"acme__slugkit-12": "_collapse_separators", "acme__slugkit-17": "_truncate_slug"}
    for base in (base_a, base_b):  # the markers really are absent from both bases
        for marker in markers.values():
            assert subprocess.run(["git", "grep", "-qF", marker, base], cwd=src).returncode == 1
    return RealisticTaskset(
        root=root, tasks_file=tasks_file, mirrors=mirrors, runtimes_file=runtimes_file,
        requirements=tuple(dict.fromkeys(v2_reqs)), fix_marker=markers["acme__slugkit-12"], records=records,
        fixes={"acme__slugkit-12": (fix_a, markers["acme__slugkit-12"]),
               "acme__slugkit-17": (fix_b, markers["acme__slugkit-17"])},
    )
