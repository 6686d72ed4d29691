from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PROCTOR = [sys.executable, "-m", "proctor.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PROCTOR, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_grade_json_prints_exactly_one_object(bwrap, catalog, tmp_path):
    (tmp_path / "app.py").write_bytes(catalog.get("hello-route").wrong_cases()["no-health"].files["app.py"])
    done = run("grade", "--challenge", "hello-route", "--json", str(tmp_path / "app.py"))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ("schema", "challenge", "status", "score", "points", "max_points", "tests", "output", "sandbox",
                "duration_ms"):
        assert key in result
    assert (result["schema"], result["challenge"], result["status"]) == (1, "hello-route", "graded")
    assert (result["points"], result["max_points"], result["score"]) == (8, 9, 88.89)
    assert set(result["tests"][0]) >= {"name", "status", "points", "max_points", "message"}


def test_grade_prints_a_table_and_exits_0_whatever_the_score(bwrap):
    done = run("grade", "--challenge", "hello-route", "challenges/hello-route/starter/app.py")
    assert done.returncode == 0
    assert "hello-route: graded, score 22.22/100" in done.stdout
    assert "FAIL  test_health" in done.stdout


def test_examples_print_a_count_not_a_score(bwrap):
    """`--help` says the examples are not a score; the output agrees."""
    assert "not a score" in run("grade", "--help").stdout
    done = run("grade", "--challenge", "hello-route", "--examples", "graders/hello-route/reference/app.py")
    assert done.returncode == 0, done.stderr
    assert "hello-route: graded, examples: 2/2 passed (not a score; " in done.stdout
    assert "score" not in done.stdout.replace("not a score", "")


def test_a_directory_submission(bwrap, tmp_path):
    (tmp_path / "app.py").write_bytes((ROOT / "graders/hello-route/reference/app.py").read_bytes())
    done = run("grade", "--challenge", "hello-route", "--json", str(tmp_path))
    assert json.loads(done.stdout)["score"] == 100


def test_unknown_slug_exits_2_listing_the_known_ones():
    done = run("grade", "--challenge", "nope", "x.py")
    assert done.returncode == 2
    assert done.stderr.startswith("proctor: unknown challenge 'nope'; known:")
    assert "hello-route" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_file_exits_2():
    done = run("grade", "--challenge", "hello-route", "/nonexistent/app.py")
    assert done.returncode == 2
    assert "cannot read /nonexistent/app.py" in done.stderr


def test_bad_usage_exits_2():
    assert run("grade").returncode == 2


def test_challenges_list_names_every_pack():
    done = run("challenges", "list")
    assert done.returncode == 0
    assert "hello-route" in done.stdout and "§6" in done.stdout


@pytest.mark.parametrize("start", ["cold", "fork"])
def test_challenges_validate_one_pack(bwrap, start):
    done = run("challenges", "validate", "hello-route", "--start", start)
    assert done.returncode == 0, done.stdout
    assert done.stdout.strip().splitlines()[-1] == "ok   hello-route"


def test_challenges_validate_in_fork_mode_still_finds_a_broken_pack(bwrap, tmp_path):
    import shutil

    for kind in ("challenges", "graders"):
        shutil.copytree(ROOT / kind / "hello-route", tmp_path / kind / "hello-route")
    reference = tmp_path / "graders/hello-route/reference/app.py"
    reference.write_text(reference.read_text().replace('"ok"', '"fine"'))  # the reference now fails a test
    for d in [tmp_path, *tmp_path.rglob("*")]:
        d.chmod(0o755 if d.is_dir() else 0o644)
    env = {**os.environ, "PROCTOR_CHALLENGES_DIR": str(tmp_path / "challenges"),
           "PROCTOR_GRADERS_DIR": str(tmp_path / "graders")}
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "challenges", "validate", "hello-route", "--start",
                           "fork"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL hello-route" in done.stdout


def test_users_create_says_which_database_it_wrote_to(tmp_path):
    env = {**os.environ, "PROCTOR_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "proctor.cli", "users", "create", "--admin", "ops@example.com",
                           "--password", "correct horse battery"], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / "proctor.db") in done.stdout and "PROCTOR_DATA_DIR" in done.stdout


def test_challenges_validate_write_golden_records_the_verdicts_in_the_pack(tmp_path, catalog, bwrap):
    import shutil

    pack = catalog.get("quiz-testing")
    shutil.copytree(pack.root, tmp_path / "challenges" / pack.slug)
    shutil.copytree(pack.grader_root, tmp_path / "graders" / pack.slug, ignore=shutil.ignore_patterns("golden.json"))
    env = {**os.environ, "PROCTOR_CHALLENGES_DIR": str(tmp_path / "challenges"),
           "PROCTOR_GRADERS_DIR": str(tmp_path / "graders")}
    done = subprocess.run([*PROCTOR, "challenges", "validate", pack.slug, "--write-golden"], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    written = tmp_path / "graders" / pack.slug / "golden.json"
    assert written.read_text() == (pack.grader_root / "golden.json").read_text()
