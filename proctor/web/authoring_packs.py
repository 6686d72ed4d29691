"""Turning the authoring form into a pack (the same files as challenges/ and graders/ on disk), and back.

    files = pack_files(form)                 # {"challenges/<slug>/challenge.toml": ..., "graders/<slug>/...": ...}

One form per kind (docs/challenge-format.md): `http` (candidates write the app; hidden tests grade it), `pytest`
(candidates write the tests; the pack's mutants grade them) and `quiz` (questions and a key, as TOML). `static`
is not offered: its checks are platform code (grading/dockerfile_checks.py), not something a form can hold.
"""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from dataclasses import dataclass, field

from proctor.web.authoring_quiz import quiz_sections, quiz_text_problems, reference_answers
from proctor.web.deps import whole_number

WRONG_CASES = 3
MUTANTS = 8  # slots on the form; mutant_problems asks for at least 3
DESCRIPTION_CHARS = 200
DIFFICULTIES = ("easy", "medium", "hard")
KINDS = {"http": "Write the app: your hidden tests grade it",
         "pytest": "Write the tests: your mutants grade them",
         "quiz": "Quiz: choice and ordering questions"}
SUBMITTED = {"http": "app.py", "pytest": "test_app.py", "quiz": "answers.json"}
PYTEST_LIMITS = "\n[limits]\nwall_seconds = 15\ntest_seconds = 3\n"  # as challenges/write-the-tests: 1 + N apps

HTTP_TESTS = ("import pytest\n\n\n@pytest.mark.points(1)\n"
              "@pytest.mark.feedback(\"GET / should answer 200.\")\n"
              "def test_root(client):\n    \"\"\"GET / answers.\"\"\"\n"
              "    assert client.get(\"/\").status_code == 200\n")
QUIZ_TEMPLATE = '''[[questions]]
id = "status-for-bad-body"
sections = [8]
text = "A request body fails validation. What does FastAPI answer?"
choices = [
  { id = "a", text = "400" },
  { id = "b", text = "422" },
]
'''
KEY_TEMPLATE = '''[questions.status-for-bad-body]
correct = ["b"]
explanation = "Request validation fails before the endpoint runs: 422 Unprocessable Entity."
'''
DEFAULTS = {
    "http": {"prompt": "# Title\n\nDescribe the HTTP contract exactly.\n",
             "starter": "from fastapi import FastAPI\n\napp = FastAPI()\n", "tests": HTTP_TESTS},
    "pytest": {"prompt": "# Title\n\nDescribe the app's contract exactly: the candidate's tests may rely on every "
                         "word. Their tests take the `client` fixture (an httpx client bound to the app).\n",
               "starter": "def test_root(client):\n    assert client.get(\"/\").status_code == 200\n",
               "app": "from fastapi import FastAPI\n\napp = FastAPI()\n"},
    "quiz": {"prompt": "# Title\n\nAnswer every question.\n", "quiz": QUIZ_TEMPLATE, "key": KEY_TEMPLATE},
}


@dataclass
class Mutant:
    why: str = ""  # one line in words, shown to the candidate when the mutant survives
    code: str = ""


@dataclass
class PackForm:
    slug: str = ""
    title: str = ""
    difficulty: str = "easy"
    minutes: str = "15"
    prompt: str = DEFAULTS["http"]["prompt"]
    starter: str = DEFAULTS["http"]["starter"]  # http: app.py; pytest: test_app.py
    examples: str = ""  # http only
    tests: str = HTTP_TESTS  # http: the hidden tests
    reference: str = ""  # http: the app; pytest: a suite that kills every mutant
    wrong: list[str] = field(default_factory=lambda: [""] * WRONG_CASES)  # http: apps; pytest: weaker suites
    kind: str = "http"
    app: str = ""  # pytest: the correct app
    mutants: list[Mutant] = field(default_factory=lambda: [Mutant() for _ in range(MUTANTS)])
    quiz: str = ""  # quiz: quiz.toml
    key: str = ""  # quiz: key.toml


def new_form(kind: str) -> PackForm:
    kind = kind if kind in KINDS else "http"
    form = PackForm(kind=kind, tests="", starter="")
    for name, value in DEFAULTS[kind].items():
        setattr(form, name, value)
    return form


def toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (both escape quotes, backslashes and control characters).
    return json.dumps(value)


def pack_files(form: PackForm) -> dict[str, str]:
    c, g = f"challenges/{form.slug}", f"graders/{form.slug}"
    sections = quiz_sections(form.quiz) if form.kind == "quiz" else [1]
    toml = (f"slug = {toml_string(form.slug)}\ntitle = {toml_string(form.title)}\nsections = {sections}\n"
            f"difficulty = {toml_string(form.difficulty)}\nkind = {toml_string(form.kind)}\n"
            f"files = [{toml_string(SUBMITTED[form.kind])}]\n"
            f"minutes = {whole_number(form.minutes, maximum=24 * 60) or 15}\nsummary = \"\"\n")
    files = {f"{c}/prompt.md": form.prompt}
    if form.kind == "quiz":
        files |= {f"{c}/quiz.toml": form.quiz, f"{g}/key.toml": form.key, f"{c}/starter/answers.json": "{}\n",
                  f"{g}/reference/answers.json": reference_answers(form.quiz, form.key)}
    elif form.kind == "pytest":
        toml += PYTEST_LIMITS
        files |= {f"{c}/starter/test_app.py": form.starter, f"{g}/reference/test_app.py": form.reference,
                  f"{g}/app/app.py": form.app}
        for i, mutant in enumerate(form.mutants, 1):
            if mutant.code.strip() or mutant.why.strip():
                files[f"{g}/mutants/mutant-{i}/app.py"] = mutant.code
                files[f"{g}/mutants/mutant-{i}/why.txt"] = mutant.why.strip() + "\n"
    else:
        files |= {f"{c}/starter/app.py": form.starter, f"{g}/test_hidden.py": form.tests,
                  f"{g}/reference/app.py": form.reference}
        if form.examples.strip():
            files[f"{c}/examples/test_examples.py"] = form.examples
    for i, code in enumerate(form.wrong, 1):
        if code.strip() and form.kind != "quiz":
            files[f"{g}/wrong/case-{i}/{SUBMITTED[form.kind]}"] = code
    return {f"{c}/challenge.toml": toml, **files}


def form_of(slug: str, files: dict[str, str]) -> PackForm:
    c, g = f"challenges/{slug}", f"graders/{slug}"
    toml = files.get(f"{c}/challenge.toml", "")
    meta = tomllib.loads(toml) if toml else {}
    kind = meta.get("kind", "http")
    name = SUBMITTED.get(kind, "app.py")
    mutants = [Mutant(files.get(f"{g}/mutants/mutant-{i}/why.txt", "").strip(),
                      files.get(f"{g}/mutants/mutant-{i}/app.py", "")) for i in range(1, MUTANTS + 1)]
    return PackForm(slug, meta.get("title", ""), meta.get("difficulty", "easy"), str(meta.get("minutes", 15)),
                    files.get(f"{c}/prompt.md", ""), files.get(f"{c}/starter/{name}", ""),
                    files.get(f"{c}/examples/test_examples.py", ""), files.get(f"{g}/test_hidden.py", ""),
                    files.get(f"{g}/reference/{name}", ""),
                    [files.get(f"{g}/wrong/case-{i}/{name}", "") for i in range(1, WRONG_CASES + 1)],
                    kind=kind, app=files.get(f"{g}/app/app.py", ""), mutants=mutants,
                    quiz=files.get(f"{c}/quiz.toml", ""), key=files.get(f"{g}/key.toml", ""))


def kind_problems(form: PackForm) -> list[str]:
    """What the form of this kind is missing, as sentences (the queued check then grades the pack)."""
    if form.kind == "http":
        return [] if form.reference.strip() else ["Write a reference solution."]
    if form.kind == "quiz":
        return quiz_text_problems(form.quiz, form.key)
    problems = []
    if not form.app.strip():
        problems.append("Write the correct app (the one the contract describes).")
    if not form.reference.strip():
        problems.append("Write a reference test suite: it must catch every mutant.")
    given = [(i, m) for i, m in enumerate(form.mutants, 1) if m.code.strip() or m.why.strip()]
    for i, mutant in given:
        if not mutant.code.strip():
            problems.append(f"Mutant {i} has a description but no code.")
        if not mutant.why.strip() or "\n" in mutant.why.strip() or len(mutant.why) > DESCRIPTION_CHARS:
            problems.append(f"Mutant {i} needs a one-line description of its mistake, at most "
                            f"{DESCRIPTION_CHARS} characters (e.g. “a missing 404 for unknown ids”).")
    if len(given) < 3:
        problems.append(f"Write at least 3 mutants (you have {len(given)}): copies of the app with one mistake each.")
    return problems


def zip_pack(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(path, files[path])
    return out.getvalue()
