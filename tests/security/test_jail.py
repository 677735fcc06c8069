"""Attacks on the jail itself, made through the env's shell tool as an agent would.

rbash is not the boundary (DESIGN.md decision 4): every attack here first leaves it through
`python3 -c`, `env`, `awk`, `find -exec` or git's pager, then tries the jail.
"""

from __future__ import annotations

import importlib.resources
import os
import secrets
import shlex
import socket
import subprocess
from pathlib import Path

import pytest

from nano_gym.suites import embedded_reference


def test_harness_environment_is_not_readable_inside(make_episode, monkeypatch):
    secret = secrets.token_hex(16)
    monkeypatch.setenv("NANO_SECRET_TOKEN", secret)
    ep = make_episode(own_env=True)  # its sandboxes start while the secret is in the harness's environment
    dump = ep.py(
        "import glob\n"
        "for p in sorted(glob.glob('/proc/[0-9]*/environ') + glob.glob('/proc/[0-9]*/task/*/environ')):\n"
        "    try:\n"
        "        data = open(p, 'rb').read()\n"
        "    except OSError as e:\n"
        "        print(p, 'unreadable', e.errno); continue\n"
        "    print(p, data.replace(b'\\0', b' ').decode('utf-8', 'replace'))\n")
    assert "/proc/1/environ" in dump and "USER=agent" in dump  # the environs were really read
    out = dump + ep.sh("env; cat /proc/1/environ; echo") + ep.sh("awk 'BEGIN { for (k in ENVIRON) print k \"=\" ENVIRON[k] }'")
    assert secret not in out and "NANO_SECRET_TOKEN" not in out
    assert "NANO_GYM_CACHE" not in out and "PYENV" not in out  # nothing of the harness's own variables


def test_no_network_to_the_internet_or_the_host(episode):
    host = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    host.bind(("127.0.0.1", 0))
    host.listen(8)
    host.setblocking(False)
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract_name = f"nano-sec-{secrets.token_hex(6)}"
    abstract.bind("\0" + abstract_name)
    abstract.listen(8)
    abstract.setblocking(False)
    port = host.getsockname()[1]
    try:
        out = episode.py(
            "import socket\n"
            "def attempt(label, family, addr, kind=socket.SOCK_STREAM):\n"
            "    s = socket.socket(family, kind); s.settimeout(2)\n"
            "    try:\n"
            "        s.connect(addr)\n"
            "        if kind == socket.SOCK_DGRAM: s.send(b'x')\n"
            "        print(label, 'CONNECTED')\n"
            "    except OSError as e:\n"
            "        print(label, 'refused', e.errno)\n"
            "attempt('dns', socket.AF_INET, ('1.1.1.1', 53))\n"
            "attempt('udp', socket.AF_INET, ('1.1.1.1', 53), socket.SOCK_DGRAM)\n"
            f"attempt('host', socket.AF_INET, ('127.0.0.1', {port}))\n"
            f"attempt('unix', socket.AF_UNIX, '\\0{abstract_name}')\n"
            "print(sorted(open('/proc/net/dev').read().split()[::17]))\n")
        for label in ("dns", "udp", "host", "unix"):
            assert f"{label} refused" in out, out
        assert "CONNECTED" not in out
        for listener in (host, abstract):
            with pytest.raises(BlockingIOError):
                listener.accept()  # nothing from the sandbox ever reached the host's listeners
    finally:
        host.close()
        abstract.close()


def test_unprivileged_without_capabilities_or_setuid(episode):
    out = episode.sh("id -u; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status")
    fields = dict(line.split(":\t") for line in out.splitlines()[1:])
    assert out.splitlines()[0] != "0"
    assert fields == {"CapPrm": "0000000000000000", "CapEff": "0000000000000000",
                      "CapBnd": "0000000000000000", "NoNewPrivs": "1"}
    out = episode.py("import os\ntry:\n    os.setuid(0); print('ROOT')\nexcept OSError as e:\n    print('setuid', e.errno)")
    assert "ROOT" not in out and "setuid" in out  # EPERM, or EINVAL: uid 0 is not even mapped
    # setuid binaries do not elevate (no_new_privs).
    out = episode.sh("su -c 'id -u' root; echo status=$?")
    assert "status=0" not in out


def test_a_nested_user_namespace_does_not_lift_the_read_only_mounts(episode, host_dir):
    out = episode.sh(
        "unshare -Urm sh -c 'echo uid=$(id -u); for m in / /usr /etc /opt/nano/venv; do "
        "mount -o remount,rw $m && echo REMOUNTED $m; done; "
        f"for f in /usr/pwned /pwned {host_dir}/pwned; do touch $f && echo WROTE $f; done' 2>&1")
    # Being root of a namespace of its own gains nothing: the mounts stay locked read-only ...
    assert "REMOUNTED" not in out and "WROTE" not in out, out
    # ... and bubblewrap 0.8+ refuses the namespace in the first place.
    version = subprocess.run(["bwrap", "--version"], capture_output=True, text=True).stdout.split()[-1]
    if tuple(int(x) for x in version.split(".")[:2]) >= (0, 8):
        assert "uid=0" not in out, out
    assert list(host_dir.iterdir()) == []
    assert not Path("/usr/pwned").exists() and not Path("/pwned").exists()


def test_system_directories_and_the_runtime_are_read_only(episode, digest):
    out = episode.py(
        "import os, sys, sysconfig\n"
        "targets = ['/usr/pwned', '/etc/pwned', '/etc/passwd', '/bin/pwned', '/usr/bin/pwned',\n"
        "           '/usr/local/pwned', os.path.join(sysconfig.get_paths()['purelib'], 'pwned.pth'),\n"
        "           os.path.join(sys.base_prefix, 'lib', 'pwned.py'), sys.executable]\n"
        "for t in targets:\n"
        "    try:\n"
        "        with open(t, 'a') as f: f.write('import os')\n"
        "        print('WROTE', t)\n"
        "    except OSError as e:\n"
        "        print('refused', t, e.errno)\n")
    assert "WROTE" not in out and out.count("refused") == 9, out
    # The runtime's site-packages is shared by every episode and by grading: nothing may land there.
    assert "pwned" not in episode.sh("python3 -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])' | xargs ls")


def test_host_secrets_and_homes_are_absent(episode):
    home_marker = Path.home() / f".nano-sec-{secrets.token_hex(6)}"
    home_marker.write_text(f"host home secret {home_marker.name}\n")
    try:
        out = episode.py(
            "import os, glob\n"
            f"print('marker', os.path.exists({str(home_marker)!r}))\n"
            "print('shadow', os.path.exists('/etc/shadow'), os.path.exists('/etc/gshadow'))\n"
            "print('home', os.path.exists('/home'))\n"
            "print('ssh', glob.glob('/root/.ssh') + glob.glob('/home/*/.ssh') + glob.glob('/etc/ssh/*key*'))\n"
            f"print('cwd', os.path.exists({os.getcwd()!r}))\n")
        assert "marker False" in out and "shadow False False" in out and "home False" in out
        assert "ssh []" in out and "cwd False" in out
        # Whatever of /root the runtime needs may be there; the host's home files are not.
        found = episode.bash(f"find / \\( -path /proc -o -path /usr \\) -prune -o -name {home_marker.name} -print "
                             "2>/dev/null; grep -rl 'host home secret' /root /tmp /home 2>/dev/null; echo end")
        assert found.strip() == "end"
    finally:
        home_marker.unlink()


def test_only_the_workspace_and_tmp_are_writable(episode):
    candidates = ["/", "/etc", "/var", "/opt", "/opt/nano", "/run", "/home", "/root", "/usr", "/usr/local",
                  "/bin", "/dev", "/dev/pts", "/proc", "/proc/sys", "/proc/sys/kernel", "/sys", "/mnt",
                  "/testbed", "/testbed/cfgloader", "/tmp", "/dev/shm"]
    out = episode.py(
        "import os\n"
        f"for d in {candidates!r}:\n"
        "    try:\n"
        "        fd = os.open(os.path.join(d, '.nano-w'), os.O_WRONLY | os.O_CREAT, 0o644); os.close(fd)\n"
        "        os.unlink(os.path.join(d, '.nano-w')); print('writable', d)\n"
        "    except OSError:\n"
        "        try:\n"
        "            os.mkdir(d); print('writable', d)\n"
        "        except OSError:\n"
        "            pass\n"
    )
    writable = {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("writable ")}
    # /dev/shm is a small capped tmpfs: POSIX semaphores (multiprocessing) need it.
    assert writable == {"/testbed", "/testbed/cfgloader", "/tmp", "/dev/shm"}


def test_kernel_settings_are_read_only(episode):
    # With the harness running as root, the sandbox user is the host's uid 0 without capabilities,
    # and sysctls check the uid: a writable kernel.core_pattern is a host root shell. The writes
    # below put back the value already there, so they change nothing even where they succeed.
    out = episode.py(
        "import os, glob\n"
        "for f in ['/proc/sys/vm/swappiness', '/proc/sys/kernel/hostname']:\n"
        "    value = open(f).read()\n"
        "    try:\n"
        "        with open(f, 'w') as fh: fh.write(value)\n"
        "        print('WROTE', f)\n"
        "    except OSError as e:\n"
        "        print('refused', f, e.errno)\n"
        "writable = [p for p in glob.glob('/proc/sys/**', recursive=True) + ['/proc/sysrq-trigger']\n"
        "            if os.path.isfile(p) and os.access(p, os.W_OK)]\n"
        "print('writable sysctls', writable[:20])\n")
    assert "WROTE" not in out and out.count("refused") == 2
    assert "writable sysctls []" in out


def test_tmp_and_shm_are_capped(episode):
    out = episode.py(
        "import os, errno\n"
        "for d, limit in (('/tmp', 300), ('/dev/shm', 100)):\n"
        "    path, n, chunk = os.path.join(d, 'big'), 0, b'x' * (1 << 20)\n"
        "    try:\n"
        "        with open(path, 'wb') as f:\n"
        "            while n < limit:\n"
        "                f.write(chunk); n += 1\n"
        "        print(d, 'WROTE ALL', n)\n"
        "    except OSError as e:\n"
        "        print(d, 'stopped', errno.errorcode[e.errno], n)\n"
        "    os.unlink(path)\n"
        "with open('/tmp/again', 'wb') as f: f.write(b'y' * (200 << 20))\n"
        "os.unlink('/tmp/again'); print('space back')\n"
        "import multiprocessing\n"
        "with multiprocessing.Pool(2) as pool: print('pool', pool.map(abs, [-1, -2]))\n")
    assert "WROTE ALL" not in out
    assert "/tmp stopped ENOSPC" in out and "/dev/shm stopped ENOSPC" in out
    assert "pool [1, 2]" in out  # and yet multiprocessing works
    assert "space back" in out
    assert episode.sh("echo still alive") == "still alive\n"


def test_the_package_its_gold_patches_and_the_cache_are_not_visible(make_episode, task):
    package = importlib.resources.files("nano_gym")
    fix_text = "rest.rpartition(ENV_SEPARATOR)"  # a line the gold patch adds
    test_text = "def test_env_overrides_dotted_subsections"  # a line the test patch adds
    assert fix_text in task.patch and test_text in task.test_patch
    reference = embedded_reference(task.repo)
    assert fix_text in (reference / "cfgloader" / "loader.py").read_text()  # the package holds them: so must not the jail
    cache = Path(os.environ["NANO_GYM_CACHE"])
    assert (cache / "snapshots").is_dir()
    ep = make_episode(command_timeout=60.0)
    out = ep.py(
        "import os\n"
        f"for p in ({str(package)!r}, {str(cache)!r}, {str(Path(package).parent)!r}):\n"
        "    print('exists', p, os.path.exists(p))\n")
    assert "True" not in out
    snapshot_dirs = " ".join(f"-o -name {shlex.quote(p.name)}" for p in (cache / "snapshots").iterdir())
    names = ep.bash("find / \\( -path /proc -o -path /sys \\) -prune -o \\( -name 'nano-v0.jsonl' -o -name harness.git "
                    f"-o -name 'nano_gym*' -o -name jail-etc -o -name {shlex.quote(cache.name)} {snapshot_dirs} \\) "
                    "-print 2>/dev/null; echo end")
    assert names.strip() == "end", names
    # Every file outside /usr (the host's system files, searched above by name), and the data files
    # under it, searched for what the gold patches add.
    pattern = f"-e {shlex.quote(fix_text)} -e {shlex.quote(test_text)}"
    hits = ep.bash(f"grep -rlF {pattern} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev --exclude-dir=usr "
                   "2>/dev/null; "
                   f"grep -rlF --include='*.json*' --include='*.patch' --include='*.diff' {pattern} /usr "
                   "2>/dev/null; echo end")
    assert hits.strip() == "end", hits


def _escapes(script: str) -> dict[str, str]:
    q = shlex.quote
    return {
        "python-execv": "python3 -c " + q(f"import os; os.execv('/bin/bash', ['bash', '--norc', '-c', {script!r}])"),
        "env": "env -i /bin/bash --norc -c " + q(script),
        "awk": "awk -v s=" + q(script) + " 'BEGIN { system(s) }'",
        "find-exec": "find . -maxdepth 0 -exec /bin/sh -c " + q(script) + " \\;",
        "git-alias": "git -c alias.x=" + q("!" + script) + " x",
    }


@pytest.mark.parametrize("how", ["python-execv", "env", "awk", "find-exec", "git-alias"])
def test_leaving_rbash_still_leaves_you_in_the_jail(episode, host_dir, how):
    probe = f"probe-{how}"
    script = (f"echo out > /tmp/{probe} && cd / && touch {host_dir}/{probe} /usr/{probe} ; "
              f"echo uid=$(id -u) host=$(hostname) pid1=$(cat /proc/1/comm) tmp=$(cat /tmp/{probe}) "
              f"cwd=$(pwd) work=$(ls -d /work 2>&1 | head -c 20)")
    out = episode.sh(_escapes(script)[how])
    # The escape worked (redirection and cd are forbidden in rbash) ...
    assert "tmp=out" in out and "cwd=/ " in out, out
    # ... and changed nothing: same unprivileged user, same hostname and pid namespace, no host fs.
    assert "uid=1000" in out and "host=sandbox" in out and "pid1=bwrap" in out
    assert "work=ls: cannot acces" in out
    assert list(host_dir.iterdir()) == [] and not Path(f"/usr/{probe}").exists()


def test_the_workspace_quota_counts_files_nested_past_path_max(make_episode, deep_leftovers):
    ep = make_episode(limits={"disk_bytes": 40 * 2**20})  # an env of its own, closed below
    try:
        out = ep.py("import os\nfor i in range(320):\n    os.mkdir('nano-sec-deep'); os.chdir('nano-sec-deep')\n"
                    "for i in range(60):\n    open('blob%d' % i, 'wb').write(b'x' * 2**20)\n"
                    "print('path length', len(os.getcwd()))")
        assert "path length 4" in out  # past PATH_MAX (4096)
        out += ep.sh("sleep 0.2; echo done")
        assert "disk quota exceeded" in out
    finally:
        ep.env.close()
