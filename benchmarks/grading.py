"""Grading latency and memory: Proctor's sandboxed grading against the naive in-process baseline.

    .venv/bin/python benchmarks/grading.py [--runs 20] [--sandbox bwrap]

Grades the hello-route reference N times through the engine (a fresh sandbox and a fresh grader process
each time), then runs the same hidden tests N times the way in-process runners do: a fresh
`python -m pytest` that imports the app into the test process through FastAPI's TestClient.
Both are measured in the same invocation, alternating, so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctor.grading.engine import grade  # noqa: E402
from proctor.grading.packs import default_catalog  # noqa: E402
from proctor.grading.sandbox import get_backend  # noqa: E402

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


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def baseline_dir(challenge) -> Path:
    work = Path(tempfile.mkdtemp(prefix="proctor-bench-"))
    for name, data in challenge.reference_files().items():
        (work / name).write_bytes(data)
    for test in challenge.hidden_tests():
        shutil.copy(test, work / test.name)
    (work / "conftest.py").write_text(BASELINE_CONFTEST)
    return work


def run_baseline_measured(work: Path) -> tuple[float, int, bool]:
    """One fresh `python -m pytest` in the app's folder; reaped with wait4 to read its peak RSS."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(work)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execve(sys.executable, [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                  {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    _, status, usage = os.wait4(pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status) == 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sandbox", default="bwrap")
    args = parser.parse_args()
    challenge = default_catalog().get("hello-route")
    files = challenge.reference_files()
    backend = get_backend(args.sandbox)
    work = baseline_dir(challenge)
    grade(challenge, files, backend=backend)  # one warm-up each: page cache, pyc files
    run_baseline_measured(work)

    proctor_s, proctor_mem, base_s, base_mem = [], [], [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        result = grade(challenge, files, backend=backend)
        proctor_s.append(time.perf_counter() - started)
        assert result.score == 100, result.to_json()
        proctor_mem.append(sum(result.peak_memory_bytes.values()))
        elapsed, rss, ok = run_baseline_measured(work)
        assert ok, "the baseline's tests failed"
        base_s.append(elapsed)
        base_mem.append(rss)
    shutil.rmtree(work)

    def row(name: str, secs: list[float], mem: list[int]) -> str:
        return (f"{name:<34} p50 {statistics.median(secs):6.3f} s   p95 {percentile(secs, 0.95):6.3f} s   "
                f"peak memory {max(mem) / 2**20:6.1f} MiB")

    print(f"hello-route reference, {args.runs} runs each, alternating ({os.cpu_count()} CPUs)")
    print(row(f"proctor ({args.sandbox}, cold sandbox)", proctor_s, proctor_mem))
    print(row("baseline (in-process pytest)", base_s, base_mem))
    print(f"ratio proctor/baseline p50: {statistics.median(proctor_s) / statistics.median(base_s):.2f}")
    print("peak memory for proctor = the app's cgroup peak + the grader process's max RSS; "
          "for the baseline = the pytest process's max RSS (app included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
