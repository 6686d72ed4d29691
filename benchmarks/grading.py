"""Grading latency and memory, Proctor against the naive baselines, measured side by side in one run.

    .venv/bin/python benchmarks/grading.py [--runs 20] [--modes bwrap-cold,bwrap-warm,...]

Each mode grades the hello-route reference with its hidden tests, `--runs` times, in rounds that visit every
mode once (so machine noise hits all of them alike):

- bwrap-cold:   Proctor, a fresh bwrap sandbox and a fresh grader process per run;
- bwrap-warm:   Proctor with a warm pool (sandbox and grader started ahead, one per submission);
- docker-cold:  Proctor, a fresh container per run;
- docker-warm:  Proctor with a warm pool of containers;
- pytest:       the in-process baseline: a fresh `python -m pytest` that imports the app into the test process
                through FastAPI's TestClient, as PrairieLearn-, Exercism- and Gradescope-style runners do;
- docker-run:   the naive container baseline: a cold `docker run` of that same in-process pytest.

Peak memory: for Proctor, the app's cgroup peak (bwrap) plus the grader's max RSS; for the pytest baseline,
its max RSS (app included). Docker modes report no memory (the container's cgroup is gone when it is read).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctor.grading.engine import grade  # noqa: E402
from proctor.grading.packs import Challenge, default_catalog  # noqa: E402
from proctor.grading.pool import WarmPool  # noqa: E402
from proctor.grading.sandbox import SandboxUnavailable, get_backend, image  # noqa: E402
from proctor.settings import get_settings  # noqa: E402

BASELINE_CONFTEST = '''
import pytest
from fastapi.testclient import TestClient
from app import app


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): weight")
    config.addinivalue_line("markers", "feedback(m): message")


@pytest.fixture
def client():
    with TestClient(app) as c:
        yield c
'''

Measure = Callable[[], tuple[float, int]]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def baseline_dir(challenge: Challenge) -> Path:
    work = Path(tempfile.mkdtemp(prefix="proctor-bench-", dir=get_settings().data_dir))
    work.chmod(0o755)
    for name, data in challenge.reference_files().items():
        (work / name).write_bytes(data)
    for test in challenge.hidden_tests():
        shutil.copy(test, work / test.name)
    (work / "conftest.py").write_text(BASELINE_CONFTEST)
    (work / "pytest.ini").write_text("[pytest]\n")  # its own root: not the project's pyproject.toml above it
    for path in work.iterdir():
        path.chmod(0o644)
    return work


def proctor_mode(challenge: Challenge, backend_name: str, warm: bool) -> tuple[Measure, Callable[[], None]]:
    settings = get_settings()
    backend = get_backend(backend_name)
    pool = WarmPool(backend, size=2, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                    uid=settings.sandbox_uid, gid=settings.sandbox_gid) if warm else None
    files = challenge.reference_files()

    def measure() -> tuple[float, int]:
        if pool is not None:
            pool.wait_ready(60)  # a warm pool refills between submissions; measure a submission that finds it warm
        started = time.perf_counter()
        result = grade(challenge, files, backend=backend, pool=pool, settings=get_settings())
        elapsed = time.perf_counter() - started
        assert result.score == 100, result.to_json()
        return elapsed, sum(result.peak_memory_bytes.values())

    return measure, (pool.close if pool else lambda: None)


def pytest_mode(work: Path) -> Measure:
    def measure() -> tuple[float, int]:
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.chdir(work)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.execve(sys.executable, [sys.executable, "-B", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                      {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - started
        assert os.waitstatus_to_exitcode(status) == 0, "the in-process baseline's tests failed"
        return elapsed, usage.ru_maxrss * 1024

    return measure


def docker_run_mode(work: Path) -> Measure:
    """`docker run` of the in-process baseline, in the sandbox image plus this venv's pytest and httpx."""
    site = sysconfig.get_paths()["purelib"]
    argv = ["docker", "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp", "--user", "65534:65534",
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--memory", "512m", "--pids-limit", "64",
            "-v", f"{work}:/work:ro", "-v", f"{site}:/opt/grader-site:ro", "-w", "/work",
            "-e", "PYTHONPATH=/opt/grader-site", "-e", "PYTEST_DISABLE_PLUGIN_AUTOLOAD=1",
            image.image_tag(), "python", "-B", "-m", "pytest", "-q", "-p", "no:cacheprovider"]

    def measure() -> tuple[float, int]:
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True)
        elapsed = time.perf_counter() - started
        assert done.returncode == 0, done.stdout.decode()[-2000:] + done.stderr.decode()[-2000:]
        return elapsed, 0

    return measure


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--modes", default="bwrap-cold,bwrap-warm,pytest,docker-cold,docker-warm,docker-run")
    args = parser.parse_args()
    challenge = default_catalog(get_settings()).get("hello-route")
    work = baseline_dir(challenge)
    modes: dict[str, Measure] = {}
    closers: list[Callable[[], None]] = []
    for name in args.modes.split(","):
        try:
            if name == "pytest":
                modes[name] = pytest_mode(work)
            elif name == "docker-run":
                get_backend("docker")  # the same image must exist
                modes[name] = docker_run_mode(work)
            else:
                backend, _, temperature = name.partition("-")
                modes[name], close = proctor_mode(challenge, backend, temperature == "warm")
                closers.append(close)
        except SandboxUnavailable as exc:
            print(f"skipping {name}: {exc}")
    try:
        for measure in modes.values():  # warm-up: page cache, pyc files, pools
            measure()
        seconds: dict[str, list[float]] = {name: [] for name in modes}
        memory: dict[str, list[int]] = {name: [] for name in modes}
        for _ in range(args.runs):
            for name, measure in modes.items():
                elapsed, peak = measure()
                seconds[name].append(elapsed)
                memory[name].append(peak)
    finally:
        for close in closers:
            close()
        shutil.rmtree(work)

    load = os.getloadavg()[0]
    print(f"hello-route reference, {args.runs} runs per mode in alternating rounds, {os.cpu_count()} CPUs, "
          f"load average {load:.2f}")
    print(f"{'mode':<12} {'p50 s':>7} {'p95 s':>7} {'peak MiB':>9}")
    for name in modes:
        peak = max(memory[name]) / 2**20
        print(f"{name:<12} {statistics.median(seconds[name]):7.3f} {percentile(seconds[name], 0.95):7.3f} "
              f"{peak if peak else float('nan'):9.1f}")
    p50 = {name: statistics.median(values) for name, values in seconds.items()}
    for fast, slow in (("bwrap-cold", "pytest"), ("bwrap-warm", "docker-run"), ("docker-warm", "docker-run"),
                       ("bwrap-warm", "bwrap-cold"), ("docker-warm", "docker-cold")):
        if fast in p50 and slow in p50:
            print(f"{slow} / {fast} p50: {p50[slow] / p50[fast]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
