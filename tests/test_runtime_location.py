"""Where the sandbox runtime lives, and the server's refusal to start when it cannot grade (docs/deployment.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from proctor.grading.sandbox import runtime
from proctor.settings import PROJECT_ROOT, Settings

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the sandbox to another uid")


def proctor(*args: str, env: dict[str, str], cwd: Path = PROJECT_ROOT, python: str = sys.executable,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, "-m", "proctor.cli", *args], capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, env=env)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any PROCTOR_* setting of the developer's or of another test."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PROCTOR_")}, **extra}


def test_serve_refuses_to_start_without_the_sandbox_runtime() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="proctor-new-data-"))
    data_dir.chmod(0o755)
    try:
        done = proctor("serve", "--port", "0", timeout=60, env=clean_env(PROCTOR_DATA_DIR=str(data_dir)))
    finally:
        shutil.rmtree(data_dir)
    assert done.returncode == 2
    assert done.stderr == (f"proctor: the sandbox runtime at {data_dir}/sandbox-venv is missing or out of date; "
                           "run `proctor sandbox setup` with the same PROCTOR_DATA_DIR (make does it)\n")


@as_root
def test_serve_refuses_a_runtime_the_sandbox_uid_cannot_reach(tmp_path: Path) -> None:
    # tmp_path's parents are 0700: a runtime there is complete, but closed to uid 65534.
    venv = tmp_path / "venv"
    shutil.copytree(Settings(data_dir=PROJECT_ROOT / "var").runtime_dir, venv, symlinks=True)
    done = proctor("serve", "--port", "0", timeout=60, env=clean_env(PROCTOR_DATA_DIR=str(tmp_path),
                                                         PROCTOR_SANDBOX_RUNTIME=str(venv)))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"proctor: the sandbox uid 65534 cannot reach the sandbox runtime at {venv} (")
    assert "closed to it" in lines[0]


@as_root
def test_a_private_data_dir_puts_the_runtime_and_jobs_where_the_sandbox_uid_reaches_them(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    home = settings.runtime_dir.parent
    assert home.parent == runtime.SHARED_HOME and settings.jobs_dir == home / "jobs"
    assert Settings(data_dir=tmp_path / "var").runtime_dir == settings.runtime_dir  # the same data dir, the same home
    assert Settings(data_dir=tmp_path / "other").runtime_dir != settings.runtime_dir
    open_dir = Path(tempfile.mkdtemp(prefix="proctor-open-"))
    try:
        open_dir.chmod(0o755)
        assert Settings(data_dir=open_dir / "var").runtime_dir == open_dir / "var" / "sandbox-venv"
    finally:
        shutil.rmtree(open_dir)


def copy_checkout(dest: Path) -> Path:
    """The working tree's files (tracked and new, as git lists them) and its venv, which is made to import the copy's
    `proctor`, as `make setup` in that checkout would. The Playwright driver is left out: grading does not use it."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    venv = dest / ".venv"
    shutil.copytree(Path(sys.prefix), venv, symlinks=True, ignore=shutil.ignore_patterns("playwright"))
    for finder in venv.glob("lib/python3*/site-packages/__editable__*"):
        finder.write_text(finder.read_text().replace(str(PROJECT_ROOT), str(dest)))
    return venv / "bin" / "python"


@pytest.mark.slow
@as_root
def test_root_sets_up_and_grades_from_a_checkout_in_a_private_directory(bwrap: object) -> None:
    private = Path(tempfile.mkdtemp(prefix="proctor-private-"))  # 0700, like /root
    checkout = private / "proctor"
    home = None
    try:
        python = str(copy_checkout(checkout))
        env = clean_env()
        setup = proctor("sandbox", "setup", env=env, cwd=checkout, python=python)
        assert setup.returncode == 0, setup.stderr
        home = Settings(data_dir=checkout / "var").runtime_dir.parent
        assert f"building the sandbox runtime at {home}/sandbox-venv" in setup.stdout
        graded = proctor("grade", "--challenge", "hello-route", "graders/hello-route/reference/app.py", env=env,
                         cwd=checkout, python=python)
        assert graded.returncode == 0, graded.stderr
        assert graded.stdout.startswith("hello-route: graded, score 100/100"), graded.stdout + graded.stderr
    finally:
        shutil.rmtree(private, ignore_errors=True)
        if home is not None and home.parent == runtime.SHARED_HOME:
            shutil.rmtree(home, ignore_errors=True)
