"""Grading time per challenge: each pack's reference and starter, graded as `proctor grade` grades them.

    .venv/bin/python benchmarks/packs.py [--runs 5] [--slugs caching,background-tasks] [--busy 2] [--at REV]

Every pack's reference and starter are graded `--runs` times with a fresh sandbox and grader each (bwrap, cold),
in rounds that visit every pack once, so machine noise hits all packs alike. Printed per pack: the p50 and the
slowest run of each, and the reference's score (it must be 100 every time; a run that is not is counted).
`--busy N` starts N busy loops (`nice 10`) for the whole run: a loaded machine on purpose. `--at REV` grades the
packs as they were at a git revision (challenges/ and graders/ only; the engine is this tree's), for a before/after.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proctor.grading.engine import grade  # noqa: E402
from proctor.grading.packs import Catalog, default_catalog  # noqa: E402
from proctor.grading.sandbox import get_backend  # noqa: E402
from proctor.settings import get_settings  # noqa: E402


def busy_loop() -> None:
    os.nice(10)
    while True:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slugs", default="", help="comma-separated; default: every pack")
    parser.add_argument("--busy", type=int, default=0, help="busy loops to run alongside (nice 10)")
    parser.add_argument("--at", default="", help="grade the packs of this git revision")
    args = parser.parse_args()
    catalog = default_catalog(get_settings())
    if args.at:
        old = Path(tempfile.mkdtemp(prefix="proctor-packs-"))
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.at, "challenges", "graders"],
                                 capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(old, filter="data")
        catalog = Catalog(old / "challenges", old / "graders")
    challenges = [catalog.get(s) for s in args.slugs.split(",")] if args.slugs else catalog.all()
    backend = get_backend("bwrap")
    busy = [multiprocessing.Process(target=busy_loop, daemon=True) for _ in range(args.busy)]
    for process in busy:
        process.start()
    seconds: dict[tuple[str, str], list[float]] = {}
    not_100: dict[str, int] = {}
    load_start = os.getloadavg()[0]
    try:
        for round_ in range(args.runs + 1):  # round 0 warms page cache and pyc files; not counted
            for challenge in challenges:
                for case, files in (("reference", challenge.reference_files()),
                                    ("starter", challenge.starter_files())):
                    started = time.perf_counter()
                    result = grade(challenge, files, backend=backend, settings=get_settings())
                    elapsed = time.perf_counter() - started
                    if round_ == 0:
                        continue
                    seconds.setdefault((challenge.slug, case), []).append(elapsed)
                    if case == "reference" and result.score != 100:
                        not_100[challenge.slug] = not_100.get(challenge.slug, 0) + 1
    finally:
        for process in busy:
            process.kill()
        if args.at:
            shutil.rmtree(old)
    load_end = os.getloadavg()[0]
    print(f"{len(challenges)} packs{' at ' + args.at if args.at else ''}, {args.runs} runs each in alternating "
          f"rounds, bwrap cold, {os.cpu_count()} CPUs, "
          f"{args.busy} busy loops, load average {load_start:.2f} at the start, {load_end:.2f} at the end")
    print("| challenge | reference p50 | reference max | starter p50 | starter max | reference not 100 |")
    print("|---|---:|---:|---:|---:|---:|")
    for challenge in challenges:
        ref, start = seconds[(challenge.slug, "reference")], seconds[(challenge.slug, "starter")]
        print(f"| {challenge.slug} | {statistics.median(ref):.2f} s | {max(ref):.2f} s | "
              f"{statistics.median(start):.2f} s | {max(start):.2f} s | {not_100.get(challenge.slug, 0)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
