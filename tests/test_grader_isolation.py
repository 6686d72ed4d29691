"""Grader code (which interviewers write) runs apart from the platform: no files, environment, processes or
network of the server's, on either sandbox backend. The probes are hidden tests of a pack, graded for real."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from proctor.grading.engine import grade, grader_isolation
from proctor.grading.grader_fork import GraderForks
from proctor.grading.packs import load_challenge
from proctor.grading.results import RunStatus
from proctor.settings import PROJECT_ROOT, get_settings

REFERENCE = (PROJECT_ROOT / "graders/hello-route/reference/app.py").read_bytes()
SECRET = "the-platform-secret-value"

PROBES = '''
import os
import socket
from pathlib import Path

import pytest

PLATFORM_PATHS = {platform_paths!r}
ENGINE_PID = {engine_pid}
SECRET = {secret!r}


def test_the_app_answers(client):
    assert client.get("/").status_code == 200


def test_no_platform_files():
    seen = [p for p in PLATFORM_PATHS if os.path.lexists(p)]
    assert not seen, f"the grader sees {{seen}}"


def test_no_platform_environment():
    leaked = {{k: v for k, v in os.environ.items() if k.startswith("PROCTOR") or SECRET in v}}
    assert not leaked, f"the grader's environment holds {{sorted(leaked)}}"


def test_no_platform_processes():
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    others = [p for p in pids if b"proctor.grading.grader" not in Path(f"/proc/{{p}}/cmdline").read_bytes()
              and b"bwrap" not in Path(f"/proc/{{p}}/cmdline").read_bytes()]
    assert ENGINE_PID not in pids or ENGINE_PID in [os.getpid(), os.getppid()]
    assert not others, f"the grader sees processes {{others}}"


def test_no_network():
    interfaces = [line.split(":")[0].strip() for line in Path("/proc/net/dev").read_text().splitlines()[2:]]
    assert interfaces == ["lo"], interfaces


def test_the_platform_code_is_read_only():
    import proctor
    target = Path(proctor.__file__).parent / "planted.py"
    try:
        target.write_text("x = 1")
    except OSError:
        return
    target.unlink()  # an unisolated grader could write it: take it back, then say so
    pytest.fail("the grader could write into the platform's code")
'''


@pytest.fixture
def probes(tmp_path: Path):
    settings = get_settings()
    challenges, graders = tmp_path / "challenges" / "probes", tmp_path / "graders" / "probes"
    challenges.mkdir(parents=True)
    graders.mkdir(parents=True)
    (challenges / "challenge.toml").write_text(
        'slug = "probes"\ntitle = "Probes"\nsections = [6]\ndifficulty = "easy"\n')
    platform_paths = [str(settings.database_path), str(settings.data_dir), str(settings.jobs_dir),
                      str(PROJECT_ROOT / "graders"), str(PROJECT_ROOT / "challenges"), str(tmp_path / "graders"),
                      "/etc/shadow", str(Path.home() / ".ssh")]
    (graders / "test_probes.py").write_text(PROBES.format(platform_paths=platform_paths, engine_pid=os.getpid(),
                                                          secret=SECRET))
    for d in (tmp_path, tmp_path / "challenges", tmp_path / "graders", challenges, graders):
        d.chmod(0o755)
    return load_challenge(tmp_path / "challenges", tmp_path / "graders", "probes")


def graded(challenge, backend, mode: str, monkeypatch):
    monkeypatch.setenv("PROCTOR_SECRET_KEY", SECRET)
    settings = get_settings().model_copy(update={"grader_sandbox": mode})
    if getattr(backend, "start_mode", "cold") == "fork":  # and the grader forked too: the pack counts as ours
        settings = settings.model_copy(update={"graders_dir": challenge.grader_root.parent})
        forks = GraderForks(grader_isolation(settings), settings.jobs_dir)
        try:
            result = grade(challenge, {"app.py": REFERENCE}, backend=backend, settings=settings, grader_forks=forks)
        finally:
            forks.close()
    else:
        result = grade(challenge, {"app.py": REFERENCE}, backend=backend, settings=settings)
    assert result.status == RunStatus.GRADED, (result.message, result.output)
    return {t.name: (t.status.value, t.message) for t in result.tests}


def test_an_isolated_grader_sees_nothing_of_the_platform(probes, sandbox, monkeypatch):
    verdicts = graded(probes, sandbox, "bwrap", monkeypatch)
    assert verdicts == {name: ("passed", "") for name in verdicts}, verdicts
    assert len(verdicts) == 6


def test_the_probes_do_find_an_unisolated_grader(probes, bwrap, monkeypatch):
    verdicts = graded(probes, bwrap, "none", monkeypatch)
    assert verdicts["test_the_app_answers"][0] == "passed"
    for probe in ("test_no_platform_files", "test_no_platform_processes", "test_no_network",
                  "test_the_platform_code_is_read_only"):
        assert verdicts[probe][0] == "failed", (probe, verdicts[probe])
