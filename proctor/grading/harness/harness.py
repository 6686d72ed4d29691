"""Serve a submitted ASGI app on an inherited listening socket. Runs inside the sandbox.

This file imports nothing of the platform: it is copied or bind-mounted into sandboxes on its own.
It is trusted only to start the app; nothing it reports can raise a score, because the hidden tests run
elsewhere and judge the app by its HTTP answers alone.

Protocol (file descriptors given on the command line, or files where descriptors cannot be passed, as into a
container):
- status (--status-fd or --status-file): JSON lines {"state": "warm"}, then {"state": "ready"} or
  {"state": "error", "reason": ..., "detail": ...};
- control (--control-fd or --control-file): one JSON line {"module", "attr", "dir"} telling it what to serve.
  Until it arrives the harness waits with uvicorn and FastAPI already imported, so a sandbox can be started
  before its submission exists;
- the app is served on an inherited listening socket (--listen-fd) or on a Unix socket it creates (--uds).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import MutableMapping
from typing import Any

RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
    "data": resource.RLIMIT_DATA,
}
MAX_DETAIL = 8000


def apply_rlimits(limits: dict[str, int]) -> None:
    for name, value in limits.items():
        if name == "nproc_extra":
            # RLIMIT_NPROC counts every process of this uid on the host, so allow for those already running.
            value += _processes_of_uid(os.getuid())
            name = "nproc"
            which = resource.RLIMIT_NPROC
        else:
            which = RLIMITS[name]
        hard = resource.getrlimit(which)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))


def _processes_of_uid(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


class Status:
    def __init__(self, fd: int) -> None:
        self.fd = fd

    @classmethod
    def open(cls, fd: int | None, path: str | None) -> Status:
        if fd is not None:
            return cls(fd)
        assert path is not None, "the engine passes a status fd or a path"
        return cls(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600))

    def send(self, **message: object) -> None:
        try:
            os.write(self.fd, (json.dumps(message) + "\n").encode())
        except OSError:
            pass

    def fail(self, reason: str, detail: str, code: int = 3) -> None:
        self.send(state="error", reason=reason, detail=detail[-MAX_DETAIL:])
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def describe_import_error(exc: BaseException, app_dir: str) -> str:
    """The candidate's traceback: their frames and the libraries', without the harness's or importlib's."""
    if isinstance(exc, SyntaxError):
        text = "".join(traceback.format_exception_only(type(exc), exc))
    else:
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__)
            if f.filename != __file__ and not f.filename.startswith("<frozen importlib")
            and not f.filename.endswith("importlib/__init__.py")
        ]
        text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
        text += "".join(traceback.format_exception_only(type(exc), exc))
    return text.replace(app_dir.rstrip("/") + "/", "")


def load_app(module_name: str, attr: str, app_dir: str, status: Status) -> object:
    os.chdir(app_dir)
    sys.path.insert(0, app_dir)
    try:
        module = importlib.import_module(module_name)
    except SystemExit as exc:
        status.fail("exited", f"Your code called exit ({exc.code!r}) while {module_name}.py was being imported.")
    except MemoryError as exc:
        status.fail("memory", describe_import_error(exc, app_dir))
    except BaseException as exc:  # noqa: BLE001 - anything the candidate's module raises is reported to them
        status.fail("import_error", describe_import_error(exc, app_dir))
    app = getattr(module, attr, None)
    if app is None:
        status.fail("no_app", f"{module_name}.py defines no `{attr}`. Create it with `{attr} = FastAPI()`.")
    if not callable(app):
        status.fail("no_app",
                    f"`{attr}` in {module_name}.py is a {type(app).__name__}, not an ASGI app such as FastAPI().")
    return app


def read_control(fd: int | None, path: str | None) -> bytes:
    if fd is not None:  # byte by byte, leaving the pipe open: its end of file later means the engine is gone
        line = bytearray()
        while not line.endswith(b"\n"):
            byte = os.read(fd, 1)
            if not byte:
                break
            line += byte
        return bytes(line)
    assert path is not None, "the engine passes a control fd or a path"
    while True:  # the engine writes the file whole, then renames it into place
        try:
            with open(path, "rb") as control:
                return bytes(control.readline())
        except FileNotFoundError:
            time.sleep(0.002)


def warm_up(full: bool) -> None:
    """Do, before the submission arrives, the first-time work every app pays: imports, uvicorn's protocol
    modules and, when there is time (`full`, a pooled sandbox), one request through a throwaway FastAPI app of
    our own (never the candidate's). A cold start skips that: the app's first request pays it anyway."""
    import fastapi
    import uvicorn
    import uvicorn.lifespan.on
    import uvicorn.protocols.http.h11_impl  # noqa: F401

    for optional in ("uvloop", "httptools", "uvicorn.protocols.http.auto", "uvicorn.protocols.http.httptools_impl",
                     "uvicorn.protocols.websockets.auto", "uvicorn.loops.auto", "uvicorn.loops.uvloop"):
        try:
            importlib.import_module(optional)
        except ImportError:
            pass
    if not full:
        return
    app = fastapi.FastAPI()

    @app.get("/warm/{name}")
    def warm(name: str, q: int = 0) -> dict[str, object]:
        return {"name": name, "q": q}

    async def call() -> None:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": "/warm/x", "raw_path": b"/warm/x", "query_string": b"q=1",
                 "root_path": "", "headers": [(b"host", b"warm")], "client": None, "server": None}

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            pass

        await app(scope, receive, send)

    asyncio.run(call())


def exit_when_engine_goes(fd: int | None) -> None:
    """If the engine dies, nothing should keep serving: its end of the control pipe closing ends the sandbox."""
    if fd is None:
        return

    def on_readable() -> None:
        try:
            if not os.read(fd, 1):
                os._exit(0)
        except OSError:
            os._exit(0)

    asyncio.get_running_loop().add_reader(fd, on_readable)


async def serve(app: Any, listen_fd: int | None, uds: str | None, status: Status, control_fd: int | None) -> None:
    import uvicorn

    exit_when_engine_goes(control_fd)

    where = {"fd": listen_fd} if listen_fd is not None else {"uds": uds}
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="auto",
                            timeout_graceful_shutdown=1, **where)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            break
        await asyncio.sleep(0.002)
    if server.started:
        status.send(state="ready")
        await task
    else:
        exc = task.exception() if not task.cancelled() else None
        detail = ("".join(traceback.format_exception(exc)) if exc
                  else "Your app's startup (lifespan) failed; see the output.")
        status.fail("startup_failed", detail)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen-fd", type=int)
    parser.add_argument("--uds")
    parser.add_argument("--control-fd", type=int)
    parser.add_argument("--control-file")
    parser.add_argument("--status-fd", type=int)
    parser.add_argument("--status-file")
    parser.add_argument("--rlimits", default="{}")
    parser.add_argument("--run-id", default="", help="names the run in process listings; nothing else")
    parser.add_argument("--warm-up", action="store_true", help="started ahead of its submission: warm up fully")
    args = parser.parse_args()
    apply_rlimits(json.loads(args.rlimits))
    status = Status.open(args.status_fd, args.status_file)
    try:
        warm_up(full=args.warm_up)
    except ImportError as exc:
        status.fail("infra", f"the sandbox runtime is broken: {exc}", code=4)
    status.send(state="warm")
    line = read_control(args.control_fd, args.control_file)
    if not line:
        os._exit(0)
    job = json.loads(line)
    app = load_app(job["module"], job["attr"], job["dir"], status)
    asyncio.run(serve(app, args.listen_fd, args.uds, status, args.control_fd))
    # uvicorn returned: the app asked to exit (e.g. sys.exit in a handler) or the loop stopped.
    os._exit(0)


if __name__ == "__main__":
    main()
