"""Docs are tested: every CLI command and every setting is documented somewhere a user reads."""

from __future__ import annotations

import argparse
from pathlib import Path

from proctor.cli import build_parser
from proctor.settings import Settings

ROOT = Path(__file__).parent.parent


def all_docs() -> str:
    return "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def commands(parser: argparse.ArgumentParser, prefix: str = "proctor") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{prefix} {name}")
                found += commands(sub, f"{prefix} {name}")
    return found


def test_every_command_is_documented():
    docs = all_docs()
    leaves = [c for c in commands(build_parser()) if not any(o.startswith(c + " ") for o in commands(build_parser()))]
    assert [c for c in leaves if c not in docs] == []


def test_every_setting_is_documented():
    docs = all_docs()
    missing = [f"PROCTOR_{name.upper()}" for name in Settings.model_fields if f"PROCTOR_{name.upper()}" not in docs]
    assert missing == []


def test_readme_names_where_data_lives_and_that_cli_and_server_share_it():
    readme = (ROOT / "README.md").read_text()
    assert "PROCTOR_PORT" in readme and "PROCTOR_DATA_DIR" in readme
    assert "The CLI and the server must share `PROCTOR_DATA_DIR`" in readme
