"""The platform's Dockerfile and compose file, checked without a registry: parsed and linted."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


KNOWN = {"FROM", "RUN", "COPY", "ADD", "ENV", "WORKDIR", "USER", "EXPOSE", "HEALTHCHECK", "CMD", "ENTRYPOINT",
         "ARG", "LABEL", "VOLUME"}


def test_the_platform_dockerfile_is_well_formed_and_runs_as_non_root():
    steps = instructions(ROOT / "Dockerfile")
    assert {word for word, _ in steps} <= KNOWN
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.")
    users = [arg for word, arg in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    copies = [arg for word, arg in steps if word == "COPY"]
    requirements = next(i for i, arg in enumerate(copies) if arg.startswith("requirements.txt"))
    code = next(i for i, arg in enumerate(copies) if arg.startswith("proctor "))
    assert requirements < code, "requirements are copied (and installed) before the code"
    install = next(i for i, (word, arg) in enumerate(steps) if word == "RUN" and "-r requirements.txt" in arg)
    assert install < next(i for i, (word, arg) in enumerate(steps) if word == "COPY" and arg.startswith("proctor "))
    assert ("CMD", '["proctor", "serve"]') in steps


def test_every_copied_path_exists():
    for dockerfile, context in ((ROOT / "Dockerfile", ROOT),
                                (ROOT / "proctor/grading/sandbox/Dockerfile", ROOT / "proctor/grading")):
        for word, arg in instructions(dockerfile):
            if word == "COPY":
                for source in arg.split()[:-1]:
                    assert (context / source).exists(), f"{dockerfile}: COPY {source}"


def test_the_requirements_pin_every_package():
    lines = [line for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines and all("==" in line for line in lines)
    names = {line.split("==")[0].lower() for line in lines}
    assert {"fastapi", "uvicorn", "pytest", "httpx", "docker", "sqlite-utils"} <= names


def test_the_sandbox_image_runs_as_nobody_with_the_pinned_requirements():
    steps = instructions(ROOT / "proctor/grading/sandbox/Dockerfile")
    assert ("USER", "65534:65534") in steps
    assert any(word == "RUN" and "-r /tmp/requirements.txt" in arg for word, arg in steps)


def test_compose_mounts_what_the_docs_say_and_warns_about_the_socket():
    import yaml

    text = (ROOT / "compose.yaml").read_text()
    compose = yaml.safe_load(text)
    # Issue 16: the web node grades nothing, so the Docker socket is mounted only into the scalable workers.
    web, worker, redis = (compose["services"][name] for name in ("proctor", "worker", "redis"))
    assert "/var/run/docker.sock:/var/run/docker.sock" in worker["volumes"]
    assert "/run/proctor:/run/proctor" in worker["volumes"]
    assert not any("docker.sock" in volume for volume in web["volumes"])
    assert web["environment"]["PROCTOR_QUEUE_URL"] == worker["environment"]["PROCTOR_QUEUE_URL"]
    assert worker["command"][:2] == ["proctor", "worker"] and "container_name" not in worker  # --scale works
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert "root on the host" in text
    assert "root on the host" in (ROOT / "docs/deployment.md").read_text()
