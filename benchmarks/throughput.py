"""Grading throughput: the embedded queue against Redis with local `proctor worker` processes, in one run.

    .venv/bin/python benchmarks/throughput.py [--submissions 200] [--workers 2] [--writes 1000]

Both modes grade the same `--submissions` hello-route references, stored queued at once, with the same number of
grading slots (embedded: PROCTOR_WORKERS threads in `proctor serve`; Redis: that many `proctor worker
--concurrency 1` processes beside a web node). Reported per mode: gradings/s from the first insert to the last
result. For Redis also the queue's overhead per job apart from the grading itself (the web node sending a job
to an idle worker until that worker starts it, 20 jobs one at a time), read from the web node's log. Last, the
ceiling of any number of workers: what the web node, the one SQLite writer, writes per grading (a claim, the
progress notes, the result through `RedisQueue.record`), each measured on synthetic data.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis  # noqa: E402

from proctor.grading import timeline  # noqa: E402
from proctor.pipeline.jobs_wire import JobResult, ProgressNote, job_key  # noqa: E402
from proctor.pipeline.redis_queue import RedisQueue  # noqa: E402
from proctor.settings import Settings, get_settings  # noqa: E402
from proctor.store import Store, api_tokens, submissions, users  # noqa: E402

REFERENCE = (ROOT / "graders/hello-route/reference/app.py").read_text()
PATTERN = re.compile(r"\(([\d.]+) s from sending to the worker's start, ([\d.]+) s grading\)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
                             "--save", "", "--appendonly", "yes"], stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(200):
        try:
            client.ping()
            return proc, url
        except redis.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def data_dir(name: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"proctor-bench-{name}-"))
    path.chmod(0o755)
    return path


def env_for(directory: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PROCTOR_DATA_DIR": str(directory), "PROCTOR_LOG_JSON": "false",
            "PROCTOR_SANDBOX_RUNTIME": str(get_settings().runtime_dir), "PROCTOR_WARM_POOL": "1", **extra}


def serve(directory: Path, env: dict[str, str], port: int | None = None) -> tuple[subprocess.Popen[bytes], Path]:
    port = port or free_port()
    log = directory / "server.log"
    proc = subprocess.Popen([sys.executable, "-m", "proctor.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, log
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def queue_all(store: Store, count: int, prefix: str = "b") -> tuple[float, list[int]]:
    user_ids = [users.create(store, email=f"{prefix}{i}@example.com", password_hash="x").id for i in range(count)]
    started = time.time()
    with store.write() as conn:
        ids = [submissions.insert(conn, user_id=u, challenge="hello-route", suite="hidden",
                                  files={"app.py": REFERENCE}, per_minute=None) for u in user_ids]
    return started, ids


def wait_done(store: Store, ids: list[int]) -> float:
    while True:
        row = store.read().execute(f"SELECT count(*), max(finished_at) FROM submissions WHERE status = 'done' "
                                   f"AND id IN ({','.join(map(str, ids))})").fetchone()
        if row[0] == len(ids):
            return float(row[1])
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def embedded(count: int, slots: int) -> float:
    directory = data_dir("embedded")
    server, _ = serve(directory, env_for(directory, PROCTOR_WORKERS=str(slots)))
    store = Store.open(directory / "proctor.db")
    try:
        started, ids = queue_all(store, count)
        return count / (wait_done(store, ids) - started)
    finally:
        stop(server)
        store.close()
        shutil.rmtree(directory, ignore_errors=True)


def distributed(count: int, slots: int) -> tuple[float, list[float], list[float]]:
    directory = data_dir("redis")
    redis_proc, url = start_redis(directory)
    server, log = serve(directory, env_for(directory, PROCTOR_QUEUE_URL=url))
    workers = []
    for i in range(slots):
        own = directory / f"worker-{i}"
        own.mkdir()
        own.chmod(0o755)
        workers.append(subprocess.Popen([sys.executable, "-m", "proctor.cli", "worker", "--concurrency", "1"],
                                        env=env_for(own, PROCTOR_QUEUE_URL=url), cwd=ROOT, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True))
    client = redis.Redis.from_url(url)
    while client.hlen("proctor:workers") < slots:
        time.sleep(0.1)
    store = Store.open(directory / "proctor.db")
    try:
        started, ids = queue_all(store, count)
        rate = count / (wait_done(store, ids) - started)
        time.sleep(0.5)
        busy = log.stat().st_size
        # The overhead alone: one job at a time, so a worker is always idle when it is sent.
        for i in range(20):
            wait_done(store, queue_all(store, 1, prefix=f"idle{i}-")[1])
        time.sleep(0.5)
        with log.open() as f:
            f.seek(busy)
            idle = [float(a) for a, _ in PATTERN.findall(f.read())]
        found = PATTERN.findall(log.read_bytes()[:busy].decode(errors="replace"))
        return rate, idle, [float(b) for _, b in found]
    finally:
        for p in (*workers, server, redis_proc):
            stop(p)
        store.close()
        shutil.rmtree(directory, ignore_errors=True)


def cpu_busy() -> float:
    """Busy CPU-seconds of the whole machine so far (/proc/stat), the web node and every sandbox included."""
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def queue_many(store: Store, items: list[tuple[str, dict[str, str]]], prefix: str) -> tuple[float, list[int]]:
    """`items` of (slug, files), one user each, stored queued at once."""
    user_ids = [users.create(store, email=f"{prefix}{i}@example.com", password_hash="x").id for i in range(len(items))]
    started = time.time()
    with store.write() as conn:
        ids = [submissions.insert(conn, user_id=u, challenge=slug, suite="hidden", files=files,
                                  per_minute=None) for u, (slug, files) in zip(user_ids, items, strict=True)]
    return started, ids


START_MODES = {"cold": {"PROCTOR_SANDBOX_START": "cold", "PROCTOR_WARM_POOL": "0"},
               "warm": {"PROCTOR_SANDBOX_START": "cold", "PROCTOR_WARM_POOL": "2"},
               "fork": {"PROCTOR_SANDBOX_START": "fork", "PROCTOR_WARM_POOL": "0"}}
# The Docker backend keeps one container per submission (docs/decisions.md): its cost, beside the others.
DOCKER = {"PROCTOR_SANDBOX": "docker", "PROCTOR_WARM_POOL": "0"}


# Where a grading's time goes: the steps between the marks each run records (grading/timeline.py), and around
# them the submission's own times: (label, from, to). "submit" is the client's clock before its POST.
PIPELINE = (("post", "submit", "queued"), ("queue", "queued", "claimed"), ("prepare", "claimed", "prepared"))
STORE = ("store", "stopped", "stored")
ORDER = [label for label, _, _ in PIPELINE] + [name for name, _, _ in timeline.STEPS] + [STORE[0]]


def spans(row: Any, submitted: float | None = None) -> dict[str, float]:
    """One stored grading's steps, in ms."""
    marks = json.loads(row["result"]).get("timeline_ms", {})
    moments = {**{k: float(v) for k, v in marks.items()}, "claimed": 0.0,
               "queued": (row["created_at"] - row["started_at"]) * 1000,
               "stored": (row["finished_at"] - row["started_at"]) * 1000}
    if submitted is not None:
        moments["submit"] = (submitted - row["started_at"]) * 1000
    found = {label: moments[end] - moments[start] for label, start, end in (*PIPELINE, STORE)
             if start in moments and end in moments}
    return found | {name: float(ms) for name, ms in timeline.steps(marks).items()}


def breakdown(rows: list[dict[str, float]]) -> list[tuple[str, float]]:
    """Median ms of each step over the gradings that reached both of its ends."""
    return [(label, statistics.median(r[label] for r in rows if label in r)) for label in ORDER
            if any(label in r for r in rows)]


def process_cpu(pid: int) -> float:
    """CPU-seconds of one process so far, every thread included (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def submit_over_http(client: httpx.Client, store: Store, prefix: str) -> tuple[float, int]:
    """One hello-route reference through POST /api/v1/submissions, as a client would: (sent at, id). The client
    is made once: building one costs tens of milliseconds of TLS set-up, which is not the platform's time."""
    user = users.create(store, email=f"{prefix}@example.com", password_hash="x")
    _, secret = api_tokens.create(store, user_id=user.id, name="bench")
    sent = time.time()
    answer = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {secret}"},
                         json={"challenge": "hello-route", "files": {"app.py": REFERENCE}})
    answer.raise_for_status()
    return sent, int(answer.json()["id"])


def start_mode(mode: str, count: int, mixed: int) -> dict[str, Any]:
    """One server in `mode`: `count` hello-route references at once (gradings/s until drained, machine CPU-s and
    cgroup CPU-s per grading, p50/p95 submit to stored), 10 alone one after another through the HTTP API (p50
    idle), then `mixed` of each HTTP pack's reference interleaved, whose scores must all be 100."""
    directory = data_dir(mode)
    port = free_port()
    server, _ = serve(directory, env_for(directory, **(DOCKER if mode == "docker" else START_MODES[mode])), port)
    store = Store.open(directory / "proctor.db")
    try:
        time.sleep(3)  # the warm pool fills, the fork servers start
        busy, own = cpu_busy(), process_cpu(server.pid)
        started, ids = queue_many(store, [("hello-route", {"app.py": REFERENCE})] * count, f"{mode}-b")
        drained = wait_done(store, ids) - started
        cpu, web_cpu = (cpu_busy() - busy) / count, (process_cpu(server.pid) - own) / count
        rows = store.read().execute(f"SELECT created_at, started_at, finished_at, result FROM submissions "
                                    f"WHERE id IN ({','.join(map(str, ids))})").fetchall()
        latencies = sorted(float(r["finished_at"] - r["created_at"]) for r in rows)
        used = [json.loads(r["result"]).get("cpu_ms", {}) for r in rows]
        burst = [spans(r) for r in rows]
        idle, idle_moments = [], []
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        for i in range(10):
            sent, one = submit_over_http(client, store, f"{mode}-i{i}")
            idle.append(wait_done(store, [one]) - sent)
            row = store.read().execute("SELECT created_at, started_at, finished_at, result FROM submissions "
                                       "WHERE id = ?", (one,)).fetchone()
            idle_moments.append(spans(row, sent))
        figures: dict[str, Any] = {
            "rate": count / drained, "cpu": cpu, "web_cpu": web_cpu,
            "cgroup_cpu": statistics.median(sum(u.values()) for u in used) / 1000,
            "app_cpu": statistics.median(u.get("app", 0) for u in used) / 1000,
            "grader_cpu": statistics.median(u.get("grader", 0) for u in used) / 1000,
            "p50": latencies[len(latencies) // 2], "p95": latencies[int(len(latencies) * 0.95)],
            "idle_p50": statistics.median(idle), "idle_steps": breakdown(idle_moments), "burst_steps": breakdown(burst)}
        if mixed:
            packs = sorted(p.name for p in (ROOT / "graders").iterdir()
                           if (p / "reference" / "app.py").is_file() and 'kind = "http"'
                           in (ROOT / "challenges" / p.name / "challenge.toml").read_text())
            references = {slug: {str(f.relative_to(ROOT / "graders" / slug / "reference")): f.read_text()
                                 for f in (ROOT / "graders" / slug / "reference").rglob("*.py")} for slug in packs}
            items = [(slug, references[slug]) for _ in range(mixed) for slug in packs]
            t0, ids = queue_many(store, items, f"{mode}-m")
            figures["mixed_rate"] = len(ids) / (wait_done(store, ids) - t0)
            scores = store.read().execute(f"SELECT challenge, score FROM submissions WHERE id IN "
                                          f"({','.join(map(str, ids))}) AND score IS NOT 100.0").fetchall()
            figures["mixed_not_100"] = len(scores)
            if scores:
                print(f"  {mode}: not 100: {[tuple(row) for row in scores[:20]]}", flush=True)
        return figures
    finally:
        stop(server)
        store.close()
        shutil.rmtree(directory, ignore_errors=True)


def report(mode: str, f: dict[str, Any]) -> None:
    print(f"{mode:6} {f['rate']:6.2f} gradings/s; CPU-s per grading: machine {f['cpu']:.3f}, app + grader cgroups "
          f"{f['cgroup_cpu']:.3f} (app {f['app_cpu']:.3f}, grader {f['grader_cpu']:.3f}), web node "
          f"{f['web_cpu']:.3f}; submit->stored p50 {f['p50']:.2f} s p95 "
          f"{f['p95']:.2f} s; idle p50 {f['idle_p50']:.3f} s"
          + (f"; mixed {f['mixed_rate']:.2f}/s, {f['mixed_not_100']:.0f} not 100" if "mixed_rate" in f else ""),
          flush=True)
    for name in ("idle_steps", "burst_steps"):
        print(f"  {name.split('_')[0]} (median ms): " + ", ".join(f"{label} {ms:.0f}" for label, ms in f[name]))


def result_writes(count: int) -> tuple[float, float, float]:
    """What the web node writes per grading, each on `count` submissions, real SQLite and Redis: claims/s (the
    dispatcher's), progress notes/s (one per test) and results/s (RedisQueue.record)."""
    directory = data_dir("writes")
    redis_proc, url = start_redis(directory)
    store = Store.open(directory / "proctor.db")
    queue = RedisQueue(store=store, catalog=None, settings=Settings(data_dir=directory, queue_url=url))  # type: ignore[arg-type]
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        _, ids = queue_all(store, count)
        started = time.perf_counter()
        claimed = [submissions.claim(store, lease_seconds=600) for _ in ids]
        claims = count / (time.perf_counter() - started)
        result = {"status": "graded", "challenge": "hello-route", "suite": "hidden", "score": 100.0, "points": 9,
                  "max_points": 9, "tests": [], "output": "x" * 2000, "sandbox": "bwrap", "duration_ms": 900,
                  "limits": {}}
        payloads = []
        for s in claimed:
            assert s is not None and s.lease_token
            client.set(job_key(s.id), s.lease_token)
            payloads.append(JobResult(submission_id=s.id, token=s.lease_token, kind="graded", result=result,
                                      worker="bench", enqueued_at=0, started_at=0,
                                      finished_at=1).model_dump(mode="json"))
        progress = {"phase": "testing", "total": 9, "done": 4, "running": None,
                    "tests": [{"name": f"test_{i}", "status": "passed", "points": 1, "max_points": 1}
                              for i in range(4)]}
        started = time.perf_counter()
        for s in claimed:
            queue._progress(ProgressNote(submission_id=s.id, token=s.lease_token, progress=progress).model_dump_json())
        progresses = count / (time.perf_counter() - started)
        started = time.perf_counter()
        for payload in payloads:
            queue.record(payload)
        rate = count / (time.perf_counter() - started)
        assert submissions.status_counts(store) == {"done": count}, submissions.status_counts(store)
        return claims, progresses, rate
    finally:
        queue.broker.close()
        store.close()
        stop(redis_proc)
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--start-modes", action="store_true",
                        help="instead: cold, warm-pool and fork-server starts side by side (issue 15)")
    parser.add_argument("--mixed", type=int, default=10, help="with --start-modes: each HTTP reference this often")
    parser.add_argument("--modes", default="cold,warm,fork", help="with --start-modes: which, in this order")
    parser.add_argument("--docker", action="store_true", help="instead: the Docker backend alone, same measures")
    args = parser.parse_args()
    if args.docker:
        report("docker", start_mode("docker", args.submissions, args.mixed))
        return
    if args.start_modes:
        print(f"{args.submissions} hello-route references at once, then 10 alone, then {args.mixed} of each HTTP "
              f"reference; {os.cpu_count()} cores", flush=True)
        results = {}
        for mode in args.modes.split(","):
            results[mode] = start_mode(mode, args.submissions, args.mixed)
            report(mode, results[mode])
        if "fork" not in results:
            return
        fork = results["fork"]
        for mode in sorted(set(results) & {"cold", "warm"}):
            print(f"fork vs {mode}: {fork['rate'] / results[mode]['rate']:.1f}x gradings/s, "
                  f"{results[mode]['cpu'] / fork['cpu']:.1f}x less CPU per grading")
        return
    print(f"{args.submissions} hello-route references, {args.workers} grading slots, {os.cpu_count()} cores",
          flush=True)
    rate = embedded(args.submissions, args.workers)
    print(f"embedded (threads in the server):  {rate:6.2f} gradings/s", flush=True)
    rate, overhead, grading = distributed(args.submissions, args.workers)
    print(f"redis + {args.workers} proctor worker:      {rate:6.2f} gradings/s", flush=True)
    if overhead:
        print(f"  queue overhead per job (sent to an idle worker -> it starts): p50 "
              f"{statistics.median(overhead) * 1000:.0f} ms, max {max(overhead) * 1000:.0f} ms ({len(overhead)} jobs)")
    if grading:
        print(f"  grading per job on a worker:                   p50 {statistics.median(grading) * 1000:.0f} ms")
    claims, progresses, writes = result_writes(args.writes)
    print(f"web node writes: {claims:.0f} claims/s, {progresses:.0f} progress notes/s, {writes:.0f} results/s")
    # A worker, embedded or remote, sends at most one progress note per 0.2 s and the test count at once
    # (pipeline/progress.py): about 5 for a 1 s grading, 1 for a forked hello-route.
    per_grading = 1 / claims + 5 / progresses + 1 / writes
    print(f"  one grading's writes (a claim, 5 progress notes, a result): {per_grading * 1000:.1f} ms -> ceiling "
          f"{1 / per_grading:.0f} gradings/s for any number of workers")


if __name__ == "__main__":
    main()
