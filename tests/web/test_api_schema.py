"""Schemathesis against /api/v1 of a real server, with a token and every check on (issue 11, "Done when").

It generates valid and invalid requests for every operation of the OpenAPI document and fails on any server
error, and on any status, header, content type or body that the document does not declare. Deterministic and
with few examples per operation, so a run is repeatable and short.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from servers import Server, free_port
from test_browser import ARTEFACTS

from proctor.store import Store, api_tokens, submissions, users
from proctor.store.passwords import hash_password

pytestmark = pytest.mark.slow

# A schema-valid submission can still be refused for what JSON Schema cannot say: no files at all, base64 that
# is not UTF-8 text, a file that is also a folder (400), or code over 256 KiB in all (413). The document
# declares both, with those reasons. A real submission's id lets the reads reach their 200 answers.
CONFIG = """
[[operations]]
include-path = "/api/v1/submissions"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "413", "429",
                                                    "5xx"]

[[operations]]
include-path-regex = "^/api/v1/submissions/"
parameters = {{ submission_id = {submission_id} }}
"""


@dataclass
class Target:
    base: str
    data_dir: Path
    store: Store
    user_id: int

    def token(self, name: str) -> str:
        return api_tokens.create(self.store, user_id=self.user_id, name=name)[1]


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    """A real `proctor serve` (the same middleware and error handlers a client meets), a user, a graded submission,
    and someone else's token and submission (real ids that are not the caller's)."""
    data_dir = Path(tempfile.mkdtemp(prefix="proctor-schema-"))
    data_dir.chmod(0o755)
    server = Server(data_dir, free_port())
    server.env["PROCTOR_WORKERS"] = "1"
    server.start()
    store = Store.open(data_dir / "proctor.db")
    password = hash_password("correct horse battery")
    user = users.create(store, email="schema@example.com", password_hash=password)
    other = users.create(store, email="other@example.com", password_hash=password)
    api_tokens.create(store, user_id=other.id, name="someone else's")
    submissions.create(store, user_id=other.id, challenge="hello-route", suite="hidden", files={"app.py": "x = 1\n"})
    mine = submissions.create(store, user_id=user.id, challenge="hello-route", suite="hidden",
                              files={"app.py": (Path("graders/hello-route/reference/app.py")).read_text()})
    try:
        (data_dir / "schemathesis.toml").write_text(CONFIG.format(submission_id=mine.id))
        yield Target(f"http://127.0.0.1:{server.port}", data_dir, store, user.id)
    finally:
        store.close()
        server.stop(signal.SIGTERM)
        server.log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


def schemathesis(target: Target, token: str, *selection: str) -> str:
    """Run the CLI (schemathesis' pytest loader does not run under pytest 9); its report if anything failed."""
    name = "-".join(s.strip("-") for s in selection) or "all"
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(target.data_dir / "schemathesis.toml"),
         "run", f"{target.base}/openapi.json", *selection, "--checks", "all",
         "--header", f"Authorization: Bearer {token}", "--max-examples", "30", "--generation-deterministic",
         "--workers", "1", "--no-color", "--report", "junit",
         "--report-junit-path", str(ARTEFACTS / f"schemathesis-{name}.xml")],
        capture_output=True, text=True, timeout=600, cwd=target.data_dir)
    # These warnings count too: every call refused as unauthenticated, or valid bodies mostly refused, would mean
    # that the run tested little. (Submitting is mostly 429, one in flight per user, and 404 for unknown challenge
    # names: both expected.)
    ok = run.returncode == 0 and not any(w in run.stdout for w in ("Authentication failed", "Schema validation"))
    return "" if ok else run.stdout[-20_000:] + run.stderr[-5_000:]


def test_the_api_answers_only_what_its_document_declares(target: Target) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    # Revoking is tested on its own token: a DELETE of the one in use would leave the rest of the run at 401.
    for token, selection in ((target.token("schemathesis"), ("--exclude-method", "DELETE")),
                             (target.token("to revoke"), ("--include-method", "DELETE"))):
        report = schemathesis(target, token, *selection)
        if report:
            pytest.fail(report, pytrace=False)
