"""Per-episode limits on the docker backend: the cases of `tests/security/test_limits.py` on
containers (Docker's memory, pids and CPU limits, the tmpfs sizes, the file size ulimit and the
harness's workspace quota), and the metadata saying Docker enforces them."""

from __future__ import annotations

from shared_cases import load

from nano_gym.sandbox.container import api_client

_local = load("tests/security/test_limits.py")
LIMITS = _local.LIMITS

limited = _local.limited
test_memory_hog_is_killed_and_named = _local.test_memory_hog_is_killed_and_named
test_filling_tmp_cannot_starve_processes_of_memory = _local.test_filling_tmp_cannot_starve_processes_of_memory
test_fork_bomb_hits_the_process_limit_and_the_next_step_works = \
    _local.test_fork_bomb_hits_the_process_limit_and_the_next_step_works
test_a_process_loop_is_bounded = _local.test_a_process_loop_is_bounded
test_workspace_disk_quota = _local.test_workspace_disk_quota
test_deleting_files_brings_the_workspace_back_under_quota = _local.test_deleting_files_brings_the_workspace_back_under_quota
test_one_huge_file_stops_at_the_file_size_limit = _local.test_one_huge_file_stops_at_the_file_size_limit
test_tmp_is_capped = _local.test_tmp_is_capped


def test_metadata_says_docker_enforces_each_limit(limited):
    ep = limited()
    limits = ep.env.unwrapped.metadata["sandbox"]["limits"]
    for key in ("memory_bytes", "pids", "cpus", "tmp_bytes"):
        assert limits[key]["enforced_by"].startswith("docker"), key
    for key in ("disk_bytes", "output_bytes", "output_kill_bytes", "command_timeout_s"):
        assert limits[key]["value"] is not None and limits[key]["enforced_by"], key
    assert limits["memory_bytes"]["value"] == LIMITS["memory_bytes"] and limits["pids"]["value"] == LIMITS["pids"]
    assert ep.env.unwrapped.metadata["sandbox"]["backend"] == "docker"


def test_the_container_carries_the_limits(limited):
    ep = limited()
    host = api_client().inspect_container(ep.env.unwrapped._sandbox._container.id)["HostConfig"]
    assert host["Memory"] == LIMITS["memory_bytes"] + LIMITS["tmp_bytes"] == host["MemorySwap"]
    assert host["PidsLimit"] == LIMITS["pids"] and host["NanoCpus"] == 10**9
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"] and host["Init"]
