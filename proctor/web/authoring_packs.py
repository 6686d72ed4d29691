"""Turning the authoring form into a pack (the same files as challenges/ and graders/ on disk), and back.

    files = pack_files(form)                 # {"challenges/<slug>/challenge.toml": ..., "graders/<slug>/...": ...}
"""

from __future__ import annotations

import io
import tomllib
import json
import zipfile
from dataclasses import dataclass, field

from proctor.web.deps import whole_number

WRONG_CASES = 3
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass
class PackForm:
    slug: str = ""
    title: str = ""
    difficulty: str = "easy"
    minutes: str = "15"
    prompt: str = "# Title\n\nDescribe the HTTP contract exactly.\n"
    starter: str = "from fastapi import FastAPI\n\napp = FastAPI()\n"
    examples: str = ""
    tests: str = ("import pytest\n\n\n@pytest.mark.points(1)\n"
                  "@pytest.mark.feedback(\"GET / should answer 200.\")\n"
                  "def test_root(client):\n    \"\"\"GET / answers.\"\"\"\n"
                  "    assert client.get(\"/\").status_code == 200\n")
    reference: str = ""
    wrong: list[str] = field(default_factory=lambda: [""] * WRONG_CASES)


def toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (both escape quotes, backslashes and control characters).
    return json.dumps(value)


def pack_files(form: PackForm) -> dict[str, str]:
    c, g = f"challenges/{form.slug}", f"graders/{form.slug}"
    toml = (f"slug = {toml_string(form.slug)}\ntitle = {toml_string(form.title)}\nsections = [1]\n"
            f"difficulty = {toml_string(form.difficulty)}\nkind = \"http\"\nfiles = [\"app.py\"]\n"
            f"minutes = {whole_number(form.minutes, maximum=24 * 60) or 15}\nsummary = \"\"\n")
    files = {f"{c}/challenge.toml": toml, f"{c}/prompt.md": form.prompt, f"{c}/starter/app.py": form.starter,
             f"{g}/test_hidden.py": form.tests, f"{g}/reference/app.py": form.reference}
    if form.examples.strip():
        files[f"{c}/examples/test_examples.py"] = form.examples
    for i, code in enumerate(form.wrong, 1):
        if code.strip():
            files[f"{g}/wrong/case-{i}/app.py"] = code
    return files


def form_of(slug: str, files: dict[str, str]) -> PackForm:
    c, g = f"challenges/{slug}", f"graders/{slug}"
    toml = files.get(f"{c}/challenge.toml", "")

    meta = tomllib.loads(toml) if toml else {}
    return PackForm(slug, meta.get("title", ""), meta.get("difficulty", "easy"), str(meta.get("minutes", 15)),
                    files.get(f"{c}/prompt.md", ""), files.get(f"{c}/starter/app.py", ""),
                    files.get(f"{c}/examples/test_examples.py", ""), files.get(f"{g}/test_hidden.py", ""),
                    files.get(f"{g}/reference/app.py", ""),
                    [files.get(f"{g}/wrong/case-{i}/app.py", "") for i in range(1, WRONG_CASES + 1)])


def zip_pack(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(path, files[path])
    return out.getvalue()

