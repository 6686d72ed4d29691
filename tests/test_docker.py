"""The Docker backend against the real engine: container flags, warm pool, garbage collection, failures."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from proctor.grading.engine import grade
from proctor.grading.jobs import Job
from proctor.grading.limits import DEFAULT_LIMITS
from proctor.grading.pool import WarmPool
from proctor.grading.results import RunStatus
from proctor.grading.sandbox import SandboxUnavailable, get_backend, image
from proctor.grading.sandbox.base import SandboxSpec
from proctor.grading.sandbox.docker import DockerSandbox, collect_garbage
from proctor.settings import get_settings
from tests.conftest import SETTINGS, require_backend
from tests.leftovers import docker_leftovers
from tests.test_hostile import assert_clean

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def docker_backend():
    return require_backend("docker")


def test_every_container_is_locked_down(docker_backend):
    settings = get_settings()
    job = Job.create(settings.jobs_dir)
    spec = SandboxSpec(runtime=settings.runtime_dir, src_dir=job.src, work_dir=job.root, listen_fd=-1,
                       limits=DEFAULT_LIMITS, run_id=job.run_id, socket_path=job.socket_path)
    started = docker_backend.start(spec)
    try:
        started.container.reload()
        host = started.container.attrs["HostConfig"]
        config = started.container.attrs["Config"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert host["SecurityOpt"] == ["no-new-privileges"]
        assert host["PidsLimit"] == 64
        assert host["Memory"] == host["MemorySwap"] == 512 * 2**20
        assert host["NanoCpus"] == 10**9
        assert host["Tmpfs"] == {"/tmp": "size=64m,mode=1777"}
        assert {u["Name"]: u["Hard"] for u in host["Ulimits"]} == {"nofile": 512, "fsize": 64 * 2**20, "core": 0}
        assert config["User"] == "65534:65534"
        assert config["Labels"]["proctor"] == "sandbox"
        assert sorted(config["Env"]) == ["HOME=/tmp", "LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin",
                                         "TMPDIR=/tmp"]
        mounts = {m["Destination"]: m for m in started.container.attrs["Mounts"]}
        assert set(mounts) == {"/submission", "/run/proctor"}  # the harness is in the image
        assert mounts["/submission"]["RW"] is False
        assert mounts["/run/proctor"]["Type"] == "volume"
    finally:
        started.destroy()
        job.close()
    deadline = time.monotonic() + 10  # removal happens just after destroy() returns
    while docker_leftovers(f"proctor.run={job.run_id}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert docker_leftovers(f"proctor.run={job.run_id}") == []


def test_the_warm_pool_serves_docker_too(hello, docker_backend):
    settings = get_settings()
    pool = WarmPool(docker_backend, size=1, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                    uid=settings.sandbox_uid, gid=settings.sandbox_gid)
    try:
        assert pool.wait_ready(60)
        slot_run = pool._slots[0].job.run_id
        result = grade(hello, hello.reference_files(), backend=docker_backend, pool=pool, settings=SETTINGS)
        assert (result.status, result.score, result.run_id) == (RunStatus.GRADED, 100, slot_run)
        assert_clean(result)
    finally:
        pool.close()


def test_gc_removes_orphans(docker_backend):
    orphan = docker_backend.client.containers.run(image.image_tag(), ["sleep", "600"], detach=True,
                                                  labels={"proctor": "sandbox"}, network_mode="none")
    try:
        removed, _ = collect_garbage(docker_backend.client)
        assert removed >= 1
        assert docker_leftovers() == []
    finally:
        try:
            orphan.remove(force=True)
        except Exception:  # noqa: BLE001 - already removed, as it should be
            pass


def test_a_missing_image_names_the_build_command(docker_backend, monkeypatch):
    monkeypatch.setattr(image, "image_tag", lambda: "proctor-sandbox:missing")
    with pytest.raises(SandboxUnavailable, match="build it with `proctor sandbox build-image`"):
        get_backend("docker")


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_an_unreachable_engine_is_an_infra_error(hello, docker_backend):
    import gc

    import docker

    backend = DockerSandbox()
    backend._client = docker.DockerClient(base_url="unix:///nonexistent/docker.sock", version="1.41")
    try:
        result = grade(hello, hello.reference_files(), backend=backend, settings=SETTINGS)
    finally:
        backend._client.close()
        gc.collect()  # docker-py leaves the failed connection's socket to the collector: let it go here
    assert result.status == RunStatus.INFRA_ERROR
    assert result.score == 0


def test_serve_refuses_to_start_without_its_chosen_sandbox(tmp_path):
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "serve", "--port", "0"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT,
                          env={"PATH": "/usr/bin:/bin", "PROCTOR_SANDBOX": "docker",
                               "DOCKER_HOST": "unix:///nonexistent/docker.sock", "PROCTOR_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr.startswith("proctor: docker: the Docker engine is unreachable")
    assert len(done.stderr.strip().splitlines()) == 1
