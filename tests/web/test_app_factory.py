"""create_app's edges: settings come in (never from the global), state is typed, logging is left to the caller."""

from __future__ import annotations

import ast
import logging
import tempfile
from pathlib import Path

import pytest
from conftest import make_settings
from fastapi import FastAPI

from proctor.grading.sandbox import choose_backend
from proctor.grading.sandbox.docker import DockerSandbox
from proctor.settings import PROJECT_ROOT
from proctor.web.app import create_app
from proctor.web.state import AppState, app_state
from tests.conftest import require_backend

pytestmark = pytest.mark.anyio


def test_get_settings_is_called_only_at_the_edges() -> None:
    callers = set()
    for path in (PROJECT_ROOT / "proctor").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_settings":
                callers.add(str(path.relative_to(PROJECT_ROOT)))
    assert callers == {"proctor/cli.py", "proctor/web/app.py"}


def test_choosing_the_docker_backend_passes_its_socket_root(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DockerSandbox, "available", lambda self: None)  # the engine's answer is not the point here
    backend, _ = choose_backend("docker", local_single_user=False, allow_process=False, docker_socket_root=tmp_path)
    assert isinstance(backend, DockerSandbox) and backend.socket_root == tmp_path


@pytest.mark.docker
@pytest.mark.sandbox
async def test_the_docker_backend_uses_the_apps_settings(data_dir: Path) -> None:
    require_backend("docker")
    root = Path(tempfile.mkdtemp(prefix="proctor-sockets-", dir="/tmp"))
    settings = make_settings(data_dir, sandbox="docker", docker_socket_root=root, warm_pool=0)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        backend = app_state(app).backend
        assert isinstance(backend, DockerSandbox) and backend.socket_root == root
    root.rmdir()


async def test_packs_and_grading_use_the_apps_settings(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    challenges, graders = data_dir / "challenges", data_dir / "graders"
    for source, target in ((PROJECT_ROOT / "challenges", challenges), (PROJECT_ROOT / "graders", graders)):
        target.mkdir()
        (target / "hello-route").symlink_to(source / "hello-route")
    settings = make_settings(data_dir, challenges_dir=challenges, graders_dir=graders, sandbox="process",
                             allow_process_sandbox=True, warm_pool=0)
    app = create_app(settings)
    graded_with = []

    def grade(*args: object, **kwargs: object) -> None:  # the workers' grader, as create_app wires it
        graded_with.append(kwargs["settings"])

    monkeypatch.setattr("proctor.pipeline.startup.grade", grade)
    async with app.router.lifespan_context(app):
        state = app_state(app)
        assert state.catalog.slugs() == ["hello-route"]
        assert state.workers is not None
        state.workers.grade(state.catalog.get("hello-route"), {}, suite="hidden", backend=state.backend)
    assert graded_with == [settings]


async def test_app_state_is_one_typed_object(app: FastAPI) -> None:
    state = app_state(app)
    assert isinstance(state, AppState) and state.store is app.state.store
    with pytest.raises(TypeError):
        app_state(FastAPI())


def test_create_app_leaves_logging_alone(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proctor_logger, root = logging.getLogger("proctor"), logging.getLogger()
    monkeypatch.setattr(proctor_logger, "handlers", [])
    monkeypatch.setattr(proctor_logger, "propagate", True)
    monkeypatch.setattr(proctor_logger, "level", logging.NOTSET)
    root_before = (list(root.handlers), root.level)
    create_app(make_settings(data_dir), start_workers=False)
    assert proctor_logger.handlers == [] and proctor_logger.propagate and proctor_logger.level == logging.NOTSET
    assert (list(root.handlers), root.level) == root_before
