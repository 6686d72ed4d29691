"""A pytest pack's mutants stored as patches against its correct app, with their why in mutants/mutants.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from proctor.grading.mutants import mutant_problems, mutants
from proctor.grading.packs import Challenge, PackError, load_challenge
from proctor.settings import PROJECT_ROOT

SLUG = "write-the-tests"
PATCH = """--- a/app.py
+++ b/app.py
@@ -1,1 +1,1 @@
-{first}
+# a mistake
"""


def pack(tmp_path: Path, files: dict[str, str]) -> Challenge:
    shutil.copytree(PROJECT_ROOT / "challenges" / SLUG, tmp_path / "challenges" / SLUG)
    shutil.copytree(PROJECT_ROOT / "graders" / SLUG / "app", tmp_path / "graders" / SLUG / "app")
    for name, text in files.items():
        path = tmp_path / "graders" / SLUG / "mutants" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_challenge(tmp_path / "challenges", tmp_path / "graders", SLUG)


def first_line() -> str:
    return (PROJECT_ROOT / "graders" / SLUG / "app/app.py").read_text().splitlines()[0]


def test_a_patch_mutant_is_the_app_with_its_one_change(tmp_path: Path) -> None:
    patch = PATCH.format(first=first_line())
    challenge = pack(tmp_path, {f"m{i}.patch": patch for i in range(3)}
                     | {"mutants.toml": "".join(f'[m{i}]\nwhy = "mistake {i}"\n' for i in range(3))})
    found = mutants(challenge)
    assert [(m.name, m.description) for m in found] == [("m0", "mistake 0"), ("m1", "mistake 1"), ("m2", "mistake 2")]
    app = (PROJECT_ROOT / "graders" / SLUG / "app/app.py").read_text()
    assert found[0].files["app.py"].decode() == app.replace(first_line(), "# a mistake", 1)
    assert mutant_problems(challenge) == []


def test_a_patch_that_does_not_apply_is_named(tmp_path: Path) -> None:
    challenge = pack(tmp_path, {"bad.patch": PATCH.format(first="no such line"), "mutants.toml": '[bad]\nwhy = "x"\n'})
    with pytest.raises(PackError, match=r"mutants/bad\.patch"):
        mutants(challenge)
    assert any("mutants/bad.patch" in p for p in mutant_problems(challenge))


def test_each_patch_needs_its_why_and_every_why_its_mutant(tmp_path: Path) -> None:
    patch = PATCH.format(first=first_line())
    challenge = pack(tmp_path, {"a.patch": patch, "b.patch": patch, "c.patch": patch,
                                "mutants.toml": '[a]\nwhy = "one"\n[b]\nwhy = "two"\n[gone]\nwhy = "three"\n'})
    problems = mutant_problems(challenge)
    assert "[c] in mutants/mutants.toml must give one line saying the mistake in words" in problems
    assert "mutants/mutants.toml describes gone, which is no mutant in mutants/" in problems


def test_a_folder_and_a_patch_of_one_name_are_refused(tmp_path: Path) -> None:
    challenge = pack(tmp_path, {"a.patch": PATCH.format(first=first_line()), "a/app.py": "x", "a/why.txt": "y"})
    with pytest.raises(PackError, match="two mutants of one name"):
        mutants(challenge)
