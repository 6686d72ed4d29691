"""Shared fixtures: the real bwrap sandbox (required in CI), the real packs, short limits for hostile runs."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from proctor.grading.engine import grade, grader_isolation
from proctor.grading.grader_fork import GraderForks
from proctor.grading.limits import Limits
from proctor.grading.packs import Catalog, Challenge, default_catalog
from proctor.grading.results import RunResult
from proctor.grading.sandbox import Sandbox, SandboxUnavailable, get_backend
from proctor.settings import Settings

IN_CI = os.environ.get("CI") == "true"
# The platform's settings as this checkout's environment gives them. Tests are an edge like the CLI: they pass
# settings in (the engine, packs and backends never read a global).
SETTINGS = Settings()


def require_backend(name: str) -> Sandbox:
    try:
        return get_backend(name, docker_socket_root=SETTINGS.docker_socket_root)
    except SandboxUnavailable as exc:
        if IN_CI:
            pytest.fail(f"{name} must work in CI: {exc}")
        pytest.skip(f"{name} unavailable here: {exc}")


@pytest.fixture(scope="session", autouse=True)
def no_orphans_from_earlier_runs() -> None:
    """A test run killed half-way on a developer machine leaves sandboxes; clean them as the server would."""
    from proctor.pipeline.janitor import sweep

    sweep(SETTINGS, docker=False)


@pytest.fixture(scope="session", autouse=True)
def quick_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost in this process: hashing at the defaults (about 0.1-0.3 s each) was most of
    the time of the tests that need no sandbox. Servers the tests start as processes keep the defaults."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from proctor.store import passwords

    quick = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    original = passwords._hasher
    passwords._hasher = lambda: quick
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog(SETTINGS)


@pytest.fixture(scope="session")
def bwrap() -> Sandbox:
    return require_backend("bwrap")


@pytest.fixture(scope="session")
def fork_sandbox() -> Iterator[Sandbox]:
    """bwrap started from a fork server (grading/sandbox/forkserver.py): one for the whole session."""
    from proctor.grading.sandbox.fork_start import ForkSandbox

    require_backend("bwrap")
    backend = ForkSandbox(venv=SETTINGS.runtime_dir, uid=SETTINGS.sandbox_uid, gid=SETTINGS.sandbox_gid)
    problem = backend.available()
    if problem:
        if IN_CI:
            pytest.fail(f"fork servers must work in CI: {problem}")
        pytest.skip(f"fork servers unavailable here: {problem}")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def grader_forks() -> Iterator[GraderForks]:
    """Graders forked from a warm fork server, as a fork-started app gets them (grading/grader_fork.py)."""
    forks = GraderForks(grader_isolation(SETTINGS), SETTINGS.jobs_dir)
    yield forks
    forks.close()


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
def grade_hello(hello: Challenge, sandbox: Sandbox, request: pytest.FixtureRequest) -> GradeFn:
    def run(source: str, limits: Limits = SHORT, backend: Sandbox | None = None, **kwargs: object) -> RunResult:
        backend = backend or sandbox
        if getattr(backend, "start_mode", "cold") == "fork":
            kwargs.setdefault("grader_forks", request.getfixturevalue("grader_forks"))
        return grade(hello, {"app.py": source.encode()}, backend=backend, limits=limits,
                     **{"settings": SETTINGS, **kwargs})

    return run


# Tiers (README.md, "Tests"). A test is marked by the fixtures it uses (their whole closure), so a new test that
# takes `bwrap` or `browser` lands in its tier by itself; modules that start graders without such a fixture
# are listed by name.
FIXTURE_TIERS = {
    "bwrap": ("sandbox",), "sandbox": ("sandbox",), "grade_hello": ("sandbox",), "pool": ("sandbox",),
    "fork_sandbox": ("sandbox",), "grader_forks": ("sandbox",),
    "docker_backend": ("sandbox", "docker"), "docker_engine": ("docker",),
    "browser": ("browser", "sandbox"), "browser_page": ("browser", "sandbox"), "page": ("browser", "sandbox"),
}
MODULE_TIERS = {
    # a real server or a worker pool that grades in a sandbox, without a sandbox fixture
    "test_restart.py": ("sandbox",), "test_grading_live.py": ("sandbox",), "test_grading_problem.py": ("sandbox",),
    "test_limits_live.py": ("sandbox",), "test_pytest_kind.py": ("sandbox",), "test_docker_build.py": ("docker",),
    "test_runtime_location.py": ("sandbox",),  # reads the sandbox runtime that `make sandbox` builds
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tiers = set(MODULE_TIERS.get(item.path.name, ()))
        if item.path.name.startswith("test_browser"):
            tiers |= {"browser", "sandbox"}
        for name in getattr(item, "fixturenames", ()):
            tiers.update(FIXTURE_TIERS.get(name, ()))
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("sandbox") == "docker":
            tiers.add("docker")
        for tier in sorted(tiers):
            item.add_marker(tier)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Nothing the suite graded is left behind (job directories, cgroups, containers); a leftover fails the run,
    whatever order the tests ran in (tests/leftovers.py)."""
    from tests.leftovers import check_session

    check_session(session, SETTINGS.jobs_dir)
