"""Git inside and around the sandbox: no future history to mine, no poisoned config or hook that
the host ever runs, and a diff that is the worktree's true change whatever the agent does to git."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from nano_gym.patches import parse_patch
from nano_gym.repos import apply_diff, base_snapshot, extract_diff, make_workspace, remove_tree
from nano_gym.suites import embedded_reference

FIX_TEXT = "rest.rpartition(ENV_SEPARATOR)"  # what the gold patch of nano-gym__cfgloader-1 adds


def _gold_blobs(task) -> dict[str, str]:
    """path -> blob id of every file as the gold patch and test patch leave it."""
    reference = embedded_reference(task.repo)
    blobs = {}
    for fp in parse_patch(task.patch) + parse_patch(task.test_patch):
        data = (reference / fp.new_path).read_bytes()
        blobs[fp.new_path] = subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True,
                                            check=True).stdout.decode().strip()
    return blobs


# ----------------------------------------------------------------------------- history

def test_the_repository_holds_nothing_of_the_fix(episode, task):
    gold = _gold_blobs(task)
    base = base_snapshot(task).manifest()
    assert all(base[path][1] != blob for path, blob in gold.items())  # the fix really changes these blobs
    assert episode.sh("git log --all --format=%H").split() == [task.base_commit]
    assert int(episode.sh("git reflog --all | wc -l")) <= 1
    assert episode.sh("git for-each-ref --format='%(refname)'").split() == ["refs/heads/main"]
    assert episode.sh("git stash list; git remote -v; git replace -l") == "[no output]"
    assert episode.sh("git fsck --lost-found --no-progress --unreachable 2>&1; ls -A .git/lost-found 2>&1 | "
                      "grep -v 'No such'; echo end").strip() == "end"
    objects = episode.sh("git cat-file --batch-all-objects --batch-check='%(objectname)'").split()
    assert len(objects) > 10 and not set(gold.values()) & set(objects)
    for blob in gold.values():  # not even as a loose object, a pack entry or through an alternate
        assert "missing" in episode.sh(f"git cat-file -e {blob} && echo present || echo missing")
    assert "alternates" not in episode.sh("find .git -name alternates; ls .git/objects/info")
    contents = episode.bash("git cat-file --batch-all-objects --batch | grep -c "
                            f"-e {shlex.quote(FIX_TEXT)} -e test_env_overrides_dotted_subsections; "
                            f"grep -rlaF {shlex.quote(FIX_TEXT)} .git | wc -l")
    assert contents.split() == ["0", "0"]


def test_the_workspace_git_points_nowhere_on_the_host(episode):
    config = episode.sh("cat .git/config; ls -A .git")
    assert "/tmp" not in config and "/root" not in config and "nano" not in config.lower()
    assert "url" not in config and "worktree" not in config
    assert episode.sh("git rev-parse --git-dir --show-toplevel") == ".git\n/testbed\n"


# ----------------------------------------------------------------------------- poisoned git

HOOKS = ["pre-commit", "post-commit", "post-checkout", "post-merge", "pre-push", "post-rewrite",
         "reference-transaction", "post-index-change", "pre-auto-gc", "fsmonitor-watchman", "applypatch-msg",
         "pre-applypatch", "post-applypatch", "commit-msg", "prepare-commit-msg", "push-to-checkout",
         "sendemail-validate", "update", "pre-receive", "post-receive", "post-update", "pre-rebase"]


def _poison(episode, host_dir: Path) -> None:
    """Arm every way git could run code: config, included config, attributes, hooks, replace refs.
    Each payload would leave a marker in `host_dir` (only reachable from the host) and a PWNED-*
    file in whatever directory it ran in."""
    # git replace before any hook exists: the agent's own git must not fire the payloads.
    episode.bash("git replace -f HEAD:README.md $(echo fake readme | git hash-object -w --stdin); "
                 "git replace -f HEAD $(git commit-tree -m fake HEAD^{tree})")
    payload = f"#!/bin/sh\ntouch {host_dir}/\"$(basename \"$0\")-$$\" PWNED-\"$(basename \"$0\")\" 2>/dev/null\ncat\n"
    episode.py(
        "import os, stat\n"
        f"payload = {payload!r}\n"
        "for d in ('.git/hooks', '.git/info', '.hooks'):\n"
        "    os.makedirs(d, exist_ok=True)\n"
        "def arm(path):\n"
        "    with open(path, 'w') as f: f.write(payload)\n"
        "    os.chmod(path, 0o755)\n"
        "arm('evil.sh')\n"
        f"for hook in {HOOKS!r}:\n"
        "    arm(os.path.join('.git/hooks', hook)); arm(os.path.join('.hooks', hook))\n")
    evil = "/testbed/evil.sh"
    config = (f"[core]\n\tfsmonitor = {evil}\n\thooksPath = /testbed/.hooks\n\tpager = {evil}\n\teditor = {evil}\n"
              f"\tsshCommand = {evil}\n\taskPass = {evil}\n\tattributesFile = /testbed/.evil-attributes\n"
              f"[diff]\n\texternal = {evil}\n\ttool = evil\n[difftool \"evil\"]\n\tcmd = {evil}\n"
              f"[diff \"evil\"]\n\ttextconv = {evil}\n\tcommand = {evil}\n"
              f"[filter \"evil\"]\n\tclean = {evil}\n\tsmudge = {evil}\n\tprocess = {evil}\n\trequired = true\n"
              f"[merge \"evil\"]\n\tdriver = {evil}\n[credential]\n\thelper = !{evil}\n[gpg]\n\tprogram = {evil}\n"
              f"[sequence]\n\teditor = {evil}\n[uploadpack]\n\tpackObjectsHook = {evil}\n"
              f"[alias]\n\tdiff = !{evil}\n\tapply = !{evil}\n[include]\n\tpath = /testbed/.evil-include\n")
    include = f"[core]\n\tfsmonitor = {evil}\n[diff]\n\texternal = {evil}\n"
    attributes = "* filter=evil diff=evil merge=evil\n"
    episode.py(
        f"open('.git/config', 'a').write({config!r})\n"
        f"open('.evil-include', 'w').write({include!r})\n"
        f"open('.evil-attributes', 'w').write({attributes!r})\n"
        f"open('.gitattributes', 'w').write({attributes!r})\n"
        f"open('.git/info/attributes', 'w').write({attributes!r})\n")


def test_poisoned_git_runs_nothing_on_the_host_at_diff_or_grading(episode, host_dir, task, digest):
    snapshot = base_snapshot(task)
    snapshot_before = digest(snapshot.root)
    _poison(episode, host_dir)
    text, error = episode.patch("cfgloader/loader.py", "rest.partition(ENV_SEPARATOR)", FIX_TEXT)
    assert error is None, text
    reward, info = episode.submit()
    assert list(host_dir.iterdir()) == []  # no payload ran outside the jail
    assert info["reward_status"] == "graded" and reward == 1.0  # the fix is graded as usual
    # Exactly what the agent wrote: no PWNED-* file from a payload run while the diff was taken.
    changed = {fp.path for fp in parse_patch(info["diff"])}
    assert changed == {"cfgloader/loader.py", "evil.sh", ".evil-include", ".evil-attributes", ".gitattributes",
                       *(f".hooks/{h}" for h in HOOKS)}
    # The diff is the plain text change, not the output of any textconv or external diff.
    assert f"+    section, sep, key = {FIX_TEXT}" in info["diff"]
    # The next episode starts from the untouched base snapshot: none of this carries over.
    assert digest(snapshot.root) == snapshot_before
    episode.reset()
    out = episode.sh("git config --list --local; ls -A .git/hooks 2>&1; git replace -l; git status --short; ls -A")
    assert "evil" not in out and "PWNED" not in out and "fake" not in out
    assert list(host_dir.iterdir()) == []


def test_nested_repositories_and_gitmodules_run_nothing_at_grading(episode, host_dir):
    # A nested repository and submodule config in the diff: git must neither take them as its own
    # directory nor fetch or check out anything when the harness applies the diff.
    payload = f"#!/bin/sh\ntouch {host_dir}/nested-$$\n"
    episode.py(
        "import os\n"
        "for d in ('sub/.git/hooks', 'sub/.git/objects', 'sub/.git/refs', '.GIT'):\n"
        "    os.makedirs(d, exist_ok=True)\n"
        "open('sub/.git/HEAD', 'w').write('ref: refs/heads/main\\n')\n"
        "open('sub/.git/config', 'w').write('[core]\\n\\tfsmonitor = /testbed/x.sh\\n\\thooksPath = /testbed\\n')\n"
        f"open('sub/.git/hooks/post-checkout', 'w').write({payload!r}); os.chmod('sub/.git/hooks/post-checkout', 0o755)\n"
        f"open('x.sh', 'w').write({payload!r}); os.chmod('x.sh', 0o755)\n"
        "open('.gitmodules', 'w').write('[submodule \"sub\"]\\n\\tpath = sub\\n\\turl = /testbed/x.sh\\n'\n"
        "                               '\\tupdate = !/testbed/x.sh\\n')\n"
        "open('.GIT/config', 'w').write('[core]\\n\\tfsmonitor = /testbed/x.sh\\n')\n"
        "open('sub/file.py', 'w').write('X = 1\\n')\n")
    reward, info = episode.submit()
    assert list(host_dir.iterdir()) == []
    assert reward == 0.0 and info["reward_status"] == "graded"
    paths = {fp.path for fp in parse_patch(info["diff"])}
    assert {"x.sh", ".gitmodules", "sub/file.py"} <= paths
    assert not any(".git/" in p for p in paths)  # git cannot carry a .git directory in any case


# ----------------------------------------------------------------------------- the true diff

README_EDIT = ("README.md", "# cfgloader", "# cfgloader (edited by the agent)")


def _edit(episode) -> None:
    text, error = episode.patch(*README_EDIT)
    assert error is None, text


def _roundtrip(task, diff: str, tmp_path: Path) -> Path:
    """Apply the diff to a fresh base on the host and return that tree: what grading will see."""
    snapshot = base_snapshot(task)
    fresh = make_workspace(snapshot, tmp_path)
    apply_diff(snapshot, fresh, diff)
    assert extract_diff(snapshot, fresh) == diff
    return fresh


# name -> (what the agent does after editing README.md, paths the diff must show, paths it must not)
TRICKS = {
    "commit": ("git commit -qam 'agent commit'", {"README.md"}, set()),
    "commit-then-amend-history-away": ("git commit -qam x && git update-ref -d refs/heads/main && git reflog expire "
                                       "--expire=now --all && git gc -q --prune=now", {"README.md"}, set()),
    "stash": ("git stash -q", set(), {"README.md"}),
    "commit-on-branch-then-switch-back": ("git checkout -qb side && git commit -qam side && git checkout -q main",
                                          set(), {"README.md"}),
    "orphan-branch-empty-index": ("git checkout -q --orphan empty && git rm -rqf --cached .", {"README.md"}, set()),
    "reset-hard-to-a-parent": ("git commit -qam x && git reset -q --hard HEAD~", set(), {"README.md"}),
    "rm-cached": ("git rm -q --cached README.md cfgloader/__init__.py", {"README.md"}, {"cfgloader/__init__.py"}),
    "assume-unchanged": ("git update-index --assume-unchanged README.md && git update-index --skip-worktree README.md",
                         {"README.md"}, set()),
    "gitignore-everything": ("printf '*\\n' > .gitignore && printf 'X = 1\\n' > cfgloader/hidden.py && "
                             "mkdir -p .git/info && printf '*\\n' > .git/info/exclude",
                             {"README.md", ".gitignore", "cfgloader/hidden.py"}, set()),
    "gitattributes-binary-and-export-ignore": ("printf '* -diff binary export-ignore\\n' > .gitattributes",
                                               {"README.md", ".gitattributes"}, set()),
    "delete-dot-git": ("rm -rf .git", {"README.md"}, set()),
    "dot-git-is-a-file": ("rm -rf .git && printf 'gitdir: /\\n' > .git", {"README.md"}, {".git"}),
    "dot-git-is-a-symlink-to-root": ("rm -rf .git && ln -s / .git", {"README.md"}, {".git"}),
    "index-replaced-with-garbage": ("head -c 4096 /dev/urandom > .git/index && printf 'junk' > .git/HEAD",
                                    {"README.md"}, set()),
}


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_the_diff_is_the_worktree_whatever_the_agent_does_to_git(episode, task, tmp_path, trick):
    script, present, absent = TRICKS[trick]
    _edit(episode)
    out = episode.bash(f"set -e; {script}; echo trick-done")
    assert "trick-done" in out, out
    worktree = {p: episode.sh(f"cat {p}") for p in present}
    reward, info = episode.submit()
    diff = info["diff"]
    changed = {fp.path for fp in parse_patch(diff)}
    assert changed == present and not changed & absent
    assert reward == 0.0 and info["reward_status"] == "graded"
    if diff:
        fresh = _roundtrip(task, diff, tmp_path)
        for path, text in worktree.items():  # grading sees exactly the agent's worktree bytes
            assert (fresh / path).read_text() == text
        if "README.md" in present:
            assert "(edited by the agent)" in (fresh / "README.md").read_text()


DEEP = "nano-sec-deep"  # every level of the deep trees below (conftest's deep_leftovers knows it)


def test_a_tree_deeper_than_the_recursion_limit_and_path_max_is_diffed(task, tmp_path):
    # 1100 levels: deeper than Python's recursion limit, and a path of 15 kB, past PATH_MAX.
    snapshot = base_snapshot(task)
    (tmp_path / "deep").mkdir()
    ws = make_workspace(snapshot, tmp_path / "deep")
    fd = os.open(ws, os.O_RDONLY)
    try:
        for level in range(1100):
            os.mkdir(DEEP, dir_fd=fd)
            child = os.open(DEEP, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
            if level in (299, 1099):
                out = os.open("mid.py" if level == 299 else "deep.py", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
                os.write(out, b"LEVEL = %d\n" % level)
                os.close(out)
        os.symlink("/etc/passwd", "link", dir_fd=fd)
    finally:
        os.close(fd)
    try:
        diff = extract_diff(snapshot, ws)
        paths = {fp.path for fp in parse_patch(diff)}
        assert paths == {f"{DEEP}/" * 300 + "mid.py", f"{DEEP}/" * 1100 + "deep.py", f"{DEEP}/" * 1100 + "link"}
        assert "+LEVEL = 1099" in diff and "+/etc/passwd" in diff  # the link itself, never its target
    finally:
        remove_tree(tmp_path / "deep")  # shutil.rmtree (and so pytest's cleanup) cannot
    assert not (tmp_path / "deep").exists()


def test_a_very_deep_tree_is_graded_and_cleaned_up(make_episode, deep_leftovers):
    ep = make_episode(command_timeout=30.0)  # an env of its own, closed below
    try:
        ep.py(f"import os\nfor i in range(1100):\n    os.mkdir({DEEP!r}); os.chdir({DEEP!r})\n"
              "open('deep.py', 'w').write('X = 1\\n')\n")
        reward, info = ep.submit()  # the diff, then grading, then cleaning up after both
        assert reward == 0.0 and info["reward_status"] == "graded"
        assert f"{DEEP}/" * 1100 + "deep.py" in {fp.path for fp in parse_patch(info["diff"])}
        ep.reset()
        assert ep.sh("echo next") == "next\n"
    finally:
        ep.env.close()
    assert deep_leftovers() == []  # neither the episode's workspace nor the grader's copy is left behind


# ----------------------------------------------------------------------------- grading
# The agent's code runs inside the test process at grading time: it must not be able to turn the
# report into a pass. Each diff below fixes nothing; each tries to make the report say otherwise.

FORGE_ALL = '''
import atexit as _atexit, sys as _sys
def _forge():  # after pytest wrote its report: drop every failure from it
    import re
    for arg in _sys.argv:
        if arg.startswith("--junitxml="):
            try:
                with open(arg.split("=", 1)[1], "r+") as fh:
                    text = re.sub(r"<(failure|error)\\b[^>]*?(/>|>.*?</\\1>)", "", fh.read(), flags=re.S)
                    fh.seek(0); fh.write(text); fh.truncate()
            except OSError:
                pass
_atexit.register(_forge)
'''

# Spares the failures of tests that call nothing of the code under test (only builtins and
# methods of their own values: a planted must-fail test looks so), drops the others: the report
# then says the task's failing tests pass, and what it says of the rest is true.
FORGE_SELECTIVE = '''
import atexit as _atexit, sys as _sys
def _forge():
    import ast, builtins, xml.etree.ElementTree as ET
    def calls_the_code(path, name):
        try:
            tree = ast.parse(open("/testbed/" + path).read())
        except (OSError, SyntaxError):
            return True
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name == name.split("[")[0]:
                called = {c.func.id for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
                return bool(called - set(dir(builtins))) or bool(fn.args.args)
        return True
    for arg in _sys.argv:
        if not arg.startswith("--junitxml="):
            continue
        try:
            with open(arg.split("=", 1)[1], "r+") as fh:
                root = ET.fromstring(fh.read())
                for case in root.iter("testcase"):
                    if calls_the_code(case.get("file", ""), case.get("name", "")):
                        for bad in [c for c in case if c.tag in ("failure", "error")]:
                            case.remove(bad)
                fh.seek(0); fh.write(ET.tostring(root, encoding="unicode")); fh.truncate()
        except (OSError, ET.ParseError):
            pass
_atexit.register(_forge)
'''

SHADOW_PYTEST = '''
import sys
from xml.sax.saxutils import quoteattr
cases = ""
for node in """{ids}""".split():  # a report in which every expected test passed
    file, *classes, name = node.split("::")
    classname = ".".join([file[:-3].replace("/", "."), *classes])
    cases += "<testcase classname=%s name=%s file=%s/>" % (quoteattr(classname), quoteattr(name), quoteattr(file))
for arg in sys.argv:
    if arg.startswith("--junitxml="):
        open(arg.split("=", 1)[1], "w").write('<testsuites><testsuite name="pytest">%s</testsuite></testsuites>' % cases)
'''

_INIT_END = '    "parse_duration",\n]\n'


@pytest.mark.parametrize("how", [
    "rewrite-every-failure",
    "rewrite-failures-but-spare-canaries",
    "shadow-pytest",
])
def test_agent_code_cannot_forge_the_test_report(episode, task, how):
    if how == "shadow-pytest":
        episode.sh("touch pytest.py")
        ids = " ".join((*task.FAIL_TO_PASS, *task.PASS_TO_PASS))
        _, error = episode.patch("pytest.py", "", SHADOW_PYTEST.replace("{ids}", ids))
    else:
        forge = FORGE_ALL if how == "rewrite-every-failure" else FORGE_SELECTIVE
        _, error = episode.patch("cfgloader/__init__.py", _INIT_END, _INIT_END + forge)
    assert error is None
    reward, info = episode.submit()
    assert info["reward_status"] in ("graded", "grading_failed")
    report = info["report"]
    assert reward == 0.0, (f"a diff that fixes nothing was graded as resolved: status {report['status']}, "
                           f"fail_to_pass {report['fail_to_pass']}, audit {report.get('audit')}")
