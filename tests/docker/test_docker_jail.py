"""Attacks on the container, made through the env's shell tool as an agent would: the cases of
`tests/security/test_jail.py` that hold for any sandbox, run on containers, then the docker
backend's own confinement (capabilities, privileges, the read-only root, the writable places)."""

from __future__ import annotations

import os

from shared_cases import load

_local = load("tests/security/test_jail.py")

test_harness_environment_is_not_readable_inside = _local.test_harness_environment_is_not_readable_inside
test_no_network_to_the_internet_or_the_host = _local.test_no_network_to_the_internet_or_the_host
test_system_directories_and_the_runtime_are_read_only = _local.test_system_directories_and_the_runtime_are_read_only
test_kernel_settings_are_read_only = _local.test_kernel_settings_are_read_only
test_tmp_and_shm_are_capped = _local.test_tmp_and_shm_are_capped
test_the_package_its_gold_patches_and_the_cache_are_not_visible = \
    _local.test_the_package_its_gold_patches_and_the_cache_are_not_visible
test_the_workspace_quota_counts_files_nested_past_path_max = _local.test_the_workspace_quota_counts_files_nested_past_path_max


def test_no_capabilities_no_new_privileges_and_a_read_only_root(episode):
    out = episode.sh("id -u; grep -E '^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status")
    lines = out.splitlines()
    assert lines[0] == str(os.geteuid())  # the harness's own uid (see docs/security.md)
    assert dict(line.split(":\t") for line in lines[1:]) == {
        "CapPrm": "0000000000000000", "CapEff": "0000000000000000", "CapBnd": "0000000000000000",
        "CapAmb": "0000000000000000", "NoNewPrivs": "1", "Seccomp": "2"}
    mounts = {fields[1]: fields[3].split(",") for fields in
              (line.split() for line in episode.sh("cat /proc/self/mounts").splitlines())}
    assert "ro" in mounts["/"] and "rw" in mounts["/testbed"] and "rw" in mounts["/tmp"]
    out = episode.py("import os\ntry:\n    os.setuid(4321); print('SETUID')\nexcept OSError as e:\n    print('setuid', e.errno)")
    assert "SETUID" not in out and "setuid 1" in out
    assert "status=0" not in episode.sh("su -c 'id -u' root 2>&1; echo status=$?")


def test_only_the_workspace_and_the_capped_tmpfs_mounts_are_writable(episode):
    candidates = ["/", "/etc", "/etc/hosts", "/var", "/opt", "/run", "/home", "/root", "/usr", "/usr/local",
                  "/bin", "/dev", "/dev/pts", "/dev/mqueue", "/proc", "/proc/sys", "/sys", "/sys/fs/cgroup", "/mnt",
                  "/testbed", "/testbed/cfgloader", "/tmp", "/dev/shm"]
    out = episode.py(
        "import os\n"
        f"for d in {candidates!r}:\n"
        "    target = d if not os.path.isdir(d) else os.path.join(d, '.nano-w')\n"
        "    try:\n"
        "        fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o644); os.close(fd)\n"
        "        target != d and os.unlink(target); print('writable', d)\n"
        "    except OSError:\n"
        "        pass\n")
    writable = {line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("writable ")}
    # POSIX message queues live in the container's own IPC namespace, bounded by RLIMIT_MSGQUEUE.
    # As root, the sandbox is uid 0 without capabilities and also owns Docker's /dev tmpfs
    # (64 MiB, charged to the container's memory limit); as an ordinary user it does not.
    expected = {"/testbed", "/testbed/cfgloader", "/tmp", "/dev/shm", "/dev/mqueue"}
    expected |= {"/dev"} if os.geteuid() == 0 else set()
    assert writable == expected
