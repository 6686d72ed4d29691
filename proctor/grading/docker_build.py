"""Build a submitted Dockerfile and start the image, offline and within limits, leaving nothing behind.

    outcome = build_and_run(stages, dockerfile, files, settings=settings)
    outcome.build.passed, outcome.run.passed, outcome.log

A Dockerfile is hostile input. What keeps it in bounds (docs/security.md):
- the context is an in-memory tar of the challenge's given files and the submission, regular files only, so no
  COPY can reach a host path or follow a link; `.dockerignore` is applied to it as the Docker CLI would;
- the Dockerfile built is written afresh from the instructions dockerfile-parse read, so the builder cannot
  see an instruction the checks did not (a parser directive or a continuation read differently);
- every FROM is rewritten to the offline base (the sandbox image's Python, run as root like python:3.x-slim);
  other images and COPY --from an image are refused before building, so a build cannot read this host's images;
- the build has no network, a memory and CPU cap, a largest-file limit, and a time limit (the connection is
  closed at the deadline, which makes the engine kill the step); the image has a size cap;
- the container runs read-only, all capabilities dropped, on an internal network of its own (no route out)
  shared only with a trusted probe container from the sandbox image, which asks GET /health at the app's
  address: the answer never passes through anything the candidate's image controls, and an app bound to
  127.0.0.1 fails as it would in production;
- a `LABEL proctor.run=<id>` after every FROM marks each layer and container of the build; they are removed
  by that label when the build ends, and `collect_build_garbage` removes any a crash left behind.
"""

from __future__ import annotations

import io
import json
import socket
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from proctor.grading.dockerfile_checks import Stage, build_refusal
from proctor.grading.sandbox import docker as docker_backend
from proctor.grading.sandbox import image
from proctor.settings import Settings

LABEL = docker_backend.LABEL  # "proctor", as for sandbox containers; the value tells the two apart
BUILD_VALUE = "dockerfile"
BASE_VALUE = "dockerfile-base"
RUN_LABEL = "proctor.run"
BASE_REPOSITORY = "proctor-dockerfile-base"
BUILD_REPOSITORY = "proctor-dockerfile"
BASE_PATH = "/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LOG_BYTES = 64 * 1024
APP_PORT = 8000
_base_lock = threading.Lock()

PROBE = """
import http.client, json, sys, time
address, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
last = "nothing answered on port 8000"
while time.monotonic() < deadline:
    try:
        c = http.client.HTTPConnection(address, 8000, timeout=3)
        c.request("GET", "/health")
        r = c.getresponse()
        print(json.dumps({"status": r.status, "body": r.read(2048).decode("utf-8", "replace")}))
        sys.exit(0)
    except (OSError, http.client.HTTPException) as exc:
        last = f"{exc.__class__.__name__}: {exc}"
        time.sleep(0.3)
print(json.dumps({"error": last}))
"""


@dataclass
class Step:
    """Build or run: passed, or why not. `ran` is False when the step never started."""

    passed: bool = False
    ran: bool = False
    note: str = ""


@dataclass
class BuildOutcome:
    build: Step = field(default_factory=Step)
    run: Step = field(default_factory=Step)
    log: str = ""
    run_id: str = ""


def client_or_reason(settings: Settings) -> tuple[Any, str]:
    """(a Docker client, "") when builds are enabled and the engine answers, else (None, why not)."""
    if settings.dockerfile_build == "off":
        return None, "Dockerfile builds are switched off on this platform (PROCTOR_DOCKERFILE_BUILD=off)."
    try:
        client = docker_backend._client()
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the engine is out of reach
        return None, f"no Docker engine is reachable ({exc.__class__.__name__})."
    if not image.image_exists(client):
        return None, f"the offline base ({image.image_tag()}) is not built on this engine."
    return client, ""


def base_tag() -> str:
    return f"{BASE_REPOSITORY}:{image.image_tag().split(':', 1)[1]}"


def ensure_base(client: Any) -> str:
    """The offline base: the sandbox image's Python, as root with sbin on PATH like python:3.x-slim."""
    tag = base_tag()
    with _base_lock:
        if not image.image_exists(client, tag):
            recipe = f"FROM {image.image_tag()}\nUSER root\nENV PATH={BASE_PATH}\nWORKDIR /\n"
            client.images.build(fileobj=io.BytesIO(recipe.encode()), tag=tag, rm=True, forcerm=True,
                                network_mode="none", labels={LABEL: BASE_VALUE})
    return tag


def rewrite(structure: list[dict[str, Any]], stages: list[Stage], base: str, run_id: str) -> str:
    """The Dockerfile as built, written afresh from the parsed instructions, one a line: Docker sees exactly
    the instructions the checks saw (no parser directive, comment or continuation of the candidate's survives
    to be read differently), each FROM of an image names the offline base, and a label follows every FROM."""
    lines, seen, froms = [], set(), iter(stages)
    for item in structure:
        name = item["instruction"].upper()
        if name == "COMMENT":  # dockerfile-parse lists comments (and parser directives) as instructions
            continue
        if name != "FROM":
            lines.append(f"{name} {item['value'].strip()}")
            continue
        stage = next(froms)
        image_name = stage.base if stage.base.lower() in seen else base
        lines.append(f"FROM {image_name}" + (f" AS {stage.alias}" if stage.alias else ""))
        lines.append(f'LABEL {LABEL}="{BUILD_VALUE}" {RUN_LABEL}="{run_id}"')
        if stage.alias:
            seen.add(stage.alias.lower())
    return "\n".join(lines) + "\n"


def context_tar(files: dict[str, bytes], dockerfile: str) -> bytes:
    """Regular files only, written from memory: nothing in it can point outside it."""
    from docker.utils.build import PatternMatcher

    ignore = files.get(".dockerignore", b"").decode("utf-8", "replace").splitlines()
    matcher = PatternMatcher([p.strip() for p in ignore if p.strip() and not p.lstrip().startswith("#")])
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, data in sorted({**files, "Dockerfile": dockerfile.encode()}.items()):
            if name not in ("Dockerfile", ".dockerignore") and matcher.matches(name):
                continue
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def build_and_run(stages: list[Stage], structure: list[dict[str, Any]], files: dict[str, bytes], *, client: Any,
                  settings: Settings) -> BuildOutcome:
    outcome = BuildOutcome(run_id=uuid.uuid4().hex[:12])
    refusal = build_refusal(stages) or unsafe_to_rewrite(structure)
    if refusal:
        outcome.build = Step(ran=False, note=f"Not built: {refusal}.")
        outcome.run.note = "Not run: the image was not built."
        return outcome
    log = _Log()
    try:
        base = ensure_base(client)
        text = rewrite(structure, stages, base, outcome.run_id)
        tag = f"{BUILD_REPOSITORY}:{outcome.run_id}"
        outcome.build = _build(client, context_tar(files, text), tag, outcome.run_id, settings, log)
        if outcome.build.passed:
            outcome.run = _run(client, tag, outcome.run_id, settings, log)
        else:
            outcome.run.note = "Not run: the image did not build."
    finally:
        remove_build(client, outcome.run_id)
        outcome.log = log.text()
    return outcome


def unsafe_to_rewrite(structure: list[dict[str, Any]]) -> str | None:
    """A value that could join the next line when written one a line (ending in the escape character) or
    span lines: written afresh it could read differently, so it is not built."""
    for item in structure:
        value = item["value"].strip()
        if value.endswith("\\") or "\n" in value or "\r" in value:
            return f"line {item['startline'] + 1}: an instruction that ends in a backslash cannot be built here"
    return None


class _Log:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def add(self, text: str) -> None:
        room = LOG_BYTES - self.size
        if room <= 0:
            self.truncated = True
            return
        self.parts.append(text[:room])
        self.size += min(len(text), room)

    def text(self) -> str:
        return "".join(self.parts) + ("\n[build output truncated]\n" if self.truncated else "")


def _build(client: Any, context: bytes, tag: str, run_id: str, settings: Settings, log: _Log) -> Step:
    api = client.api
    memory = settings.dockerfile_build_memory_mib * 2**20
    file_bytes = settings.dockerfile_file_mib * 2**20
    params = {
        "t": tag, "q": False, "nocache": True, "rm": True, "forcerm": True, "pull": False, "networkmode": "none",
        "memory": memory, "memswap": memory, "cpuperiod": 100000, "cpuquota": 100000,
        "labels": json.dumps({LABEL: BUILD_VALUE, RUN_LABEL: run_id}),
        "ulimits": json.dumps([{"Name": "fsize", "Soft": file_bytes, "Hard": file_bytes},
                               {"Name": "nofile", "Soft": 1024, "Hard": 1024}]),
    }
    timed_out = threading.Event()
    response = api._post(api._url("/build"), data=context, params=params, stream=True,
                         headers={"Content-Type": "application/tar"}, timeout=settings.dockerfile_build_seconds + 30)

    def stop() -> None:
        timed_out.set()
        # Closing the response alone does not wake the read blocked in the other thread (it would wait for the read
        # timeout, 30 s past the limit): shut the socket down under it. The engine sees the client go, cancels the
        # build and kills the running step.
        sock = getattr(getattr(response.raw, "connection", None), "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        response.close()

    timer = threading.Timer(settings.dockerfile_build_seconds, stop)
    timer.start()
    error = ""
    try:
        for chunk in api._stream_helper(response, decode=True):
            if "stream" in chunk:
                log.add(str(chunk["stream"]))
            if "error" in chunk:
                error = str(chunk["error"]).strip()
                log.add(error + "\n")
    except Exception:  # the connection closed at the deadline, or the engine went away
        if not timed_out.is_set():
            raise
    finally:
        timer.cancel()
        response.close()
    if timed_out.is_set():
        return Step(ran=True, note=f"The build took longer than {settings.dockerfile_build_seconds} s and was stopped.")
    if error:
        return Step(ran=True, note=f"The build failed: {error[:500]}")
    try:
        size = client.images.get(tag).attrs["Size"]
    except Exception:  # noqa: BLE001
        return Step(ran=True, note="The build ended without an image.")
    if size > settings.dockerfile_image_mib * 2**20:
        return Step(ran=True, note=f"The image is {size // 2**20} MiB, "
                                   f"over the {settings.dockerfile_image_mib} MiB cap.")
    return Step(passed=True, ran=True, note=f"Built ({size // 2**20} MiB).")


def _run(client: Any, tag: str, run_id: str, settings: Settings, log: _Log) -> Step:
    labels = {LABEL: BUILD_VALUE, RUN_LABEL: run_id}
    locked = {"cap_drop": ["ALL"], "security_opt": ["no-new-privileges"], "read_only": True, "labels": labels,
              "tmpfs": {"/tmp": "size=64m,mode=1777"}, "pids_limit": 64, "mem_limit": 512 * 2**20,
              "memswap_limit": 512 * 2**20, "nano_cpus": 10**9, "detach": True}
    # internal: no route out of it; only the app and the probe are on it, so binding 127.0.0.1 shows
    network = client.networks.create(f"{BUILD_REPOSITORY}-{run_id}", driver="bridge", internal=True, labels=labels)
    app = client.containers.create(tag, network=network.name, **locked)
    app.start()
    app.reload()
    address = app.attrs["NetworkSettings"]["Networks"].get(network.name, {}).get("IPAddress", "")
    probe = client.containers.create(image.image_tag(), command=[image.PYTHON, "-I", "-c", PROBE, address,
                                                                 str(settings.dockerfile_run_seconds)],
                                     network=network.name, user="65534:65534", **locked)
    probe.start()
    try:
        probe.wait(timeout=settings.dockerfile_run_seconds + 30)
        answer = probe.logs(stdout=True, stderr=False).decode("utf-8", "replace").strip().splitlines()
    except Exception:  # noqa: BLE001 - the probe outlived its own deadline
        answer = []
    app.reload()
    log.add("\n--- container output ---\n" + app.logs(tail=200).decode("utf-8", "replace"))
    try:
        reply = json.loads(answer[-1]) if answer else {"error": "the probe gave no answer"}
    except ValueError:
        reply = {"error": "the probe gave no answer"}
    if "status" in reply:
        if reply["status"] == 200:
            return Step(passed=True, ran=True, note="GET /health answered 200.")
        return Step(ran=True, note=f"GET /health answered {reply['status']}, not 200.")
    if app.status != "running":
        code = app.attrs.get("State", {}).get("ExitCode")
        return Step(ran=True, note=f"The container exited (code {code}) before answering GET /health "
                                   f"on port {APP_PORT}.")
    return Step(ran=True, note=f"Nothing answered GET /health on port {APP_PORT} within "
                               f"{settings.dockerfile_run_seconds} s ({reply.get('error', '')[:200]}).")


def remove_build(client: Any, run_id: str) -> None:
    """Remove this build's containers, then its images newest first (each layer is a cached image)."""
    selector = {"label": f"{RUN_LABEL}={run_id}"}
    for container in client.containers.list(all=True, sparse=True, filters=selector):
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
    _remove_images(client, client.images.list(all=True, filters=selector))
    for network in client.networks.list(filters=selector):
        try:
            network.remove()
        except Exception:  # noqa: BLE001
            pass


def _remove_images(client: Any, images: list[Any]) -> None:
    for _ in range(3):  # a layer is removable once its children are gone
        left = []
        for found in sorted(images, key=lambda i: i.attrs.get("Created", ""), reverse=True):
            try:
                client.images.remove(found.id, force=True)
            except Exception:  # noqa: BLE001
                left.append(found)
        if not left:
            return
        images = left
        time.sleep(0.2)


def collect_build_garbage_if_enabled(settings: Settings) -> tuple[int, int]:
    """At start-up: what a crashed server's builds left, when builds are on and the engine answers."""
    client, _ = client_or_reason(settings)
    return collect_build_garbage(client) if client is not None else (0, 0)


def collect_build_garbage(client: Any = None) -> tuple[int, int]:
    """Remove every build container and image left behind (say, by a crashed server). Returns the counts."""
    client = client or docker_backend._client()
    selector = {"label": f"{LABEL}={BUILD_VALUE}"}
    containers = client.containers.list(all=True, sparse=True, filters=selector)
    for container in containers:
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001
            pass
    images = client.images.list(all=True, filters=selector)
    _remove_images(client, images)
    for network in client.networks.list(filters=selector):
        try:
            network.remove()
        except Exception:  # noqa: BLE001
            pass
    return len(containers), len(images)
