"""The engine end to end on the real bwrap sandbox: results, events, explanations, the process backend."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proctor.grading.engine import grade
from proctor.grading.results import RunStatus, TestResult, TestStatus, compute_score
from proctor.grading.sandbox import get_backend
from tests.conftest import SETTINGS

ROOT = Path(__file__).parent.parent
REFERENCE = (ROOT / "graders/hello-route/reference/app.py").read_bytes()


def test_score_is_points_passed_over_max_points():
    tests = [TestResult(name="a", status=TestStatus.PASSED, points=2, max_points=2),
             TestResult(name="b", status=TestStatus.FAILED, points=0, max_points=1)]
    assert compute_score(tests) == (66.67, 2, 3)
    assert compute_score([]) == (0.0, 0, 0)


def test_the_reference_scores_100_and_records_how(hello, bwrap):
    events = []
    result = grade(hello, {"app.py": REFERENCE}, backend=bwrap, on_event=events.append, settings=SETTINGS)
    assert (result.status, result.score, result.points, result.max_points) == (RunStatus.GRADED, 100, 9, 9)
    assert result.sandbox == "bwrap"
    assert result.limits.wall_seconds == 20
    assert result.versions["fastapi"] and result.versions["uvicorn"] and result.versions["python"].startswith("3.")
    assert len(result.graders_sha256) == 64
    assert result.graders_sha256 == hello.suite_sha256("hidden")
    kinds = [e.type for e in events]
    assert kinds[0] == "sandbox_started" and kinds[-1] == "finished"
    assert kinds.count("test") == len(result.tests) == 7
    assert kinds.index("ready") < kinds.index("test_started")


def test_a_result_records_when_each_step_was_reached_and_the_cpu_it_used(grade_hello, sandbox):
    result = grade_hello(REFERENCE.decode())
    assert result.score == 100
    marks = result.timeline_ms
    assert set(marks) == {"prepared", "grader_started", "sandbox_started", "app_warm", "collected", "app_ready",
                          "tests_done", "stopped"}
    order = [marks[step] for step in ("prepared", "grader_started", "sandbox_started", "app_ready", "tests_done",
                                      "stopped")]
    assert order == sorted(order) and order[0] >= 0 and order[-1] <= result.duration_ms
    assert marks["sandbox_started"] <= marks["app_warm"] <= marks["app_ready"]
    assert marks["grader_started"] <= marks["collected"] <= marks["tests_done"]
    if os.geteuid() == 0 and sandbox.name != "docker":  # per-run cgroups count the CPU of both processes
        assert result.cpu_ms["app"] > 0 and result.cpu_ms["grader"] > 0


def test_examples_run_the_visible_tests_only(hello, bwrap):
    result = grade(hello, {"app.py": REFERENCE}, backend=bwrap, suite="examples", settings=SETTINGS)
    assert result.suite == "examples"
    assert [t.name for t in result.tests] == ["test_root_greets", "test_greet_by_name"]
    assert result.graders_sha256 != hello.suite_sha256("hidden")


def test_feedback_replaces_the_raw_assertion_but_staff_keep_it(hello, bwrap):
    result = grade(hello, hello.wrong_cases()["no-health"].files, backend=bwrap, settings=SETTINGS)
    health = next(t for t in result.tests if t.name == "test_health")
    assert health.status == TestStatus.FAILED
    assert health.message == 'GET /health should answer 200 with {"status": "ok"}.'
    assert "404" in health.detail
    assert result.score == round(100 * 8 / 9, 2)


def test_an_import_error_shows_the_candidates_traceback_only(grade_hello):
    result = grade_hello("from fastapi import FastAPI\napp = FastAPI()\n\ndef f():\n    return 1 / 0\n\nf()\n")
    assert result.status == RunStatus.NOT_GRADABLE
    assert 'File "app.py", line 7' in result.message
    assert 'File "app.py", line 5, in f' in result.message
    assert "ZeroDivisionError" in result.message
    assert "harness" not in result.message and "importlib" not in result.message
    assert all(t.status == TestStatus.ERROR and t.points == 0 for t in result.tests)


def test_a_syntax_error_points_at_the_line(grade_hello):
    result = grade_hello("from fastapi import FastAPI\napp = FastAPI(\n")
    assert result.status == RunStatus.NOT_GRADABLE
    assert 'File "app.py", line 2' in result.message
    assert "SyntaxError" in result.message


def test_no_app_attribute_is_explained(grade_hello):
    result = grade_hello("from fastapi import FastAPI\napplication = FastAPI()\n")
    assert result.status == RunStatus.NOT_GRADABLE
    assert "defines no `app`" in result.message


def test_a_missing_submission_file_is_not_gradable(hello, bwrap):
    result = grade(hello, {"main.py": REFERENCE}, backend=bwrap, settings=SETTINGS)
    assert result.status == RunStatus.NOT_GRADABLE
    assert "no app.py" in result.message


def test_a_failing_lifespan_is_not_gradable(grade_hello):
    source = REFERENCE.decode().replace("app = FastAPI()", """from contextlib import asynccontextmanager

@asynccontextmanager
async def lifespan(app):
    raise RuntimeError("database unreachable")
    yield

app = FastAPI(lifespan=lifespan)""")
    result = grade_hello(source)
    assert result.status == RunStatus.NOT_GRADABLE
    assert "database unreachable" in result.output + result.message


@pytest.mark.sandbox  # the process backend runs the app for real, only without isolation
def test_the_process_backend_grades_too(hello):
    result = grade(hello, {"app.py": REFERENCE}, backend=get_backend("process"), settings=SETTINGS)
    assert (result.status, result.score, result.sandbox) == (RunStatus.GRADED, 100, "process")


def test_app_output_is_captured(grade_hello):
    result = grade_hello("print('starting up', flush=True)\n" + REFERENCE.decode())
    assert "starting up" in result.output
    assert result.score == 100


def test_a_sandbox_that_cannot_start_is_an_infra_error_not_a_zero(hello, bwrap, tmp_path):
    import os

    import pytest

    from proctor.settings import Settings, get_settings

    if os.geteuid() != 0:
        pytest.skip("only root drops to a uid that cannot read a private directory")
    import shutil
    import tempfile

    private = Path(tempfile.mkdtemp(prefix="px-"))  # mode 0700: the sandbox uid cannot reach the runtime in it
    # (Not a private data dir: the jobs of one are kept where the sandbox uid reaches them, docs/deployment.md.)
    (private / "venv").symlink_to(get_settings().runtime_dir)
    try:
        settings = Settings(data_dir=get_settings().data_dir, sandbox_runtime=private / "venv")
        result = grade(hello, {"app.py": REFERENCE}, backend=bwrap, settings=settings)
    finally:
        shutil.rmtree(private)
    assert result.status == RunStatus.INFRA_ERROR
    assert "not your code's fault" in result.message


def test_a_failing_step_shows_its_own_message(tmp_path, bwrap, catalog):
    from proctor.grading.packs import load_challenge

    challenges, graders = tmp_path / "challenges" / "demo", tmp_path / "graders" / "demo"
    challenges.mkdir(parents=True)
    graders.mkdir(parents=True)
    (challenges / "challenge.toml").write_text('slug = "demo"\ntitle = "Demo"\nsections = [6]\ndifficulty = "easy"\n')
    (graders / "test_demo.py").write_text('''
import pytest
from proctor.grading.plugin import step


@pytest.mark.feedback("the last check failed")
def test_steps(client):
    with step("GET /health should answer 200 first"):
        assert client.get("/health").status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.feedback("the last check failed")
def test_after_steps(client):
    with step("GET / answers"):
        assert client.get("/").status_code == 200
    assert client.get("/health").status_code == 200
''')
    for d in (tmp_path, tmp_path / "challenges", tmp_path / "graders", challenges, graders):
        d.chmod(0o755)
    demo = load_challenge(tmp_path / "challenges", tmp_path / "graders", "demo")
    result = grade(demo, catalog.get("hello-route").wrong_cases()["no-health"].files, backend=bwrap, settings=SETTINGS)
    messages = {t.name: t.message for t in result.tests}
    assert messages == {"test_steps": "GET /health should answer 200 first",
                        "test_after_steps": "the last check failed"}
