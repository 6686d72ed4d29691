"""The Docker sandbox image: Python, uvicorn and the pinned packages of requirements.txt, nothing else.

Two ways to build the same image from the same requirements file:
- online: the Dockerfile beside this module (`FROM python:3.11-slim`), for machines that reach a registry;
- offline: a Debian root filesystem made with debootstrap, a venv pip-installed inside it with chroot, then
  `docker import`, for machines that reach no registry (CI here).
The harness is baked in at /opt/proctor-harness, so a platform running in a container of its own needs no
host path for it. The tag carries a digest of the requirements, the harness and the recipe, so a stale image
is never used by mistake: a change to any of them asks for a rebuild.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from proctor.grading.sandbox.base import HARNESS
from proctor.grading.sandbox.runtime import REQUIREMENTS

HERE = Path(__file__).resolve().parent
DOCKERFILE = HERE / "Dockerfile"
REPOSITORY = "proctor-sandbox"
RECIPE_VERSION = "1"
VENV = "/opt/venv"
HARNESS_DIR = "/opt/proctor-harness"
PYTHON = f"{VENV}/bin/python"
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt",)


def image_tag() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes() + HARNESS.read_bytes() + DOCKERFILE.read_bytes()
                            + RECIPE_VERSION.encode())
    return f"{REPOSITORY}:{digest.hexdigest()[:12]}"


def image_exists(client, tag: str | None = None) -> bool:  # type: ignore[no-untyped-def]
    import docker.errors

    try:
        client.images.get(tag or image_tag())
        return True
    except docker.errors.ImageNotFound:
        return False


def registry_reachable(client) -> bool:  # type: ignore[no-untyped-def]
    """Whether the Dockerfile's base image is present or can be pulled."""
    import docker.errors

    base = DOCKERFILE.read_text().split("FROM", 1)[1].split()[0]
    try:
        client.images.get(base)
        return True
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.pull(base)
        return True
    except docker.errors.DockerException:
        return False


def build(client, *, offline: bool | None = None, log: Callable[[str], None] = print) -> str:  # type: ignore[no-untyped-def]
    """Build the image unless it exists; choose online or offline by itself when `offline` is None."""
    tag = image_tag()
    if image_exists(client, tag):
        log(f"{tag} is already built")
        return tag
    if offline is None:
        offline = not registry_reachable(client)
        log("no registry reachable: building offline from debootstrap" if offline
            else "a registry is reachable: building from the Dockerfile")
    if offline:
        build_offline(tag, log)
    else:
        # The context is grading/, so the Dockerfile can copy both requirements.txt and the harness.
        client.images.build(path=str(HERE.parent), dockerfile=f"{HERE.name}/{DOCKERFILE.name}", tag=tag, rm=True)
    log(f"built {tag}")
    return tag


def _apt_mirror(suite: str = "bookworm") -> str:
    """The Debian mirror this machine's apt uses for `suite` (never a hard-coded host)."""
    sources = [*sorted(Path("/etc/apt/sources.list.d").glob("*")), Path("/etc/apt/sources.list")]
    for source in sources:
        try:
            text = source.read_text()
        except OSError:
            continue
        for block in text.split("\n\n"):  # deb822 stanzas
            fields = dict(line.split(":", 1) for line in block.splitlines() if ":" in line and not line.startswith("#"))
            if suite in fields.get("Suites", "").split() and "main" in fields.get("Components", "").split():
                return fields["URIs"].split()[0]
        for line in text.splitlines():  # one-line format: deb URI SUITE COMPONENTS...
            words = line.split()
            if len(words) >= 4 and words[0] == "deb" and suite in words and "main" in words:
                return next(w for w in words[1:] if "://" in w)
    raise RuntimeError(f"no Debian {suite} mirror found in /etc/apt/sources.list*; cannot build offline")


def build_offline(tag: str, log: Callable[[str], None]) -> None:
    for tool in ("debootstrap", "chroot", "tar"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} is needed to build the sandbox image offline (apt-get install {tool})")
    with tempfile.TemporaryDirectory(prefix="proctor-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        log(f"debootstrap into {root} (about a minute)")
        subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv,ca-certificates",
                        "bookworm", str(root), _apt_mirror()], check=True, stdout=subprocess.DEVNULL)
        cert = _host_ca_bundle()
        if cert:  # PyPI may be reached through a TLS-inspecting proxy only the host's bundle trusts
            shutil.copy(cert, root / "etc/ssl/certs/ca-certificates.crt")
        shutil.copy(REQUIREMENTS, root / "tmp/requirements.txt")
        (root / HARNESS_DIR.lstrip("/")).mkdir(parents=True)
        shutil.copy(HARNESS, root / HARNESS_DIR.lstrip("/") / HARNESS.name)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8"}
        for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):
            if key in os.environ:
                env[key] = os.environ[key]
        log("installing the pinned requirements inside it")
        subprocess.run(["chroot", str(root), "python3", "-m", "venv", VENV], check=True, env=env)
        subprocess.run(["chroot", str(root), f"{VENV}/bin/pip", "install", "--quiet", "--no-cache-dir",
                        "--disable-pip-version-check", "--cert", "/etc/ssl/certs/ca-certificates.crt",
                        "-r", "/tmp/requirements.txt"], check=True, env=env)
        for junk in ("tmp/requirements.txt", "var/cache/apt", "var/lib/apt/lists", "usr/share/doc",
                     "usr/share/man", "usr/share/locale"):
            path = root / junk
            if path.is_dir():
                shutil.rmtree(path)
                path.mkdir()
            elif path.exists():
                path.unlink()
        log(f"docker import as {tag}")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(["docker", "import", "-c", f"ENV PATH={VENV}/bin:/usr/local/bin:/usr/bin:/bin",
                        "-c", "USER 65534:65534", "-c", "WORKDIR /submission", "-", tag],
                       stdin=tar.stdout, check=True, stdout=subprocess.DEVNULL)
        assert tar.stdout
        tar.stdout.close()
        if tar.wait() != 0:
            raise RuntimeError("tar of the root filesystem failed")


def _host_ca_bundle() -> str | None:
    for candidate in (os.environ.get("PIP_CERT"), os.environ.get("SSL_CERT_FILE"), *CA_BUNDLES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None
