"""The pack format, checked statically for every challenge (grading them is tests/test_packs_graded.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from proctor.grading.limits import DEFAULT_LIMITS
from proctor.grading.packs import Catalog, PackError, UnknownChallenge, default_catalog, load_challenge

GUIDE = Path(__file__).resolve().parents[2] / "shared" / "fastapi-guide.md"
SLUGS = default_catalog().slugs()


def guide_sections() -> set[int]:
    if not GUIDE.is_file():
        return set(range(1, 27))
    return {int(m) for m in re.findall(r"^#+\s*(\d+)[.)]", GUIDE.read_text(), flags=re.M)} or set(range(1, 27))


def hidden_test_count(path: Path) -> int:
    tree = ast.parse(path.read_text())
    return sum(isinstance(n, ast.FunctionDef) and n.name.startswith("test_") for n in tree.body)


@pytest.mark.parametrize("slug", SLUGS)
def test_pack_is_complete(slug, catalog):
    c = catalog.get(slug)
    assert c.kind == "http"
    assert set(c.sections) <= guide_sections()
    prompt = c.prompt()
    assert "## Interview angle" in prompt
    assert re.search(r"[Ss]ection", prompt), "the prompt names its guide section"
    assert c.starter_files(), "a starter"
    assert 1 <= len(c.example_tests()) <= 3 or sum(map(hidden_test_count, c.example_tests())) <= 3
    assert sum(map(hidden_test_count, c.hidden_tests())) >= 6
    assert c.reference_files()
    assert len(c.wrong_cases()) >= 3
    for name in c.files:
        assert name in c.reference_files() or name in c.given_files()


def test_limits_are_the_documented_defaults():
    assert (DEFAULT_LIMITS.wall_seconds, DEFAULT_LIMITS.test_seconds, DEFAULT_LIMITS.memory_mib,
            DEFAULT_LIMITS.processes, DEFAULT_LIMITS.tmp_mib, DEFAULT_LIMITS.output_bytes,
            DEFAULT_LIMITS.message_bytes) == (20, 5, 512, 64, 64, 1024 * 1024, 4096)


def test_a_challenge_overrides_limits(tmp_path):
    root = tmp_path / "challenges" / "demo"
    root.mkdir(parents=True)
    (root / "challenge.toml").write_text(
        'slug = "demo"\ntitle = "Demo"\nsections = [6]\ndifficulty = "easy"\n[limits]\ntest_seconds = 9\n')
    c = load_challenge(tmp_path / "challenges", tmp_path / "graders", "demo")
    assert c.limits.test_seconds == 9
    assert c.limits.wall_seconds == 20


@pytest.mark.parametrize("toml, error", [
    ('slug = "demo"\ntitle = "D"\nsections = [6]\ndifficulty = "impossible"\n', "difficulty"),
    ('slug = "demo"\ntitle = "D"\nsections = [6]\ndifficulty = "easy"\nkind = "video"\n', "kind"),
    ('slug = "other"\ntitle = "D"\nsections = [6]\ndifficulty = "easy"\n', "does not match"),
    ('slug = "demo"\ntitle = "D"\nsections = [6]\ndifficulty = "easy"\n[limits]\nwall_seconds = -1\n', "greater"),
    ('slug = "demo"\ntitle = \n', "demo/challenge.toml"),
])
def test_bad_packs_are_reported(tmp_path, toml, error):
    root = tmp_path / "challenges" / "demo"
    root.mkdir(parents=True)
    (root / "challenge.toml").write_text(toml)
    catalog = Catalog(tmp_path / "challenges", tmp_path / "graders")
    with pytest.raises(PackError, match=error):
        c = catalog.get("demo")
        _ = c.limits


def test_an_unknown_slug_lists_the_known_ones(catalog):
    with pytest.raises(UnknownChallenge, match="known: .*hello-route"):
        catalog.get("no-such-thing")
