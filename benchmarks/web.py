"""Web pages under load: Proctor's catalog and challenge pages against a bare FastAPI JSON hello-world.

    apt-get install -y wrk
    .venv/bin/python benchmarks/web.py [--rounds 5] [--duration 10] [--connections 50]

Starts three servers side by side, each one uvicorn worker in its own process on a loopback port, all pinned to
one CPU while wrk is pinned to another (--no-pin leaves placement to the scheduler): Proctor
(`create_app` on a fresh data dir, one grading worker, no warm pool, its request log as plain text to a file),
served as `proctor serve` serves it (asyncio's loop), and a bare FastAPI app whose only route returns
{"message": "Hello World"}, twice: on the same loop, and on uvicorn's default (uvloop). Signs a candidate up
through the real forms, saves a draft and grades one hello-route submission, so the challenge page renders
everything a returning candidate sees. Then drives each target with wrk from a second process at the same
concurrency, several rounds, alternating targets (the order rotates each round), so machine noise hits all of
them alike. Reports the median req/s and the median p99 per target, and each page's req/s as a fraction of the
faster baseline's.

Targets (issue 3): a page serves >= 0.4x the (faster) baseline's req/s, with p99 < 100 ms. They are printed as
met or missed; the exit status is 0 either way (2 when wrk is missing).
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
EMAIL = "bench@example.com"
PASSWORD = "correct-horse-battery"
CHALLENGE = "hello-route"
RATIO_TARGET = 0.4
P99_TARGET_MS = 100.0


# --- the servers (this file is also their launcher: `web.py --serve proctor|baseline|baseline-uvloop`) ---

def baseline_app() -> FastAPI:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/")
    async def root() -> dict[str, str]:
        return {"message": "Hello World"}

    return app


def proctor_app(data_dir: Path) -> FastAPI:
    from proctor.settings import Settings, get_settings
    from proctor.web.app import create_app

    settings = Settings(data_dir=data_dir, sandbox_runtime=get_settings().runtime_dir, warm_pool=0, workers=1,
                        log_json=False)
    return create_app(settings, host=HOST)


def serve(which: str, port: int, data_dir: Path | None) -> int:
    import uvicorn

    from proctor.web.app import serve as serve_proctor

    # One worker, httptools, no access log for all three. Proctor is served by `proctor serve`'s own function
    # (gc.freeze(), asyncio's loop); the baselines by plain uvicorn.run, on that loop and on uvicorn's default.
    options = dict(host=HOST, port=port, workers=1, log_level="warning", access_log=False)
    if which == "proctor" and data_dir:
        serve_proctor(proctor_app(data_dir), **options)  # type: ignore[arg-type]
    else:
        uvicorn.run(baseline_app(), loop="uvloop" if which == "baseline-uvloop" else "asyncio",
                    **options)  # type: ignore[arg-type]
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """A preexec_fn that keeps the child on `cpus`: the servers on one core, wrk on another, so that the load
    generator never competes with the server it measures for the same core (docs/performance.md)."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


class Server:
    def __init__(self, which: str, log_path: Path, data_dir: Path | None = None, cpus: set[int] | None = None) -> None:
        self.which = which
        self.port = free_port()
        argv = [sys.executable, __file__, "--serve", which, "--port", str(self.port)]
        if data_dir:
            argv += ["--data-dir", str(data_dir)]
        self.log = log_path.open("ab")
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=self.log, stderr=self.log, start_new_session=True,
                                     preexec_fn=pinned(cpus))

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the {self.which} server exited ({self.proc.returncode}); see {self.log.name}")
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"the {self.which} server did not start; see {self.log.name}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# --- a logged-in candidate with a draft and a graded submission ---

def log_in(base: str) -> tuple[str, str]:
    """Sign up through the forms; returns the Cookie header a browser would send, and a note on grading."""
    import httpx

    from proctor.grading.packs import default_catalog
    from proctor.settings import get_settings

    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/signup")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token, "the signup form has no CSRF token"
        csrf = token.group(1)
        signed_up = client.post("/signup", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf})
        assert signed_up.status_code == 303 and "proctor_session" in client.cookies, signed_up.text[:500]
        # The CSRF token is tied to the login session: the logged-in pages carry the new one.
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token, "the logged-in page has no CSRF token"
        csrf = token.group(1)
        reference = {k: v.decode() for k, v in default_catalog(get_settings()).get(CHALLENGE).reference_files().items()}
        # A saved draft, and one graded submission: the challenge page then shows the draft, the latest
        # result and the best score, as it does for a candidate coming back to it.
        names, contents = list(reference), list(reference.values())
        saved = client.post(f"/challenges/{CHALLENGE}/draft",
                            data={"filename": names, "content": contents, "csrf_token": csrf})
        assert saved.status_code == 303, saved.text[:500]
        created = client.post("/api/v1/submissions", json={"challenge": CHALLENGE, "files": reference},
                              headers={"X-CSRF-Token": csrf})
        assert created.status_code == 201, created.text[:500]
        url = created.json()["url"]
        note = "graded submission: none (grading did not finish in 60 s)"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body = client.get(url).json()
            if body["status"] == "done":
                note = f"graded submission: {body['result_status']}, score {body['score']}"
                break
            time.sleep(0.5)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return cookie, note


# --- wrk ---

@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: str = ""
    server: Server = field(kw_only=True)
    baseline: bool = False
    rps: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    size: int = 0


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * UNITS_MS[unit]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(target: Target, *, connections: int, threads: int, seconds: int,
            cpus: set[int] | None = None) -> tuple[float, float, float, str]:
    """req/s, p99 in ms, the server's CPU ms per request, and any errors wrk saw."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    for name, value in target.headers.items():
        argv += ["-H", f"{name}: {value}"]
    cpu_before = cpu_seconds(target.server.proc.pid)
    out = subprocess.run(argv + [target.url], capture_output=True, text=True, check=True,
                         preexec_fn=pinned(cpus)).stdout
    cpu = cpu_seconds(target.server.proc.pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    problems = []
    if m := re.search(r"Socket errors: (.*)", out):
        problems.append("socket errors: " + m.group(1))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        problems.append(f"{m.group(1)} non-2xx/3xx")
    return rps, p99, 1000 * cpu / max(requests, 1), "; ".join(problems)


def check(target: Target) -> None:
    """wrk counts a redirect to /login as a success, so first make sure each target really is the page."""
    import httpx

    response = httpx.get(target.url, headers=target.headers, timeout=30)
    assert response.status_code == 200, f"{target.name}: {response.status_code}"
    assert target.expect in response.text, f"{target.name}: {target.expect!r} is not in the page"
    target.size = len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unrecorded load per target first")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the servers have one worker each)")
    parser.add_argument("--no-pin", action="store_true",
                        help="let the scheduler place servers and wrk (default: servers on one core, wrk on another)")
    parser.add_argument("--serve", choices=("proctor", "baseline", "baseline-uvloop"), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.port, args.data_dir)

    if shutil.which("wrk") is None:
        print("wrk is not installed. Install it with `apt-get install -y wrk` (Debian's package), then run again.",
              file=sys.stderr)
        return 2

    cpus = sorted(os.sched_getaffinity(0))
    server_cpus, wrk_cpus = ({cpus[0]}, {cpus[1]}) if len(cpus) >= 2 and not args.no_pin else (None, None)
    work = Path(tempfile.mkdtemp(prefix="proctor-web-bench-"))
    data_dir = work / "data"
    data_dir.mkdir()
    for d in (work, data_dir):
        d.chmod(0o755)  # the sandbox user (nobody) must reach the job dirs under it; mkdtemp makes 0700
    load_before = os.getloadavg()
    servers: list[Server] = []
    try:
        proctor = Server("proctor", work / "proctor.log", data_dir, cpus=server_cpus)
        servers.append(proctor)
        baseline = Server("baseline", work / "baseline.log", cpus=server_cpus)
        servers.append(baseline)
        baseline_uvloop = Server("baseline-uvloop", work / "baseline-uvloop.log", cpus=server_cpus)
        servers.append(baseline_uvloop)
        proctor.wait_ready("/health")
        baseline.wait_ready("/")
        baseline_uvloop.wait_ready("/")
        cookie, grading_note = log_in(proctor.url)
        targets = [
            Target("baseline: FastAPI hello-world", baseline.url + "/", expect="Hello World", server=baseline,
                   baseline=True),
            Target("baseline-uvloop: uvicorn's default loop", baseline_uvloop.url + "/", expect="Hello World",
                   server=baseline_uvloop, baseline=True),
            Target("catalog, anonymous", proctor.url + "/", expect="Sign up", server=proctor),
            Target("catalog, logged in", proctor.url + "/", {"Cookie": cookie}, expect=EMAIL, server=proctor),
            Target(f"challenge page ({CHALLENGE}), logged in", proctor.url + f"/challenges/{CHALLENGE}",
                   {"Cookie": cookie}, expect=EMAIL, server=proctor),
        ]
        for target in targets:
            check(target)
            if args.warmup > 0:
                run_wrk(target, connections=args.connections, threads=args.threads, seconds=args.warmup,
                        cpus=wrk_cpus)
        for round_ in range(args.rounds):
            shift = round_ % len(targets)
            for target in targets[shift:] + targets[:shift]:
                rps, p99, cpu_ms, problems = run_wrk(target, connections=args.connections, threads=args.threads,
                                                     seconds=args.duration, cpus=wrk_cpus)
                target.rps.append(rps)
                target.p99_ms.append(p99)
                target.cpu_ms.append(cpu_ms)
                if problems:
                    target.errors.append(problems)
            print(f"round {round_ + 1}/{args.rounds} (load {os.getloadavg()[0]:.1f}): " + "; ".join(
                f"{t.name.split(':')[0].split(' (')[0]} {t.rps[-1]:.0f}/s p99 {t.p99_ms[-1]:.0f} ms" for t in targets),
                flush=True)
    finally:
        for server in servers:
            server.stop()
    load_after = os.getloadavg()
    shutil.rmtree(work, ignore_errors=True)

    # Pages are judged against the faster of the two baselines, so the choice of event loop cannot flatter them.
    base_rps = max(statistics.median(t.rps) for t in targets if t.baseline)
    print()
    print(f"{args.rounds} rounds x {args.duration} s per target, alternating; wrk -t{args.threads} "
          f"-c{args.connections} --latency; one uvicorn worker per server; {os.cpu_count()} CPUs; "
          + (f"servers on CPU {sorted(server_cpus)}, wrk on CPU {sorted(wrk_cpus or [])}" if server_cpus
             else "not pinned"))
    print(f"load average (1/5/15 min) before {load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} / {load_after[1]:.2f} / {load_after[2]:.2f}; {grading_note}")
    print()
    print(f"{'target':<40} {'req/s':>7} {'p99 ms':>7} {'x base':>7} {'CPU ms/req':>10} {'bytes':>6}  "
          f"targets: >= {RATIO_TARGET}x base, p99 < {P99_TARGET_MS:g} ms")
    for t in targets:
        rps, p99, cpu = statistics.median(t.rps), statistics.median(t.p99_ms), statistics.median(t.cpu_ms)
        ratio = rps / base_rps
        verdict = "" if t.baseline else (f"req/s {'met' if ratio >= RATIO_TARGET else 'MISSED'}, "
                                         f"p99 {'met' if p99 < P99_TARGET_MS else 'MISSED'}")
        print(f"{t.name:<40} {rps:7.0f} {p99:7.1f} {ratio:7.2f} {cpu:10.2f} {t.size:6d}  {verdict}")
    print("medians over the rounds. x base: req/s over the faster baseline's. CPU ms/req: the server process's "
          "user+system CPU time (all threads) over the requests served, which machine load disturbs less than req/s.")
    for t in targets:
        for problem in t.errors:
            print(f"warning: {t.name}: {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
