"""Shared fixtures: the real bwrap sandbox (required in CI), the real packs, short limits for hostile runs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from proctor.grading.engine import grade
from proctor.grading.limits import Limits
from proctor.grading.packs import Catalog, Challenge, default_catalog
from proctor.grading.results import RunResult
from proctor.grading.sandbox import Sandbox, SandboxUnavailable, get_backend

IN_CI = os.environ.get("CI") == "true"


def require_backend(name: str) -> Sandbox:
    try:
        return get_backend(name)
    except SandboxUnavailable as exc:
        if IN_CI:
            pytest.fail(f"{name} must work in CI: {exc}")
        pytest.skip(f"{name} unavailable here: {exc}")


@pytest.fixture(scope="session", autouse=True)
def no_orphans_from_earlier_runs() -> None:
    """A test run killed half-way on a developer machine leaves sandboxes; clean them as the server would."""
    from proctor.grading.jobs import collect_orphan_jobs
    from proctor.grading.sandbox.cgroups import collect_orphans
    from proctor.settings import get_settings

    collect_orphans()
    collect_orphan_jobs(get_settings().jobs_dir)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="session")
def bwrap() -> Sandbox:
    return require_backend("bwrap")


@pytest.fixture(scope="session")
def fork_sandbox() -> Iterator[Sandbox]:
    """bwrap started from a fork server (grading/sandbox/forkserver.py): one for the whole session."""
    from proctor.grading.sandbox.forkserver import ForkSandbox
    from proctor.settings import get_settings

    require_backend("bwrap")
    settings = get_settings()
    backend = ForkSandbox(venv=settings.runtime_dir, uid=settings.sandbox_uid, gid=settings.sandbox_gid)
    problem = backend.available()
    if problem:
        if IN_CI:
            pytest.fail(f"fork servers must work in CI: {problem}")
        pytest.skip(f"fork servers unavailable here: {problem}")
    yield backend
    backend.close()


@pytest.fixture(scope="session", params=["bwrap", "fork", "docker"])
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    """Each isolating backend in turn, and bwrap also started from a fork server: the engine suite runs on all."""
    if request.param == "fork":
        return request.getfixturevalue("fork_sandbox")
    return require_backend(request.param)


@pytest.fixture(scope="session")
def hello(catalog: Catalog) -> Challenge:
    return catalog.get("hello-route")


# Hostile runs use short limits so the suite stays quick; the behaviour is the same at the defaults.
SHORT = Limits(wall_seconds=12, test_seconds=2)

GradeFn = Callable[..., RunResult]


@pytest.fixture
def grade_hello(hello: Challenge, sandbox: Sandbox) -> GradeFn:
    def run(source: str, limits: Limits = SHORT, backend: Sandbox | None = None, **kwargs: object) -> RunResult:
        return grade(hello, {"app.py": source.encode()}, backend=backend or sandbox, limits=limits, **kwargs)

    return run
