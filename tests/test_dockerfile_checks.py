"""The static checks of a submitted Dockerfile (grading/dockerfile_checks.py): each passes and fails."""

from __future__ import annotations

import pytest

from proctor.grading.dockerfile_checks import Unparsable, build_refusal, check_dockerfile, parse

GOOD = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
RUN useradd --create-home app
COPY main.py .
USER app
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
"""
IGNORE = b".git\n.venv\n"


def findings(dockerfile: str, dockerignore: bytes | None = IGNORE) -> dict[str, tuple[bool, str]]:
    return {name: (f.passed, f.note) for name, f in check_dockerfile(dockerfile.encode(), dockerignore).items()}


def failing(dockerfile: str, dockerignore: bytes | None = IGNORE) -> dict[str, str]:
    return {name: note for name, (passed, note) in findings(dockerfile, dockerignore).items() if not passed}


def test_a_good_dockerfile_passes_every_check():
    assert failing(GOOD) == {}


@pytest.mark.parametrize("base", ["python:latest", "python", "python:3-slim", "python:3.11", "ubuntu:24.04",
                                  "python:3.11-alpine", "python:slim"])
def test_the_base_must_be_a_pinned_slim_python(base):
    assert failing(GOOD.replace("python:3.11-slim", base)) == {"slim-base": f"FROM {base}"}


@pytest.mark.parametrize("base", ["python:3.12-slim", "python:3.11.9-slim-bookworm",
                                  "docker.io/library/python:3.11-slim",
                                  "python:3.11-slim@sha256:abc"])
def test_longer_pins_of_a_slim_python_pass(base):
    assert failing(GOOD.replace("python:3.11-slim", base)) == {}


def test_a_multi_stage_build_may_start_from_an_earlier_stage():
    text = GOOD.replace("FROM python:3.11-slim", "FROM python:3.11-slim AS base\nFROM base")
    assert failing(text) == {}
    assert build_refusal(parse(text.encode())) is None


def test_copying_the_code_before_installing_breaks_the_layer_cache():
    text = GOOD.replace("COPY requirements.txt .", "COPY . .").replace("COPY main.py .\n", "")
    assert set(failing(text, IGNORE)) == {"layer-cache"}
    text = GOOD.replace("COPY requirements.txt .", "COPY main.py requirements.txt ./").replace("COPY main.py .\n", "")
    assert set(failing(text)) == {"layer-cache"}


def test_installing_without_copying_the_requirements_first_fails_the_layer_check():
    assert set(failing(GOOD.replace("COPY requirements.txt .\n", ""))) == {"layer-cache"}


@pytest.mark.parametrize("run", ["pip install -r requirements.txt", "python -m pip install -r requirements.txt",
                                 "pip3 install -U pip && pip install --no-cache-dir -r requirements.txt"])
def test_every_pip_install_needs_no_cache_dir(run):
    text = GOOD.replace("pip install --no-cache-dir -r requirements.txt", run)
    assert set(failing(text)) == {"pip-no-cache"}


def test_pip_no_cache_dir_in_env_and_the_exec_form_pass():
    text = GOOD.replace("RUN pip install --no-cache-dir -r requirements.txt",
                        'ENV PIP_NO_CACHE_DIR=1\nRUN ["pip", "install", "-r", "requirements.txt"]')
    assert failing(text) == {}


@pytest.mark.parametrize("user", [None, "root", "0", "0:0", "root:root"])
def test_the_final_stage_needs_a_non_root_user(user):
    text = GOOD.replace("USER app", f"USER {user}" if user else "")
    assert set(failing(text)) == {"non-root-user"}


def test_a_user_only_in_an_earlier_stage_does_not_count():
    text = GOOD.replace("USER app\n", "").replace("FROM python:3.11-slim",
                                                  "FROM python:3.11-slim AS b\nUSER app\nFROM b")
    assert set(failing(text)) == {"non-root-user"}


@pytest.mark.parametrize("cmd", [
    "CMD uvicorn main:app --host 0.0.0.0 --port 8000",
    'CMD ["uvicorn", "main:app", "--host", "127.0.0.1", "--port", "8000"]',
    'CMD ["uvicorn", "main:app", "--port", "8000"]',
    'CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "80"]',
    'CMD ["gunicorn", "main:app"]',
    'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
    "",
])
def test_the_command_is_exec_form_uvicorn_on_all_interfaces_port_8000(cmd):
    text = GOOD.replace('CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]', cmd)
    assert set(failing(text)) == {"exec-cmd"}


@pytest.mark.parametrize("cmd", [
    'CMD ["python", "-m", "uvicorn", "main:app", "--host=0.0.0.0", "--port=8000"]',
    'ENTRYPOINT ["uvicorn"]\nCMD ["main:app", "--host", "0.0.0.0", "--port", "8000"]',
])
def test_other_exec_forms_of_the_same_command_pass(cmd):
    text = GOOD.replace('CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]', cmd)
    assert failing(text) == {}


@pytest.mark.parametrize("line", ["ENV API_KEY=sk-live-1", "ENV DB_PASSWORD hunter2", "ARG GITHUB_TOKEN=ghp_x",
                                  'ENV A=1 JWT_SECRET="two words"', "ENV secret_key=x"])
def test_secrets_with_literal_values_fail(line):
    notes = failing(GOOD.replace("WORKDIR /app", f"WORKDIR /app\n{line}"))
    assert set(notes) == {"no-secrets"}
    assert "has a literal value" in notes["no-secrets"] and "hunter2" not in notes["no-secrets"]


@pytest.mark.parametrize("line", ["ARG API_TOKEN", "ENV API_KEY=$API_KEY", "ENV PYTHONUNBUFFERED=1"])
def test_secrets_without_a_value_pass(line):
    assert failing(GOOD.replace("WORKDIR /app", f"WORKDIR /app\n{line}")) == {}


def test_the_context_needs_a_dockerignore_or_narrow_copies():
    wide = GOOD.replace("COPY main.py .", "COPY . .")
    assert failing(GOOD, None) == {}  # every COPY names a file
    assert set(failing(wide, None)) == {"narrow-context"}
    assert set(failing(wide, b".git\n")) == {"narrow-context"}  # .venv is still sent
    assert failing(wide, b"# comment\n**/.git\n.venv\n") == {}
    assert set(failing(GOOD.replace("COPY main.py .", "COPY * ./"), b"")) == {"narrow-context"}
    assert set(failing(GOOD.replace("COPY main.py .", "ADD ./ /app/"), None)) == {"narrow-context"}


def test_unreadable_dockerfiles_raise_unparsable():
    with pytest.raises(Unparsable, match="no FROM"):
        check_dockerfile(b"RUN echo hi\n", None)
    with pytest.raises(Unparsable, match="UTF-8"):
        check_dockerfile(b"FROM python:3.11-slim\n\xff\n", None)


@pytest.mark.parametrize("text, reason", [
    ("FROM proctor-sandbox:latest\n", "python image"),
    ("ARG B=python:3.11-slim\nFROM $B\n", "ARG"),
    ("FROM python:3.11-slim\nCOPY --from=proctor-web:latest /app /x\n", "earlier stage"),
    ("FROM python:3.11-slim AS a\nCOPY --from=1 /x /y\nFROM python:3.11-slim\n", "earlier stage"),
    ("FROM python:3.11-slim\nLABEL proctor.run=mine\n", "platform's own"),
])
def test_builds_may_not_name_other_images_or_the_platform_labels(text, reason):
    refusal = build_refusal(parse(text.encode()))
    assert refusal is not None and reason in refusal


def test_copy_from_an_earlier_stage_may_be_built():
    text = ("FROM python:3.11-slim AS build\nRUN true\nFROM python:3.11-slim\n"
            "COPY --from=build /x /y\nCOPY --from=0 /x /z\n")
    assert build_refusal(parse(text.encode())) is None


def built_text(text: str) -> str | None:
    """What the builder would be given, or None when the Dockerfile is refused before building."""
    import io

    from dockerfile_parse import DockerfileParser

    from proctor.grading.docker_build import rewrite, unsafe_to_rewrite

    stages = parse(text.encode())
    structure = DockerfileParser(fileobj=io.BytesIO(text.encode())).structure
    if build_refusal(stages) or unsafe_to_rewrite(structure):
        return None
    return rewrite(structure, stages, "BASE", "RUNID")


def test_the_built_dockerfile_is_written_afresh_with_the_base_and_a_label_after_every_from():
    text = ("# a comment\nFROM python:3.11-slim AS build\nRUN pip install \\\n  --no-cache-dir x\n"
            "FROM build\nCMD [\"x\"]\n")
    assert built_text(text) == (
        'FROM BASE AS build\nLABEL proctor="dockerfile" proctor.run="RUNID"\nRUN pip install   --no-cache-dir x\n'
        'FROM build\nLABEL proctor="dockerfile" proctor.run="RUNID"\nCMD ["x"]\n')


@pytest.mark.parametrize("text", [
    # a parser directive that changes the escape character: Docker would read the last line as a FROM
    "# escape=`\nFROM python:3.11-slim\nRUN echo \\\nFROM proctor-sandbox:latest\n",
    # a stage named after a host image, used before it is defined
    "FROM postgres\nFROM python:3.11-slim AS postgres\n",
])
def test_dockerfiles_that_could_name_a_host_image_are_not_built(text):
    assert built_text(text) is None


@pytest.mark.parametrize("text", [
    "FROM python:3.11-slim\nRUN echo \\ \nFROM proctor-sandbox:latest\n",
    "FROM python:3.11-slim\nRUN echo \\\n# c\nFROM proctor-sandbox:latest\n",
    "FROM python:3.11-slim\r\nRUN echo \\\r\nFROM proctor-sandbox:latest\r\n",
    "FROM python:3.11-slim\nRUN echo hi \\\\\nFROM proctor-sandbox:latest\n",
])
def test_continuations_never_let_a_host_image_through(text):
    """Whatever a continuation does, every FROM the builder sees is one the rewrite wrote."""
    built = built_text(text)
    if built is not None:
        froms = [line for line in built.splitlines() if line.split(" ", 1)[0].upper() == "FROM"]
        assert froms == ["FROM BASE"]


def test_the_build_context_holds_regular_files_only_and_honours_dockerignore():
    import io
    import tarfile

    from proctor.grading.docker_build import context_tar

    files = {"main.py": b"x", "requirements.txt": b"fastapi\n", "notes/secret.txt": b"s", ".dockerignore": b"notes\n"}
    with tarfile.open(fileobj=io.BytesIO(context_tar(files, "FROM BASE\n"))) as tar:
        members = tar.getmembers()
        assert sorted(m.name for m in members) == [".dockerignore", "Dockerfile", "main.py", "requirements.txt"]
        assert all(m.isreg() and m.mode == 0o644 for m in members)
        assert tar.extractfile("Dockerfile").read() == b"FROM BASE\n"
