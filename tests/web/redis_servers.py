"""Real processes for the distributed-grading tests: a redis-server on a free loopback port with its own
directory, `proctor worker` processes, and a `proctor serve` web node that sends them jobs.

In CI (CI=true) a missing redis-server fails the test: these tests may never be skipped there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from conftest import PASSWORD, SANDBOX_RUNTIME
from servers import Server, free_port

from proctor.settings import PROJECT_ROOT
from proctor.store import Store, api_tokens, submissions, users
from proctor.store.passwords import hash_password


def redis_binary() -> str:
    debian = Path("/usr/bin/redis-server")
    found = shutil.which("redis-server") or (str(debian) if debian.exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing; .ci/run installs it")
        pytest.skip("redis-server is not installed")
    return found


class RedisServer:
    def __init__(self, directory: Path, *, aof: bool) -> None:
        self.binary = redis_binary()
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.aof = aof
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
                "--save", "", "--appendonly", "yes" if self.aof else "no", "--appendfsync", "always"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    client.close()
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)


def queue_env(queue_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PROCTOR_DATA_DIR": str(data_dir), "PROCTOR_SANDBOX_RUNTIME": str(SANDBOX_RUNTIME),
            "PROCTOR_QUEUE_URL": queue_url, "PROCTOR_LOG_JSON": "false", "PROCTOR_QUEUE_DEAD_WORKER_SECONDS": "2",
            "PROCTOR_GRADING_LEASE_SECONDS": "3", "PROCTOR_WARM_POOL": "1", **extra}


class WorkerProcess:
    """`proctor worker`; `module` runs another entry point (a test's crashing worker) with the same arguments."""

    def __init__(self, queue_url: str, data_dir: Path, name: str, *, concurrency: int = 1,
                 module: str = "proctor.cli", **env: str) -> None:
        # A worker has no database: its own data dir (for job directories and the warm pool) proves it.
        self.data_dir = data_dir / f"worker-{name}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755)
        self.env = queue_env(queue_url, self.data_dir, **env)
        self.args = [sys.executable, "-m", module, "worker", "--concurrency", str(concurrency)]
        self.log_path = data_dir / f"worker-{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, cwd=PROJECT_ROOT, stdout=log, stderr=log,
                                         start_new_session=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)
            self.proc = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class WebNode(Server):
    def __init__(self, data_dir: Path, queue_url: str, **extra: str) -> None:
        super().__init__(data_dir, free_port())
        self.env = queue_env(queue_url, data_dir, PROCTOR_MAX_QUEUED_PER_ADDRESS="1000",
                             PROCTOR_SUBMISSIONS_PER_MINUTE="100", **extra)


def api_users(store: Store, count: int, prefix: str = "u") -> list[str]:
    """`count` candidates with one API token each (a user has one submission in flight at a time)."""
    secrets = []
    for i in range(count):
        user = users.create(store, email=f"{prefix}{i}@example.com", password_hash=hash_password(PASSWORD))
        secrets.append(api_tokens.create(store, user_id=user.id, name="test")[1])
    return secrets


def submit(base: str, secret: str, content: str, challenge: str = "hello-route") -> int:
    response = httpx.post(f"{base}/api/v1/submissions", headers={"Authorization": f"Bearer {secret}"},
                          json={"challenge": challenge, "suite": "hidden", "files": {"app.py": content}}, timeout=30)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def wait_until(check: Callable[[], Any], seconds: float = 120, what: str = "") -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def all_done(store: Store, ids: list[int]) -> bool:
    return all((s := submissions.get(store, submission_id=i)) is not None and s.status == "done" for i in ids)
