"""Every challenge pack, graded for real in bwrap: it validates, and its verdicts match the golden files."""

from __future__ import annotations

import ast
import functools
import re

import pytest

from proctor.grading.engine import NOT_RUN
from proctor.grading.feedback import CONNECTION_TROUBLE, REQUEST_TROUBLE, SETUP_TROUBLE
from proctor.grading.golden import golden_of, read_golden
from proctor.grading.packs import Challenge, default_catalog
from proctor.grading.results import RunResult
from proctor.grading.validate import check_pack
from tests.conftest import SETTINGS

CHALLENGES = [default_catalog(SETTINGS).get(s) for s in default_catalog(SETTINGS).slugs()]
SLUGS = [c.slug for c in CHALLENGES if c.kind == "http"]
QUIZ_SLUGS = [c.slug for c in CHALLENGES if c.kind == "quiz"]
# Every pack on bwrap, cold and from the fork servers. Docker, whose one container per case makes it the slowest,
# takes one pack per distinct need of the runtime image (plain HTTP, WebSockets, background work on a clock, a
# database file, JWTs): the engine and hostile suites cover the backend itself in full.
DOCKER_SAMPLE = ("hello-route", "websocket-chat", "background-tasks", "db-session", "oauth2-jwt")
CASES = [pytest.param(slug, backend, id=f"{backend}-{slug}") for backend in ("bwrap", "fork", "docker")
         for slug in SLUGS if backend != "docker" or slug in DOCKER_SAMPLE]


# The platform's own sentences for a test that did not get to judge the app (plugin.py, engine.py).
PLATFORM_SENTENCES = (CONNECTION_TROUBLE, REQUEST_TROUBLE.split("(")[0], SETUP_TROUBLE, "No answer within ",
                      "The run's time limit was reached during this test.", *NOT_RUN.values())
INTERNALS = re.compile(r"Use -v|-vv|Traceback|httpx\.|httpcore\.|h11\.|LocalProtocolError|^\w*(Error|Exception): ",
                       re.M)


@functools.cache
def forks_available() -> bool:
    from proctor.grading.sandbox.fork_start import ForkSandbox

    backend = ForkSandbox(venv=SETTINGS.runtime_dir, uid=SETTINGS.sandbox_uid, gid=SETTINGS.sandbox_gid)
    return backend.available() is None


def authored_messages(challenge: Challenge) -> tuple[str, ...]:
    """The pack's own `feedback(...)` and `step(...)` sentences (the literal part of an f-string)."""
    found: list[str] = []
    for path in challenge.hidden_tests():
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(node, "func", None)
            if isinstance(node, ast.Call) and getattr(name, "attr", getattr(name, "id", "")) in ("feedback", "step"):
                arg = node.args[0] if node.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append(arg.value)
                elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                    found.append(str(arg.values[0].value))
    return tuple(found)


def unauthored_feedback(challenge: Challenge, results: dict[str, RunResult]) -> list[str]:
    """Each failing test of the starter and wrong cases whose message is not an authored sentence."""
    authored = authored_messages(challenge) + PLATFORM_SENTENCES
    return [f"{label} {t.name}: {t.message!r}" for label, result in results.items()
            if label == "starter" or label.startswith("wrong/") for t in result.tests
            if t.status != "passed" and (not t.message.startswith(authored) or INTERNALS.search(t.message))]


@pytest.mark.slow
@pytest.mark.parametrize(("slug", "sandbox"), CASES, indirect=["sandbox"])
def test_pack_validates_and_matches_its_golden_verdicts(slug, catalog, sandbox, request):
    challenge = catalog.get(slug)
    # The platform's default start checks everything (three reference runs, the examples): fork servers, or cold
    # bwrap where they cannot run; every other start must give the very same verdict for every case (the golden
    # file) in one run each.
    start = getattr(sandbox, "start_mode", "cold")
    full = start == "fork" or (sandbox.name == "bwrap" and not forks_available())
    forks = request.getfixturevalue("grader_forks") if start == "fork" else None
    report = check_pack(challenge, backend=sandbox, reference_runs=3 if full else 1, examples=full, settings=SETTINGS,
                        grader_forks=forks)
    assert report.problems == []
    golden = read_golden(challenge)
    assert golden is not None, f"no golden verdicts for {slug}: run `proctor challenges validate {slug} --write-golden`"
    assert golden_of(report.results) == golden
    # A candidate reads the pack's sentences or the platform's, never the grader's internals or pytest's hints.
    assert unauthored_feedback(challenge, report.results) == []


@pytest.mark.parametrize("slug", QUIZ_SLUGS)
def test_quiz_validates_and_matches_its_golden_verdicts(slug, catalog):
    """A quiz is graded in platform code: no sandbox, so no backend to parametrize over."""
    report = check_pack(catalog.get(slug), backend=None, settings=SETTINGS)
    assert report.problems == []
    assert {label for label, r in report.results.items() if r.score == 100} == {
        "reference", "reference #2", "reference #3"}
    assert all(r.sandbox == "none" for r in report.results.values())
    golden = read_golden(catalog.get(slug))
    assert golden is not None, f"no golden verdicts for {slug}: run `proctor challenges validate {slug} --write-golden`"
    assert golden_of(report.results) == golden
