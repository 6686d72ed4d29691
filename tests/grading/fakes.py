"""Pipe-backed stand-ins for a sandbox and a grader: plain Python subprocesses that follow a script, no bwrap.

They speak the real protocol over the real kinds of channel (pipes for output, status and events, a socket pair
for the grader's control, the app's socket as a descriptor), so the supervisor cannot tell them from the real
ones; each step of a script says what the process does next.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proctor.grading.grader_process import GraderProcess
from proctor.grading.sandbox.base import SandboxProcess, SandboxSpec
from proctor.grading.suite_sandbox import SuiteProcess

Step = list[Any]

# argv: status fd, control fd, the steps as JSON.
APP = r"""
import json, os, signal, sys, time
status, control, steps = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
for kind, *args in steps:
    if kind == "status":
        os.write(status, (args[0] if isinstance(args[0], str) else json.dumps(args[0])).encode() + b"\n")
    elif kind == "wait_go":
        line = b""
        while not line.endswith(b"\n"):
            line += os.read(control, 1)
    elif kind == "print":
        sys.stdout.write("x" * args[0])
        sys.stdout.flush()
    elif kind == "exit":
        os._exit(args[0])
    elif kind == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    elif kind == "hang":
        time.sleep(600)
time.sleep(600)
"""

# argv: events fd, the steps as JSON; stdin is the control socket.
GRADER = r"""
import json, os, socket, sys, time
events, steps = int(sys.argv[1]), json.loads(sys.argv[2])
control = socket.socket(fileno=0)

def line():
    data = b""
    while not data.endswith(b"\n"):
        chunk, fds, _, _ = socket.recv_fds(control, 1, 4)
        for fd in fds:
            os.close(fd)
        if not chunk:
            return ""
        data += chunk
    return data.decode().strip()

line()  # the spec
replies = []
for kind, *args in steps:
    if kind == "emit":
        os.write(events, "".join((a if isinstance(a, str) else json.dumps(a)) + "\n" for a in args).encode())
    elif kind == "wait":
        while (word := line()) != args[0]:
            replies.append(word)
            if not word:
                os._exit(0)
    elif kind == "restart_until_gone":
        while True:
            os.write(events, b'{"event": "restart", "reason": "error"}\n')
            word = line()
            replies.append(word)
            if word in ("gone", ""):
                break
    elif kind == "report_replies":
        os.write(events, json.dumps({"event": "test", "name": args[0], "status": "passed", "points": 1,
                                     "max_points": 1, "message": ",".join(replies)}).encode() + b"\n")
    elif kind == "exit":
        os._exit(args[0])
    elif kind == "hang":
        time.sleep(600)
time.sleep(600)
"""


@dataclass
class FakeSandbox(SandboxProcess):
    popen: subprocess.Popen[bytes]
    output: int
    status: int
    control: int
    oom: bool = False  # report an OOM kill once it died of SIGKILL, as a cgroup would
    backend: str = "fake"
    closed: bool = False

    def send_go(self, module: str, attr: str) -> None:
        try:
            os.write(self.control, json.dumps({"module": module, "attr": attr}).encode() + b"\n")
        except BrokenPipeError:
            pass

    def poll(self) -> int | None:
        return self.popen.poll()

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait()

    def destroy(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.kill()
        for fd in (self.output, self.status, self.control):
            os.close(fd)

    def oom_killed(self) -> bool:
        return self.oom and self.popen.poll() == -9


@dataclass
class FakeBackend:
    """Starts the next script for each sandbox the supervisor asks for (the last one again when they run out)."""

    scripts: list[list[Step]]
    oom: bool = False
    name: str = "fake"
    isolates: bool = False
    started: list[FakeSandbox] = field(default_factory=list)

    def available(self) -> str | None:
        return None

    def start(self, spec: SandboxSpec) -> SandboxProcess:
        steps = self.scripts[min(len(self.started), len(self.scripts) - 1)]
        output_r, output_w = os.pipe()
        status_r, status_w = os.pipe()
        control_r, control_w = os.pipe()
        popen = subprocess.Popen([sys.executable, "-c", APP, str(status_w), str(control_r), json.dumps(steps)],
                                 stdin=subprocess.DEVNULL, stdout=output_w, stderr=output_w,
                                 pass_fds=(status_w, control_r), start_new_session=True)
        for fd in (output_w, status_w, control_r):
            os.close(fd)
        sandbox = FakeSandbox(popen, output_r, status_r, control_w, oom=self.oom)
        self.started.append(sandbox)
        return sandbox


def fake_grader(workdir: Path, steps: list[Step]) -> GraderProcess:
    """A GraderProcess whose process is a plain Python script (in a session of its own, as kill_tree expects)."""
    events_r, events_w = os.pipe()
    ours, theirs = socket.socketpair()
    log_path = workdir / "grader.log"
    with open(log_path, "wb") as log:
        popen = subprocess.Popen([sys.executable, "-c", GRADER, str(events_w), json.dumps(steps)],
                                 stdin=theirs.fileno(), stdout=log, stderr=subprocess.STDOUT, pass_fds=(events_w,),
                                 start_new_session=True)
    os.close(events_w)
    theirs.close()
    return GraderProcess(popen, ours, events_r, events_w, log_path)


def fake_suite(workdir: Path, steps: list[Step]) -> SuiteProcess:
    """A candidate's suite process (kind pytest): the fake grader, with its output on a pipe of its own."""
    events_r, events_w = os.pipe()
    output_r, output_w = os.pipe()
    ours, theirs = socket.socketpair()
    popen = subprocess.Popen([sys.executable, "-c", GRADER, str(events_w), json.dumps(steps)],
                             stdin=theirs.fileno(), stdout=output_w, stderr=output_w, pass_fds=(events_w,),
                             start_new_session=True)
    for fd in (events_w, output_w):
        os.close(fd)
    theirs.close()
    return SuiteProcess(popen, ours, events_r, events_w, workdir / "suite.log", output=output_r)
