"""Grading time of a candidate's own test suite (kind = "pytest"): cold, from fork servers, and a warm suite pool.

    .venv/bin/python benchmarks/suites.py [--runs 5] [--slug write-the-tests]

Each run grades the pack's reference suite (2 + N app runs). "cold" starts every pair itself (all cold runs come
first, with no pool refilling beside them); "fork" forks each app and each suite from their warm servers
(grading/suite_fork.py), alternating with cold; "warm" waits until the pool holds 2 + N pairs before each grading,
so it measures a grading that finds every pair warm.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctor.grading.engine import grade  # noqa: E402
from proctor.grading.mutants import REFERENCE_RUNS, mutants  # noqa: E402
from proctor.grading.packs import default_catalog  # noqa: E402
from proctor.grading.sandbox import get_backend  # noqa: E402
from proctor.grading.sandbox.fork_start import ForkSandbox  # noqa: E402
from proctor.grading.suite_pool import SuitePool  # noqa: E402
from proctor.settings import get_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slug", default="write-the-tests")
    args = parser.parse_args()
    challenge = default_catalog(get_settings()).get(args.slug)
    settings = get_settings()
    backend = get_backend("bwrap")
    files = {"test_app.py": (challenge.grader_root / "reference" / "test_app.py").read_bytes()}
    size = REFERENCE_RUNS + len(mutants(challenge))
    times: dict[str, list[float]] = {"cold": [], "fork": [], "warm": []}
    forked = ForkSandbox(venv=settings.runtime_dir, uid=settings.sandbox_uid, gid=settings.sandbox_gid)

    def one(mode: str, pool: SuitePool | None) -> None:
        started = time.monotonic()
        result = grade(challenge, files, backend=forked if mode == "fork" else backend, suite_pool=pool,
                       settings=get_settings())
        assert result.score == 100, result.message
        times[mode].append(time.monotonic() - started)

    for _ in range(args.runs):  # cold first, with no pool refilling beside it; apps from a fork server in turn
        one("cold", None)
        one("fork", None)
    forked.close()
    pool = SuitePool(backend, size=size, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                     uid=settings.sandbox_uid, gid=settings.sandbox_gid, limits=challenge.limits)
    try:
        for _ in range(args.runs):
            if not pool.wait_ready(120):
                raise SystemExit("the suite pool did not fill within 120 s")
            one("warm", pool)
    finally:
        pool.close()
    for mode, seconds in times.items():
        print(f"{args.slug} {mode}: p50 {statistics.median(seconds):.2f} s, min {min(seconds):.2f} s "
              f"({len(seconds)} gradings of {size} app runs)")


if __name__ == "__main__":
    main()
