"""The static kind (grading/static_checks.py): the dockerfile pack, graded with and without a Docker engine."""

from __future__ import annotations

import gc

import pytest

from proctor.grading import docker_build
from proctor.grading.engine import grade
from proctor.grading.golden import golden_of, read_golden
from proctor.grading.packs import Catalog
from proctor.grading.results import RunStatus, TestStatus
from proctor.grading.submission import SubmissionError
from proctor.grading.validate import check_pack
from proctor.settings import Settings

STATIC = ("slim-base", "layer-cache", "pip-no-cache", "non-root-user", "exec-cmd", "no-secrets", "narrow-context")
NO_ENGINE = Settings(dockerfile_build="off")


@pytest.fixture(scope="module")
def dockerfile(catalog: Catalog):
    return catalog.get("dockerfile")


def test_the_pack_validates_without_an_engine_on_its_static_checks(dockerfile):
    report = check_pack(dockerfile, backend=None, settings=NO_ENGINE)
    assert report.problems == []
    assert report.results["reference"].score == 100
    assert {label: r.score for label, r in report.results.items() if r.score == 100} == {
        "reference": 100, "reference #2": 100, "reference #3": 100}
    # every wrong case fails exactly the check it was written for
    failed = {label: [t.name for t in r.tests if t.status == TestStatus.FAILED]
              for label, r in report.results.items() if label.startswith("wrong/")}
    assert failed == {
        "wrong/code-before-requirements": ["layer-cache"], "wrong/copy-everything": ["narrow-context"],
        "wrong/latest-base": ["slim-base"], "wrong/localhost-bind": ["exec-cmd"], "wrong/pip-cache": ["pip-no-cache"],
        "wrong/root-user": ["non-root-user"], "wrong/secret-env": ["no-secrets"], "wrong/shell-cmd": ["exec-cmd"]}
    assert [t.name for t in report.results["starter"].tests if t.status == TestStatus.FAILED] == list(STATIC)


def test_without_an_engine_build_and_run_are_reported_not_run_and_left_out_of_the_score(dockerfile):
    result = grade(dockerfile, dockerfile.reference_files(), settings=NO_ENGINE)
    assert result.status == RunStatus.GRADED and result.score == 100 and result.sandbox == "none"
    engine = {t.name: t for t in result.tests if t.name in ("build", "run")}
    assert all(t.status == TestStatus.ERROR and t.points == 0 and t.max_points == 0 for t in engine.values())
    assert all(t.message.startswith("Not run: Dockerfile builds are switched off") for t in engine.values())
    assert result.message.endswith("The score covers the static checks only.")
    assert result.max_points == sum(t.max_points for t in result.tests if t.name in STATIC)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_an_unreachable_engine_is_not_run_under_auto_and_an_infra_error_under_on(dockerfile, monkeypatch):
    import docker

    unreachable = docker.DockerClient(base_url="unix:///nonexistent/docker.sock", version="1.41")
    monkeypatch.setattr(docker_build.docker_backend, "_client", lambda: unreachable)
    try:
        auto = grade(dockerfile, dockerfile.reference_files(), settings=Settings(dockerfile_build="auto"))
        on = grade(dockerfile, dockerfile.reference_files(), settings=Settings(dockerfile_build="on"))
    finally:
        unreachable.close()
        gc.collect()
    assert auto.status == RunStatus.GRADED and auto.score == 100
    assert [t.message for t in auto.tests if t.name == "build"] == [
        "Not run: no Docker engine is reachable (ConnectionError)."]
    assert on.status == RunStatus.INFRA_ERROR and on.score == 0


def test_examples_run_the_static_checks_only(dockerfile):
    result = grade(dockerfile, dockerfile.reference_files(), suite="examples", settings=Settings())
    assert result.score == 100 and result.sandbox == "none"
    assert [t.message for t in result.tests if t.name == "run"] == ["Not run: only the static checks run for examples."]


def test_a_missing_or_unreadable_dockerfile_is_not_gradable(dockerfile):
    missing = grade(dockerfile, {"notes.txt": b"hi"}, settings=NO_ENGINE)
    assert missing.status == RunStatus.NOT_GRADABLE and missing.score == 0
    assert "has no Dockerfile" in missing.message
    empty = grade(dockerfile, {"Dockerfile": b"# nothing\n"}, settings=NO_ENGINE)
    assert empty.status == RunStatus.NOT_GRADABLE and "no FROM" in empty.message
    assert all(t.status == TestStatus.ERROR for t in empty.tests)


def test_the_given_app_cannot_be_replaced_and_other_dotfiles_are_refused(dockerfile):
    files = {**dockerfile.reference_files(), "main.py": b"import os\n"}
    result = grade(dockerfile, files, settings=NO_ENGINE)
    assert result.score == 100  # the given main.py wins (submission.with_given)
    with pytest.raises(SubmissionError):
        grade(dockerfile, {**dockerfile.reference_files(), ".env": b"X=1\n"}, settings=NO_ENGINE)


@pytest.mark.slow
def test_the_pack_validates_with_the_engine_and_matches_its_golden_verdicts(dockerfile, docker_engine):
    report = check_pack(dockerfile, backend=None, settings=Settings(dockerfile_build="on"))
    assert report.problems == []
    assert all(r.sandbox == "docker" for r in report.results.values())
    assert golden_of(report.results) == read_golden(dockerfile)
    assert docker_build.collect_build_garbage() == (0, 0)


@pytest.fixture(scope="module")
def docker_engine() -> None:
    from tests.conftest import require_backend

    require_backend("docker")


def test_an_engine_failure_mid_build_is_an_infra_error_not_a_failed_build(dockerfile, docker_engine, monkeypatch):
    def broken(client):
        raise RuntimeError("the engine went away")

    monkeypatch.setattr(docker_build, "ensure_base", broken)
    result = grade(dockerfile, dockerfile.reference_files(), settings=Settings(dockerfile_build="on"))
    assert result.status == RunStatus.INFRA_ERROR and result.score == 0
    assert [t.status for t in result.tests if t.name in ("build", "run")] == [TestStatus.ERROR, TestStatus.ERROR]
