"""A real `proctor serve` process on a free loopback port, for the restart and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from conftest import SANDBOX_RUNTIME

from proctor.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """Start, stop (by signal) and restart the server on one data dir."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.port = port
        self.env = {**os.environ, "PROCTOR_DATA_DIR": str(data_dir), "PROCTOR_WORKERS": "1",
                    "PROCTOR_SANDBOX_RUNTIME": str(SANDBOX_RUNTIME),
                    "PROCTOR_GRADING_LEASE_SECONDS": "2", "PROCTOR_LOG_JSON": "false"}
        self.log = (data_dir / "server.log").open("ab")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "proctor.cli", "serve", "--port", str(self.port)],
                                     env=self.env, cwd=PROJECT_ROOT, stdout=self.log, stderr=self.log,
                                     start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def stop(self, sig: int) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)
        self.proc = None
