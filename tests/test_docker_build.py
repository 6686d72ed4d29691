"""Dockerfile builds against the real engine (grading/docker_build.py): the reference builds and answers, and
hostile Dockerfiles end with a clear status and leave no image, container or network behind."""

from __future__ import annotations

import io

import pytest

from proctor.grading.engine import grade
from proctor.grading.packs import Catalog, Challenge
from proctor.grading.results import RunResult, RunStatus, TestStatus
from proctor.settings import Settings
from tests.conftest import require_backend

pytestmark = pytest.mark.slow

LIMITED = Settings(dockerfile_build="on", dockerfile_build_seconds=90, dockerfile_file_mib=16,
                   dockerfile_build_memory_mib=256, dockerfile_run_seconds=5)
TAIL = 'USER nobody\nCMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]\n'


@pytest.fixture(scope="module")
def dockerfile(catalog: Catalog) -> Challenge:
    require_backend("docker")
    return catalog.get("dockerfile")


def leftovers(run_id: str) -> list[str]:
    import docker

    client = docker.from_env()
    selector = {"label": f"proctor.run={run_id}"}
    found = [f"container {c.short_id}" for c in client.containers.list(all=True, sparse=True, filters=selector)]
    found += [f"image {i.short_id}" for i in client.images.list(all=True, filters=selector)]
    found += [f"network {n.name}" for n in client.networks.list(filters=selector)]
    found += [f"image {i.short_id}" for i in client.images.list(name=f"proctor-dockerfile:{run_id}")]
    return found


def build(challenge: Challenge, dockerfile: str, settings: Settings = LIMITED) -> RunResult:
    return grade(challenge, {"Dockerfile": dockerfile.encode()}, settings=settings)


def step(result: RunResult, name: str) -> tuple[str, str]:
    test = next(t for t in result.tests if t.name == name)
    return test.status.value, test.message


def test_the_reference_builds_answers_health_and_leaves_nothing(dockerfile):
    result = grade(dockerfile, dockerfile.reference_files(), settings=Settings(dockerfile_build="on"))
    assert result.status == RunStatus.GRADED and result.score == 100 and result.sandbox == "docker"
    assert step(result, "build")[0] == "passed" and step(result, "build")[1].startswith("Built (")
    assert step(result, "run") == ("passed", "GET /health answered 200.")
    assert "Successfully built" in result.output and '"GET /health HTTP/1.1" 200' in result.output
    assert leftovers(result.run_id) == []


def test_a_build_step_that_reaches_for_the_network_fails_the_build(dockerfile):
    result = build(dockerfile, "FROM python:3.11-slim\nRUN python -c \"import urllib.request; "
                               "urllib.request.urlopen('http://1.1.1.1', timeout=5)\"\n" + TAIL)
    status, message = step(result, "build")
    assert status == "failed" and message.startswith("The image did not build. (The build failed: ")
    assert "URLError" in result.output or "unreachable" in result.output
    assert step(result, "run") == ("error", "Not run: the image did not build.")
    assert leftovers(result.run_id) == []


def test_a_build_step_that_loops_is_stopped_at_the_time_limit(dockerfile):
    settings = LIMITED.model_copy(update={"dockerfile_build_seconds": 10})
    result = build(dockerfile, "FROM python:3.11-slim\nRUN while true; do :; done\n" + TAIL, settings)
    assert step(result, "build") == ("failed", "The image did not build. (The build took longer than 10 s and "
                                               "was stopped.)")
    assert result.status == RunStatus.GRADED
    assert leftovers(result.run_id) == []


def test_a_build_step_that_fills_the_disk_is_stopped_by_the_file_size_limit(dockerfile):
    result = build(dockerfile, "FROM python:3.11-slim\nRUN dd if=/dev/zero of=/big bs=1M count=64\n" + TAIL)
    status, message = step(result, "build")
    assert status == "failed" and "The build failed" in message
    assert leftovers(result.run_id) == []


def test_a_build_step_that_exhausts_memory_fails(dockerfile):
    result = build(dockerfile, "FROM python:3.11-slim\nRUN python -c \"x = bytearray(1024 * 2**20)\"\n" + TAIL)
    assert step(result, "build")[0] == "failed"
    assert leftovers(result.run_id) == []


def test_an_image_over_the_size_cap_fails(dockerfile):
    settings = LIMITED.model_copy(update={"dockerfile_image_mib": 190})  # the base is about 185 MiB
    result = build(dockerfile, "FROM python:3.11-slim\n" + "".join(
        f"RUN dd if=/dev/zero of=/f{i} bs=1M count=8\n" for i in range(2)) + TAIL, settings)
    status, message = step(result, "build")
    assert status == "failed" and "over the 190 MiB cap" in message
    assert leftovers(result.run_id) == []


@pytest.mark.parametrize("source", ["../../../etc/passwd", "/etc/passwd"])
def test_copy_cannot_reach_outside_the_context(dockerfile, source):
    result = build(dockerfile, f"FROM python:3.11-slim\nCOPY {source} /x\nRUN cat /x\n" + TAIL)
    status, message = step(result, "build")
    assert status == "failed"
    assert "root:x:0:0" not in result.output
    assert leftovers(result.run_id) == []


@pytest.mark.parametrize("text", ["FROM proctor-dockerfile-base:x\n",
                                  "FROM python:3.11-slim\nCOPY --from=busybox / /b\n"])
def test_other_images_are_refused_before_building(dockerfile, text):
    result = build(dockerfile, text + TAIL)
    status, message = step(result, "build")
    assert status == "error" and message.startswith("Not built: ")
    assert step(result, "run") == ("error", "Not run: the image was not built.")
    assert result.output == ""


def test_a_container_that_never_serves_fails_the_run_and_is_removed(dockerfile):
    result = build(dockerfile, 'FROM python:3.11-slim\nUSER nobody\nCMD ["sleep", "600"]\n')
    assert step(result, "build")[0] == "passed"
    status, message = step(result, "run")
    assert status == "failed" and "Nothing answered GET /health on port 8000 within 5 s" in message
    assert leftovers(result.run_id) == []


def test_an_app_bound_to_localhost_is_not_reachable(dockerfile):
    result = grade(dockerfile, dockerfile.wrong_cases()["localhost-bind"].files, settings=LIMITED)
    assert step(result, "build")[0] == "passed"
    assert step(result, "run")[0] == "failed"
    assert {t.name for t in result.tests if t.status == TestStatus.FAILED} == {"exec-cmd", "run"}


def test_gc_removes_what_a_crashed_build_left(dockerfile):
    """A server killed mid-build leaves a labelled container, image and network; start-up gc removes them."""
    import docker

    from proctor.grading import docker_build
    from proctor.grading.sandbox import image

    client = docker.from_env()
    docker_build.ensure_base(client)
    labels = {"proctor": "dockerfile", "proctor.run": "crashed0001"}
    left = client.images.build(fileobj=io.BytesIO(
        f"FROM {image.image_tag()}\nLABEL proctor=dockerfile proctor.run=crashed0001\n".encode()),
        network_mode="none", rm=True, forcerm=True)[0]
    client.containers.create(left.id, ["sleep", "600"], labels=labels)
    client.networks.create("proctor-dockerfile-crashed0001", internal=True, labels=labels)
    assert len(leftovers("crashed0001")) == 3
    removed = docker_build.collect_build_garbage(client)
    assert removed[0] >= 1 and removed[1] >= 1
    assert leftovers("crashed0001") == []
    assert client.images.list(name=docker_build.base_tag())  # the offline base is kept
