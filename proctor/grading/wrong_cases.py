"""A pack's wrong cases: realistic mistakes, each with the hidden tests that must catch it.

    graders/<slug>/wrong/
      cases.toml         [<case>] why = "...", expect_failing = ["test_..."] for every case below
      <case>.patch       a small mistake: a unified diff against reference/
      <case>/            a genuine rewrite: the whole submission

docs/challenge-format.md documents the format; `proctor challenges validate` checks that each case fails exactly
its `expect_failing` tests.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from proctor.grading.patches import PatchError, apply_patch

CASES_FILE = "cases.toml"
PATCH_SUFFIX = ".patch"


class WrongCaseError(ValueError):
    """A wrong/ folder that cannot be read: a patch that does not apply, a case without its expectations."""


class CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    why: str = Field(min_length=1)
    expect_failing: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class WrongCase:
    name: str
    files: dict[str, bytes]
    why: str = ""
    # The hidden tests (question ids, checks, mutants) it must fail, and no others. None: not declared, as in
    # a pack authored in the browser, which is then only required to score below 100.
    expect_failing: tuple[str, ...] | None = None
    patch: bool = False


def read_specs(path: Path) -> dict[str, CaseSpec]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WrongCaseError(f"wrong/{CASES_FILE}: {exc}") from exc
    specs: dict[str, CaseSpec] = {}
    for name, table in data.items():
        try:
            specs[name] = CaseSpec.model_validate(table)
        except ValidationError as exc:
            errors = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'the entry'}: {e['msg']}" for e in exc.errors())
            raise WrongCaseError(f"wrong/{CASES_FILE} [{name}]: {errors}") from None
    return specs


def load_wrong_cases(wrong: Path, reference: dict[str, bytes],
                     read_tree: Callable[[Path], dict[str, bytes]]) -> dict[str, WrongCase]:
    """Every case under `wrong`, by name, with patches applied to `reference`; WrongCaseError for a broken one."""
    if not wrong.is_dir():
        return {}
    folders: dict[str, Path] = {}
    patches: dict[str, Path] = {}
    for entry in sorted(wrong.iterdir()):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            folders[entry.name] = entry
        elif entry.name.endswith(PATCH_SUFFIX):
            patches[entry.name.removesuffix(PATCH_SUFFIX)] = entry
        elif entry.name != CASES_FILE:
            raise WrongCaseError(f"wrong/{entry.name}: not a case (a folder or a .patch) nor {CASES_FILE}")
    both = sorted(folders.keys() & patches.keys())
    if both:
        raise WrongCaseError(f"wrong/{both[0]}/ and wrong/{both[0]}{PATCH_SUFFIX} are two cases of one name")
    specs = read_specs(wrong / CASES_FILE) if (wrong / CASES_FILE).is_file() else {}
    unknown = sorted(specs.keys() - folders.keys() - patches.keys())
    if unknown:
        raise WrongCaseError(f"wrong/{CASES_FILE} describes {', '.join(unknown)}, which is no case in wrong/")
    # A patch has nowhere else to say what it does; once a pack declares expectations, it declares them all.
    undeclared = sorted((patches.keys() | (folders.keys() if specs else set())) - specs.keys())
    if undeclared:
        raise WrongCaseError(f"wrong/{CASES_FILE} has no [{undeclared[0]}] entry (why and expect_failing)"
                             + (f", nor for {', '.join(undeclared[1:])}" if undeclared[1:] else ""))
    cases: dict[str, WrongCase] = {}
    for name in sorted(folders.keys() | patches.keys()):
        if name in patches:
            try:
                text = patches[name].read_text(encoding="utf-8")
                files = apply_patch(reference, text)
            except (OSError, UnicodeDecodeError) as exc:
                raise WrongCaseError(f"wrong/{name}{PATCH_SUFFIX}: {exc}") from exc
            except PatchError as exc:
                raise WrongCaseError(f"wrong/{name}{PATCH_SUFFIX}: {exc}") from None
            if files == reference:
                raise WrongCaseError(f"wrong/{name}{PATCH_SUFFIX} changes nothing in the reference")
        else:
            files = read_tree(folders[name])
        spec = specs.get(name)
        cases[name] = WrongCase(name, files, spec.why if spec else "",
                                tuple(spec.expect_failing) if spec else None, patch=name in patches)
    return cases
