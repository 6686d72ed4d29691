"""What a candidate reads when a test fails: authored sentences and clean assertions, never pytest's hints or the
grader's own HTTP client internals (graded for real in bwrap)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.grading.engine import grade
from proctor.grading.feedback import CONNECTION_TROUBLE, clean_failure
from proctor.grading.packs import Challenge, load_challenge
from proctor.grading.results import TestStatus
from proctor.grading.sandbox import Sandbox
from tests.conftest import SETTINGS

# Never in what a candidate reads: pytest's advice about its flags, tracebacks, the grader's HTTP stack.
INTERNALS = ("Use -v", "-vv", "Traceback", "httpx.", "httpcore.", "h11.", "LocalProtocolError", "AssertionError",
             'File "')

APP = '''
import os
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def items():
    return {"a": 1, "b": 2, "c": 3, "d": 4}


@app.post("/token")
def token():
    return {"access_token": ""}


@app.get("/me")
def me():
    return {"user": None}


@app.get("/crash")
def crash():
    os._exit(3)
'''

TESTS = '''
import pytest


def test_dict_without_feedback(client):
    assert client.get("/items").json() == {"a": 1, "b": 3, "c": 3, "d": 4}


@pytest.mark.feedback("GET /me with the token from POST /token should answer for its user.")
def test_empty_token(client):
    token = client.post("/token").json()["access_token"]
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.feedback("GET /crash should answer.")
def test_crash(client):
    assert client.get("/crash").status_code == 200


def test_missing_key(client):
    assert client.get("/me").json()["name"] == "ann"
'''


def demo_pack(tmp_path: Path) -> Challenge:
    challenges, graders = tmp_path / "challenges" / "demo", tmp_path / "graders" / "demo"
    challenges.mkdir(parents=True)
    graders.mkdir(parents=True)
    (challenges / "challenge.toml").write_text('slug = "demo"\ntitle = "Demo"\nsections = [6]\ndifficulty = "easy"\n')
    (graders / "test_demo.py").write_text(TESTS)
    for d in (tmp_path, tmp_path / "challenges", tmp_path / "graders", challenges, graders):
        d.chmod(0o755)
    return load_challenge(tmp_path / "challenges", tmp_path / "graders", "demo")


def test_pytest_hints_are_stripped_and_the_assertion_kept():
    raw = ("AssertionError: assert {'a': 1, 'b': 2} == {'a': 1, 'b': 3}\n  \n  Omitting 1 identical items, use -vv to "
           "show\n  Differing items:\n  {'b': 2} != {'b': 3}\n  Use -v to get more diff")
    assert clean_failure(raw) == ("assert {'a': 1, 'b': 2} == {'a': 1, 'b': 3}\n\n  Omitting 1 identical items\n"
                                  "  Differing items:\n  {'b': 2} != {'b': 3}")
    assert clean_failure("AssertionError: status 500\nassert 500 == 200") == "status 500\nassert 500 == 200"
    truncated = ("AssertionError: assert 'x' == 'y'\n  \n  - y\n  + x...\n  \n"
                 "  ...Full output truncated, use '-vv' to show")
    assert clean_failure(truncated) == "assert 'x' == 'y'\n\n  - y\n  + x..."
    assert clean_failure("Failed: the app answered nothing") == "the app answered nothing"


@pytest.mark.slow
def test_every_failure_a_candidate_reads_is_authored(tmp_path: Path, bwrap: Sandbox):
    result = grade(demo_pack(tmp_path), {"app.py": APP.encode()}, backend=bwrap, settings=SETTINGS)
    tests = {t.name: t for t in result.tests}
    for t in result.tests:
        assert t.status != TestStatus.PASSED
        assert not [s for s in INTERNALS if s in t.message], (t.name, t.message)

    diff = tests["test_dict_without_feedback"]
    assert diff.status == TestStatus.FAILED
    assert diff.message.startswith("assert {'a': 1, 'b':")
    assert "{'b': 2} != {'b': 3}" in diff.message

    empty = tests["test_empty_token"]
    assert empty.status == TestStatus.ERROR
    assert empty.message.startswith("The grader could not send its next request (Illegal header value b'Bearer ')")
    assert empty.message.endswith("GET /me with the token from POST /token should answer for its user.")
    assert "LocalProtocolError" in empty.detail  # interviewers keep the raw exception

    assert tests["test_crash"].message == CONNECTION_TROUBLE
    assert tests["test_missing_key"].message == "KeyError: 'name'"


def test_a_real_packs_examples_show_the_assertion_without_pytest_hints(hello: Challenge, bwrap: Sandbox):
    """hello-route's starter answers {} where the examples expect the greeting."""
    result = grade(hello, hello.starter_files(), backend=bwrap, suite="examples", settings=SETTINGS)
    root = next(t for t in result.tests if t.name == "test_root_greets")
    assert root.status == TestStatus.FAILED
    assert root.message.startswith("assert {} == {'message': 'Hello World'}")
    assert "Right contains 1 more item" in root.message
    assert "Use -v" not in root.message and "-vv" not in root.message
