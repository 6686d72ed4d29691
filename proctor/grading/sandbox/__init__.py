"""Sandbox backends behind one interface: bwrap (default), process (isolates nothing), docker (production)."""

from __future__ import annotations

from pathlib import Path

from proctor.grading.sandbox.base import Sandbox, SandboxProcess, SandboxSpec, SandboxUnavailable

__all__ = ["Sandbox", "SandboxProcess", "SandboxSpec", "SandboxUnavailable", "get_backend", "BACKENDS"]

BACKENDS = ("bwrap", "process", "docker")


def get_backend(name: str, *, docker_socket_root: Path | None = None) -> Sandbox:
    """The backend called `name`, if it can run here; SandboxUnavailable says why not.

    `docker_socket_root` is Settings.docker_socket_root, passed in: the caller's settings, never the global."""
    if name == "bwrap":
        from proctor.grading.sandbox.bwrap import BwrapSandbox

        backend: Sandbox = BwrapSandbox()
    elif name == "process":
        from proctor.grading.sandbox.process import ProcessSandbox

        backend = ProcessSandbox()
    elif name == "docker":
        from proctor.grading.sandbox.docker import DockerSandbox

        backend = DockerSandbox(socket_root=docker_socket_root)
    else:
        raise SandboxUnavailable(f"unknown sandbox {name!r}; choose one of {', '.join(BACKENDS)}")
    problem = backend.available()
    if problem:
        raise SandboxUnavailable(f"{name}: {problem}")
    return backend


def choose_backend(requested: str, *, local_single_user: bool, allow_process: bool,
                   docker_socket_root: Path | None) -> tuple[Sandbox, str | None]:
    """Resolve 'auto' (bwrap, else process only for a local single user or an operator's opt-in).

    Returns the backend and a warning to show, if any.
    """
    if requested != "auto":
        backend = get_backend(requested, docker_socket_root=docker_socket_root)
        warning = None if backend.isolates else _process_warning()
        return backend, warning
    try:
        return get_backend("bwrap"), None
    except SandboxUnavailable as exc:
        if local_single_user or allow_process:
            return get_backend("process"), f"{exc}. Falling back: {_process_warning()}"
        raise SandboxUnavailable(
            f"{exc}. Refusing to grade without isolation: install bubblewrap, or set "
            "PROCTOR_ALLOW_PROCESS_SANDBOX=true if this server serves only you"
        ) from None


def _process_warning() -> str:
    from proctor.grading.sandbox.process import WARNING

    return WARNING
