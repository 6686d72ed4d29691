"""The Docker backend: one locked-down container per run, through the Docker SDK.

Containers cannot inherit descriptors, so the harness creates the app's socket itself in a small directory
shared with the host, and status and control travel as files there. By default that directory is a per-run
tmpfs volume capped at 1 MiB (the app cannot fill a host disk through it); a platform running in a container
of its own sets PROCTOR_DOCKER_SOCKET_ROOT to a tmpfs mounted at the same path on the host and in its
container (docs/deployment.md). Output comes from the container's log stream. Two pump threads turn output
and status into pipes, so the engine supervises a container exactly like a local sandbox.

The app can rewrite that directory at any time, so nothing in it is trusted: status is read without
following links, and once the app is ready its socket is pinned by an O_PATH descriptor, which the grader receives
and connects through, so a link planted later cannot redirect the grader. (uvicorn makes the socket 0666, so a grader of
another uid may connect.)
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path

from proctor.grading.sandbox import image
from proctor.grading.sandbox.base import HARNESS, SANDBOX_ENV, SandboxProcess, SandboxSpec

LABEL = "proctor"
LABEL_VALUE = "sandbox"
SHARED = "/run/proctor"
STATUS_FILE = "status.jsonl"
CONTROL_FILE = "go.json"
MAX_STATUS_BYTES = 64 * 1024


@lru_cache(maxsize=1)
def _client():  # type: ignore[no-untyped-def]
    """One client per process: each holds a connection pool, shared by every backend instance and thread."""
    import docker

    return docker.from_env(timeout=30)


class DockerSandbox:
    name = "docker"
    isolates = True
    needs_runtime = False  # the image carries its own Python

    def __init__(self, socket_root: Path | None = None) -> None:
        self._client = None
        self.socket_root = socket_root

    @property
    def client(self):  # type: ignore[no-untyped-def]
        if self._client is None:
            self._client = _client()
        return self._client

    def available(self) -> str | None:
        try:
            import docker  # noqa: F401
        except ImportError:
            return "the docker package is not installed"
        try:
            self.client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means the engine is out of reach
            return f"the Docker engine is unreachable ({exc.__class__.__name__}); start dockerd or set DOCKER_HOST"
        if not image.image_exists(self.client):
            return f"the sandbox image {image.image_tag()} is missing; build it with `proctor sandbox build-image`"
        return None

    def start(self, spec: SandboxSpec) -> SandboxProcess:
        from docker.types import Mount, Ulimit

        limits = spec.limits
        name = f"proctor-{spec.run_id}-{uuid.uuid4().hex[:6]}"
        shared_mount, volume, shared = self._shared_dir(name, spec)
        rlimits = {"cpu": int(limits.wall_seconds) + 1}
        command = [image.PYTHON, "-I", "-B", "-u", f"{image.HARNESS_DIR}/{HARNESS.name}",
                   "--uds", f"{SHARED}/app.sock", "--status-file", f"{SHARED}/{STATUS_FILE}",
                   "--control-file", f"{SHARED}/{CONTROL_FILE}", "--rlimits", json.dumps(rlimits),
                   "--run-id", spec.run_id, *(["--warm-up"] if spec.prestart else [])]
        try:
            container = self.client.containers.create(
                image.image_tag(), command=command, detach=True, user=f"{spec.uid}:{spec.gid}",
                network_mode="none", read_only=True, ipc_mode="private",
                tmpfs={"/tmp": f"size={limits.tmp_mib}m,mode=1777"},
                cap_drop=["ALL"], security_opt=["no-new-privileges"],
                pids_limit=limits.processes, mem_limit=limits.memory_mib * 2**20,
                memswap_limit=limits.memory_mib * 2**20, nano_cpus=int(limits.cpus * 1e9),
                ulimits=[Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
                         Ulimit(name="fsize", soft=limits.tmp_mib * 2**20, hard=limits.tmp_mib * 2**20),
                         Ulimit(name="core", soft=0, hard=0)],
                environment=dict(SANDBOX_ENV), working_dir="/submission",
                mounts=[Mount("/submission", str(spec.src_dir), type="bind", read_only=True), shared_mount],
                labels={LABEL: LABEL_VALUE, "proctor.run": spec.run_id},
            )
            container.start()
        except Exception:
            if volume is not None:
                _remove_quietly(volume)
            raise
        if volume is not None:
            shared = Path(self.client.api.inspect_volume(volume.name)["Mountpoint"])
        return ContainerProcess(container, volume, shared, spec.socket_path)

    def _shared_dir(self, name: str, spec: SandboxSpec):  # type: ignore[no-untyped-def]
        """(mount, volume or None, host path or None): where the harness puts its socket and status."""
        from docker.types import Mount

        if self.socket_root is not None:
            shared = self.socket_root / name
            shared.mkdir(mode=0o700)
            if os.geteuid() == 0:
                os.chown(shared, spec.uid, spec.gid)
            else:  # a non-root platform cannot give it away; the tmpfs it lives on is the operator's cap
                shared.chmod(0o777)
            return Mount(SHARED, str(shared), type="bind"), None, shared
        volume = self.client.volumes.create(
            name=name, driver="local",
            driver_opts={"type": "tmpfs", "device": "tmpfs", "o": f"size=1m,uid={spec.uid},gid={spec.gid},mode=0700"},
            labels={LABEL: LABEL_VALUE, "proctor.run": spec.run_id},
        )
        return Mount(SHARED, volume.name, type="volume"), volume, None


class ContainerProcess(SandboxProcess):
    backend = "docker"

    def __init__(self, container, volume, shared: Path, socket_path: Path | None) -> None:  # type: ignore[no-untyped-def]
        self.container = container
        self.volume = volume
        self.shared = shared
        self.socket_path = socket_path
        self.pinned: int | None = None
        self.exit_code: int | None = None
        self.oom = False
        self._closed = False
        self.output, self._output_w = os.pipe()
        self.status, self._status_w = os.pipe()
        self._stop = threading.Event()
        threading.Thread(target=self._pump_output, daemon=True).start()
        threading.Thread(target=self._pump_status, daemon=True).start()

    def _pump_output(self) -> None:
        stream = None
        try:
            stream = self.container.logs(stream=True, follow=True, stdout=True, stderr=True)
            for chunk in stream:
                os.write(self._output_w, chunk)
        except Exception:  # noqa: BLE001 - the container was removed, or the engine went away
            pass
        finally:
            if stream is not None:
                _close_stream(stream)
        try:
            state = self.container.wait(timeout=10)
            self.container.reload()
            self.oom = bool(self.container.attrs["State"].get("OOMKilled"))
            code = int(state.get("StatusCode", -1))
        except Exception:  # noqa: BLE001
            code = -9
        os.close(self._output_w)
        self.exit_code = code  # last: poll() must not report the exit before the OOM flag is known

    def _pump_status(self) -> None:
        """Forward new lines of the status file; read without following links, capped."""
        offset = 0
        path = self.shared / STATUS_FILE
        while not self._stop.is_set() and offset < MAX_STATUS_BYTES:
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
                continue
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    os.lseek(fd, offset, os.SEEK_SET)
                    data = os.read(fd, MAX_STATUS_BYTES - offset)
                    complete = data[: data.rfind(b"\n") + 1]
                    if complete:
                        os.write(self._status_w, complete)
                        offset += len(complete)
            finally:
                os.close(fd)
            time.sleep(0.005)
        os.close(self._status_w)

    def send_go(self, module: str, attr: str) -> None:
        line = json.dumps({"module": module, "attr": attr, "dir": "/submission"}) + "\n"
        temporary = f".{CONTROL_FILE}.{uuid.uuid4().hex[:8]}"
        dir_fd = os.open(self.shared, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
            with os.fdopen(fd, "w") as f:
                f.write(line)
            # rename never follows a link the app may have planted under the final name
            os.rename(temporary, CONTROL_FILE, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        finally:
            os.close(dir_fd)

    def poll(self) -> int | None:
        return self.exit_code

    def serving(self) -> bool:
        return os.path.lexists(self.shared / "app.sock")

    def seal(self) -> str | None:
        """Pin the app's socket by descriptor (never following a link), and point the grader's path at it."""
        try:
            fd = os.open(self.shared / "app.sock", os.O_PATH | os.O_NOFOLLOW)
        except FileNotFoundError:
            return "The app reported it was ready, but it serves no socket."
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            os.close(fd)
            return "The app replaced its socket with something else; it cannot be graded."
        self.pinned = fd
        if self.socket_path is not None:
            _link_socket(self.socket_path, Path(f"/proc/{os.getpid()}/fd/{fd}"))
        return None

    def oom_killed(self) -> bool:
        return self.oom

    def kill(self) -> None:
        try:
            self.container.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass

    def _remove(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001 - gc at the next start catches what this misses
            pass
        if self.volume is not None:
            _remove_quietly(self.volume)
        else:
            shutil.rmtree(self.shared, ignore_errors=True)  # never follows the links the app may have made

    def destroy(self) -> None:
        """Kill now; remove the container and its directory in the background, off the result's path."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self.kill()  # nothing runs past this line; what follows only frees the engine's records of it
        threading.Thread(target=self._remove, daemon=False).start()
        for fd in (self.output, self.status, self.pinned):
            if fd is None:
                continue
            try:
                os.close(fd)
            except OSError:
                pass


def _close_stream(stream) -> None:  # type: ignore[no-untyped-def]
    """Close a docker-py log stream and its connection: left to the collector, its socket leaks."""
    response = stream._response
    connection = getattr(response.raw, "_connection", None)
    stream.close()
    response.close()
    if connection is not None:
        connection.close()


def _link_socket(listen_path: Path, target: Path) -> None:
    """Point the job's socket path (ours, in a directory the app never sees) at the pinned socket."""
    try:
        listen_path.unlink()
    except FileNotFoundError:
        pass
    listen_path.symlink_to(target)


def _remove_quietly(volume) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        try:
            volume.remove(force=True)
            return
        except Exception:  # noqa: BLE001 - busy until its container is gone
            time.sleep(0.05)


def collect_garbage(client=None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Remove every Proctor container and volume left behind (say, by a crashed server). Returns the counts."""
    client = client or _client()
    # sparse: no inspect per container, which would fail for one removed meanwhile
    containers = client.containers.list(all=True, sparse=True, filters={"label": f"{LABEL}={LABEL_VALUE}"})
    for container in containers:
        try:
            container.remove(force=True)
        except Exception:  # noqa: BLE001
            pass
    volumes = client.volumes.list(filters={"label": f"{LABEL}={LABEL_VALUE}"})
    for volume in volumes:
        _remove_quietly(volume)
    return len(containers), len(volumes)
