"""The pack format, checked statically for every challenge (grading them is tests/test_packs_graded.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from proctor.grading.limits import DEFAULT_LIMITS
from proctor.grading.packs import Catalog, PackError, UnknownChallenge, default_catalog, load_challenge
from proctor.grading.quiz import load_key, load_quiz, quiz_problems
from tests.conftest import SETTINGS

GUIDE = Path(__file__).resolve().parents[2] / "shared" / "fastapi-guide.md"
CHALLENGES = [default_catalog(SETTINGS).get(s) for s in default_catalog(SETTINGS).slugs()]
SLUGS = [c.slug for c in CHALLENGES if c.kind == "http"]
QUIZ_SLUGS = [c.slug for c in CHALLENGES if c.kind == "quiz"]


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


def test_there_are_quizzes():
    assert len(QUIZ_SLUGS) >= 4


@pytest.mark.parametrize("slug", QUIZ_SLUGS)
def test_quiz_pack_is_complete(slug, catalog):
    c = catalog.get(slug)
    assert quiz_problems(c) == []
    assert set(c.sections) <= guide_sections()
    assert re.search(r"[Ss]ection", c.prompt()), "the prompt names its guide section"
    assert c.files == ["answers.json"] and "answers.json" in c.starter_files()
    quiz, key = load_quiz(c), load_key(c)
    assert 6 <= len(quiz.questions) <= 10
    assert all(key.questions[q.id].explanation.strip() for q in quiz.questions), "every answer is explained"
    assert any(q.multiple for q in quiz.questions), "at least one tick-every-right-answer question"
    assert c.reference_files().keys() == {"answers.json"}
    assert len(c.wrong_cases()) >= 2
    assert not c.hidden_tests() and not c.example_tests()


def test_a_quiz_never_ships_its_key_to_the_candidate_side(catalog):
    for slug in QUIZ_SLUGS:
        c = catalog.get(slug)
        public = "\n".join(p.read_text() for p in c.root.rglob("*") if p.is_file())
        assert "correct =" not in public and "explanation =" not in public
        for entry in load_key(c).questions.values():
            assert entry.explanation.strip() not in public


def test_quiz_problems_name_an_unsound_key(tmp_path, catalog):
    import shutil

    source = catalog.get("quiz-http-errors")
    shutil.copytree(source.root, tmp_path / "challenges" / source.slug)
    shutil.copytree(source.grader_root, tmp_path / "graders" / source.slug)
    key = tmp_path / "graders" / source.slug / "key.toml"
    text = key.read_text().replace('[questions.coercion]\ncorrect = ["b"]',
                                   '[questions.coercion]\ncorrect = ["b", "z"]')
    key.write_text(text.replace("[questions.not-found]",
                                "[questions.ghost]\ncorrect = [\"a\"]\n\n[questions.not-found]", 1)
                   .replace('[questions.tuple-return]\ncorrect = ["b"]',
                            '[questions.tuple-return]\ncorrect = ["a", "b"]'))
    problems = quiz_problems(load_challenge(tmp_path / "challenges", tmp_path / "graders", source.slug))
    assert any("coercion" in p and "z" in p for p in problems)
    assert any("tuple-return" in p and "exactly one" in p for p in problems)
    assert any("ghost" in p for p in problems)


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


@pytest.mark.parametrize("slug", [c.slug for c in CHALLENGES])
def test_every_wrong_case_says_why_and_agrees_with_the_golden_verdicts(slug, catalog):
    """Without grading: each case has its why and expect_failing, and they name what golden.json records failing."""
    from proctor.grading.golden import read_golden

    c = catalog.get(slug)
    golden = read_golden(c)
    assert golden is not None, f"no graders/{slug}/golden.json"
    cases = c.wrong_cases()
    assert {f"wrong/{name}" for name in cases} == {label for label in golden if label.startswith("wrong/")}
    for name, case in cases.items():
        assert case.why and case.expect_failing, f"wrong/{name} lacks its why or expect_failing"
        recorded = golden[f"wrong/{name}"]["tests"]
        assert sorted(case.expect_failing) == sorted(t for t, status in recorded.items() if status != "passed"), name
