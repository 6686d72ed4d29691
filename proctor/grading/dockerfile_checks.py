"""Static checks of a submitted Dockerfile, read with dockerfile-parse and never run.

    findings = check_dockerfile(dockerfile_bytes, dockerignore_bytes_or_None)
    findings["slim-base"]  # Finding(passed=False, note="FROM python:latest")

Each check answers pass or fail with a short `note` on what it saw (the candidate's own text, never the
pack's). The points and the authored messages live in the pack (graders/<slug>/checks.toml,
grading/static_checks.py). Instruction values come from dockerfile-parse, words from its WordSplitter or from
shlex (for RUN, which is shell), JSON from json: no regexes over Dockerfile text.
"""

from __future__ import annotations

import fnmatch
import io
import json
import shlex
from dataclasses import dataclass, field

from dockerfile_parse import DockerfileParser
from dockerfile_parse.util import WordSplitter, extract_key_values

CHECKS = ("slim-base", "layer-cache", "pip-no-cache", "non-root-user", "exec-cmd", "no-secrets", "narrow-context")
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "KEY")
ROOT_USERS = {"root", "0"}
CODE_FILE = "main.py"
REQUIREMENTS = "requirements.txt"
PYTHON_REPOSITORIES = ("python", "library/python", "docker.io/library/python")
NEVER_SENT = (".git", ".venv")
SHELL_SEPARATORS = {"&&", "||", ";", "|", "&"}


@dataclass
class Finding:
    passed: bool
    note: str = ""


@dataclass
class Instruction:
    name: str  # upper-case: FROM, RUN, COPY...
    value: str
    line: int  # 1-based


@dataclass
class Stage:
    base: str  # the image or earlier stage named by FROM
    alias: str = ""
    instructions: list[Instruction] = field(default_factory=list)


class Unparsable(ValueError):
    """A Dockerfile the checks cannot read at all; the message says why, for the candidate."""


def parse(dockerfile: bytes) -> list[Stage]:
    """The stages of a Dockerfile, each with its instructions (ARGs before the first FROM are dropped)."""
    try:
        text = dockerfile.decode("utf-8")
    except UnicodeDecodeError:
        raise Unparsable("Dockerfile is not UTF-8 text.") from None
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8")))
    stages: list[Stage] = []
    for item in parser.structure:
        instruction = Instruction(item["instruction"].upper(), item["value"].strip(), item["startline"] + 1)
        if instruction.name == "FROM":
            words = _words(instruction.value)
            words = [w for w in words if not w.startswith("--")]  # --platform=...
            if not words:
                raise Unparsable(f"line {instruction.line}: FROM names no image.")
            alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else ""
            stages.append(Stage(base=words[0], alias=alias))
        elif stages:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise Unparsable("Dockerfile has no FROM instruction.")
    return stages


def _words(value: str) -> list[str]:
    return [w for w in WordSplitter(value).split() if w]


def _exec_form(value: str) -> list[str] | None:
    """The JSON array of an exec-form instruction, or None for the shell form."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    if isinstance(parsed, list) and parsed and all(isinstance(w, str) for w in parsed):
        return parsed
    return None


def _shell_commands(value: str) -> list[list[str]]:
    """A RUN value as simple commands (split at &&, ||, ;, |), each a list of words."""
    words = _exec_form(value)
    if words is None:
        lexer = shlex.shlex(value, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            words = list(lexer)
        except ValueError:  # an unclosed quote: read what can be read
            words = value.split()
    commands: list[list[str]] = [[]]
    for word in words:
        if word in SHELL_SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(word)
    return [c for c in commands if c]


def _pip_install(command: list[str]) -> list[str] | None:
    """The arguments after `install` when the command is pip install (pip, pip3, python -m pip), else None."""
    for i, word in enumerate(command):
        name = word.rsplit("/", 1)[-1]
        is_pip = name.startswith("pip") and name.rstrip("0123456789.") == "pip"
        is_module = word == "-m" and i + 1 < len(command) and command[i + 1] == "pip"
        if is_pip or is_module:
            rest = command[i + (2 if is_module else 1):]
            return rest[1:] if rest[:1] == ["install"] else None
    return None


def _copy_sources(instruction: Instruction) -> tuple[list[str], bool]:
    """(sources, from another stage) of a COPY or ADD."""
    words = _exec_form(instruction.value) or _words(instruction.value)
    flags = [w for w in words if w.startswith("--")]
    args = [w for w in words if not w.startswith("--")]
    return args[:-1], any(f.startswith("--from") for f in flags)


def _normal(source: str) -> str:
    parts = [p for p in source.split("/") if p not in ("", ".")]
    return "/".join(parts)


def _is_wide(source: str) -> bool:
    """Whether a COPY source takes .git or .venv along (the whole context, or a pattern matching them)."""
    top = _normal(source).split("/", 1)[0]
    return top == "" or top == ".." or any(fnmatch.fnmatchcase(name, top) for name in NEVER_SENT)


def _copies_code(sources: list[str]) -> bool:
    return any(_is_wide(s) or fnmatch.fnmatchcase(CODE_FILE, _normal(s)) or _normal(s) == CODE_FILE
               for s in sources)


def _repository_tag(base: str) -> tuple[str, str]:
    image = base.partition("@")[0]
    if ":" in image.rsplit("/", 1)[-1]:
        repo, _, tag = image.rpartition(":")
        return repo.lower(), tag
    return image.lower(), ""


def check_slim_base(stages: list[Stage]) -> Finding:
    names = {s.alias.lower() for s in stages if s.alias}
    for stage in stages:
        if stage.base.lower() in names:
            continue
        repo, tag = _repository_tag(stage.base)
        if repo not in PYTHON_REPOSITORIES:
            return Finding(False, f"FROM {stage.base}")
        version, _, variant = tag.partition("-")
        pieces = version.split(".")
        pinned = len(pieces) >= 2 and pieces[0] == "3" and all(p.isdigit() for p in pieces)
        if not pinned or "slim" not in variant.split("-"):
            return Finding(False, f"FROM {stage.base}")
    return Finding(True)


def check_layer_cache(stages: list[Stage]) -> Finding:
    for stage in stages:
        copied_requirements = code_before = False
        for instruction in stage.instructions:
            if instruction.name in ("COPY", "ADD"):
                sources, _ = _copy_sources(instruction)
                if _copies_code(sources):
                    code_before = True
                elif any(_normal(s).rsplit("/", 1)[-1] == REQUIREMENTS for s in sources):
                    copied_requirements = True
            elif instruction.name == "RUN":
                for command in _shell_commands(instruction.value):
                    args = _pip_install(command)
                    if args is not None and any(a.endswith(REQUIREMENTS) for a in args):
                        if code_before:
                            return Finding(False, f"line {instruction.line}: the code is copied before this install")
                        if copied_requirements:
                            return Finding(True)
    return Finding(False, "no `pip install -r requirements.txt` after copying requirements.txt alone")


def check_pip_no_cache(stages: list[Stage]) -> Finding:
    installs = 0
    for stage in stages:
        env_off = any(k == "PIP_NO_CACHE_DIR" and v.lower() in ("1", "true", "yes", "on", "off", "0", "false")
                      for i in stage.instructions if i.name == "ENV" for k, v in _key_values(i.value))
        for instruction in stage.instructions:
            if instruction.name != "RUN":
                continue
            for command in _shell_commands(instruction.value):
                args = _pip_install(command)
                if args is None:
                    continue
                installs += 1
                if "--no-cache-dir" not in args and not env_off:
                    return Finding(False, f"line {instruction.line}: pip install without --no-cache-dir")
    return Finding(installs > 0, "" if installs else "no pip install")


def check_non_root_user(stages: list[Stage]) -> Finding:
    users = [i for i in stages[-1].instructions if i.name == "USER"]
    if not users:
        return Finding(False, "no USER in the final stage")
    user = users[-1].value.split(":", 1)[0].strip()
    if not user or user.lower() in ROOT_USERS:
        return Finding(False, f"line {users[-1].line}: USER {users[-1].value}")
    return Finding(True)


def check_exec_cmd(stages: list[Stage]) -> Finding:
    final = stages[-1].instructions
    cmds = [i for i in final if i.name == "CMD"]
    entrypoints = [i for i in final if i.name == "ENTRYPOINT"]
    if not cmds and not entrypoints:
        return Finding(False, "no CMD in the final stage")
    words: list[str] = []
    for instruction in ([entrypoints[-1]] if entrypoints else []) + ([cmds[-1]] if cmds else []):
        form = _exec_form(instruction.value)
        if form is None:
            return Finding(False, f"line {instruction.line}: {instruction.name} in shell form")
        words += form
    start = 3 if words[1:3] == ["-m", "uvicorn"] else 1 if words[:1] == ["uvicorn"] else -1
    if start < 0:
        return Finding(False, "the command does not run uvicorn")
    options = _options(words[start:])
    if options.get("--host") != "0.0.0.0" or options.get("--port") != "8000":
        host, port = options.get("--host", "(none)"), options.get("--port", "(none)")
        return Finding(False, f"uvicorn --host {host} --port {port}")
    if "main:app" not in words[start:]:
        return Finding(False, "uvicorn is not given main:app")
    return Finding(True)


def _options(words: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, word in enumerate(words):
        if "=" in word and word.startswith("--"):
            name, _, value = word.partition("=")
            found[name] = value
        elif word.startswith("--") and i + 1 < len(words):
            found[word] = words[i + 1]
    return found


def _key_values(value: str) -> list[tuple[str, str]]:
    try:
        return list(extract_key_values(env_replace=False, args={}, envs={}, instruction_value=value))
    except ValueError:
        return []


def check_no_secrets(stages: list[Stage]) -> Finding:
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.name not in ("ENV", "ARG"):
                continue
            for key, value in _key_values(instruction.value):
                secret = any(word in key.upper() for word in SECRET_WORDS)
                if secret and value and not value.startswith("$"):
                    return Finding(False, f"line {instruction.line}: {instruction.name} {key} has a literal value")
    return Finding(True)


def check_narrow_context(stages: list[Stage], dockerignore: bytes | None) -> Finding:
    if dockerignore is not None and _ignores_all(dockerignore):
        return Finding(True)
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.name in ("COPY", "ADD"):
                sources, other_stage = _copy_sources(instruction)
                wide = [s for s in sources if _is_wide(s)]
                if wide and not other_stage:
                    return Finding(False, f"line {instruction.line}: {instruction.name} {wide[0]} sends .git and .venv")
    return Finding(True)


def _ignores_all(dockerignore: bytes) -> bool:
    from docker.utils.build import PatternMatcher

    lines = dockerignore.decode("utf-8", "replace").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    matcher = PatternMatcher(patterns)
    return all(matcher.matches(name) for name in NEVER_SENT)


def check_dockerfile(dockerfile: bytes, dockerignore: bytes | None) -> dict[str, Finding]:
    """Every check's finding; raises Unparsable for a Dockerfile with no stage at all."""
    stages = parse(dockerfile)
    return {
        "slim-base": check_slim_base(stages),
        "layer-cache": check_layer_cache(stages),
        "pip-no-cache": check_pip_no_cache(stages),
        "non-root-user": check_non_root_user(stages),
        "exec-cmd": check_exec_cmd(stages),
        "no-secrets": check_no_secrets(stages),
        "narrow-context": check_narrow_context(stages, dockerignore),
    }


def build_refusal(stages: list[Stage]) -> str | None:
    """Why this Dockerfile may not be built here, or None. Only the offline Python base and earlier stages
    may be named: anything else would read images of this host (say, the platform's own)."""
    seen: set[str] = set()
    for index, stage in enumerate(stages):
        if "$" in stage.base:
            return f"FROM {stage.base}: the base image must be written out, not taken from an ARG"
        if stage.base.lower() not in seen and _repository_tag(stage.base)[0] not in PYTHON_REPOSITORIES:
            return f"FROM {stage.base}: builds here start from a python image (or an earlier stage) only"
        for instruction in stage.instructions:
            if instruction.name == "LABEL" and any(k.lower().startswith("proctor")
                                                   for k, _ in _key_values(instruction.value)):
                return f"line {instruction.line}: labels named proctor… are the platform's own"
            if instruction.name not in ("COPY", "ADD"):
                continue
            words = _exec_form(instruction.value) or _words(instruction.value)
            for flag in words:
                if flag.startswith("--from"):
                    source = flag.partition("=")[2].lower()
                    if source not in seen and not (source.isdigit() and int(source) < index):
                        return f"line {instruction.line}: COPY {flag} may name only an earlier stage"
        seen.add(str(index))
        if stage.alias:
            seen.add(stage.alias.lower())
    return None
