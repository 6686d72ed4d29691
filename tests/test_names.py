"""One word per concept (issue 13 §2): a timed attempt is a "sitting" in the tables, the code and the URLs."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from proctor.store.migrations import MIGRATIONS


def test_a_database_from_before_the_rename_keeps_its_sittings_and_their_links(tmp_path: Path) -> None:
    db = Database(tmp_path / "old.db")
    MIGRATIONS.apply(db, stop_before="names_sittings")
    db.execute("PRAGMA foreign_keys = OFF")  # a bare sitting row, without its invitation and assessment
    columns = {c.name for c in db["assessment_sessions"].columns}
    row = {"id": 7, **{c: 0 for c in columns if c.endswith(("_id", "_at", "deadline"))}, "user_id": 1}
    row.update({c: "active" for c in columns if c == "status"})
    db["assessment_sessions"].insert({k: v for k, v in row.items() if k in columns})
    db.execute("INSERT INTO snapshots (assessment_session_id, challenge, files, at) VALUES (7, 'hello-route', '{}', 0)")
    MIGRATIONS.apply(db)
    assert "assessment_sessions" not in db.table_names() and {"sittings", "sitting_events",
                                                                "sitting_activity"} <= set(db.table_names())
    assert db.execute("SELECT sitting_id FROM snapshots").fetchall() == [(7,)]
    assert "sitting_id" in {c.name for c in db["submissions"].columns}
    references = {fk.other_table for fk in db["snapshots"].foreign_keys}
    assert references == {"sittings"}
