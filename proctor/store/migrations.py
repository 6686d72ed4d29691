"""Schema migrations: plain functions, applied in order and recorded by sqlite-utils."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("proctor")


@MIGRATIONS()
def create_users(db: Database) -> None:
    db.execute("""
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('candidate', 'interviewer', 'admin')),
            created_at REAL NOT NULL
        )""")


@MIGRATIONS()
def create_sessions_and_api_tokens(db: Database) -> None:
    # Only a SHA-256 of each secret is kept, so a leaked database does not hand out live sessions.
    db.execute("""
        CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )""")
    db.execute("""
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_used_at REAL
        )""")


@MIGRATIONS()
def create_drafts(db: Database) -> None:
    db.execute("""
        CREATE TABLE drafts (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            challenge TEXT NOT NULL,
            files TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (user_id, challenge)
        )""")


@MIGRATIONS()
def create_submissions(db: Database) -> None:
    # status: queued -> running -> done. lease_token/lease_until belong to the worker grading it;
    # not_before delays a retry after an infra error.
    db.execute("""
        CREATE TABLE submissions (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            challenge TEXT NOT NULL,
            suite TEXT NOT NULL CHECK (suite IN ('hidden', 'examples')),
            files TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            lease_token TEXT,
            lease_until REAL,
            not_before REAL NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            progress TEXT,
            result TEXT,
            result_status TEXT,
            score REAL
        )""")
    db.execute("CREATE INDEX submissions_queue ON submissions (status, not_before, id)")
    db.execute("CREATE INDEX submissions_user ON submissions (user_id, challenge, id)")


@MIGRATIONS()
def create_login_attempts(db: Database) -> None:
    db.execute("""
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL,
            ip TEXT NOT NULL,
            at REAL NOT NULL,
            succeeded INTEGER NOT NULL
        )""")
    db.execute("CREATE INDEX login_attempts_email ON login_attempts (email, at)")
    db.execute("CREATE INDEX login_attempts_ip ON login_attempts (ip, at)")


@MIGRATIONS()
def create_assessments(db: Database) -> None:
    # The interviewer workflow (issue 6). Challenge slugs are kept as an ordered JSON list: an assessment is
    # edited as a whole and never queried by challenge.
    db.execute("""
        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY,
            owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            intro TEXT NOT NULL DEFAULT '',
            challenges TEXT NOT NULL,
            time_limit_minutes INTEGER NOT NULL CHECK (time_limit_minutes > 0),
            opens_at REAL,
            closes_at REAL,
            score_visibility TEXT NOT NULL CHECK (score_visibility IN ('during', 'after', 'never')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""")
    # Only a SHA-256 of the link's secret is kept; used_by binds a used link to the one account that used it.
    db.execute("""
        CREATE TABLE invitations (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            revoked_at REAL,
            used_at REAL,
            used_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""")
    db.execute("""
        CREATE TABLE assessment_sessions (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            invitation_id INTEGER NOT NULL UNIQUE REFERENCES invitations(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            started_at REAL NOT NULL,
            deadline REAL NOT NULL,
            finished_at REAL,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished', 'expired')),
            UNIQUE (assessment_id, user_id)
        )""")
    db.execute("CREATE INDEX assessment_sessions_due ON assessment_sessions (status, deadline)")
    db.execute("""
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            assessment_session_id INTEGER NOT NULL REFERENCES assessment_sessions(id) ON DELETE CASCADE,
            challenge TEXT NOT NULL,
            files TEXT NOT NULL,
            at REAL NOT NULL
        )""")
    db.execute("CREATE INDEX snapshots_session ON snapshots (assessment_session_id, challenge, id)")
    db.execute("""
        CREATE TABLE session_events (
            id INTEGER PRIMARY KEY,
            assessment_session_id INTEGER NOT NULL REFERENCES assessment_sessions(id) ON DELETE CASCADE,
            challenge TEXT,
            kind TEXT NOT NULL,
            at REAL NOT NULL
        )""")
    db.execute("""
        CREATE TABLE reviews (
            assessment_session_id INTEGER PRIMARY KEY REFERENCES assessment_sessions(id) ON DELETE CASCADE,
            reviewer_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
            notes TEXT NOT NULL DEFAULT '',
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            updated_at REAL NOT NULL
        )""")
    # A browser-authored pack: files keyed by their path in the pack format (challenges/<slug>/...,
    # graders/<slug>/...), so export and loading use the same layout as the packs on disk.
    db.execute("""
        CREATE TABLE authored_challenges (
            slug TEXT PRIMARY KEY,
            owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            files TEXT NOT NULL,
            problems TEXT NOT NULL DEFAULT '[]',
            validated_at REAL,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )""")
    db.execute("ALTER TABLE submissions ADD COLUMN assessment_session_id INTEGER REFERENCES assessment_sessions(id)")
    db.execute("CREATE INDEX submissions_assessment ON submissions (assessment_session_id, challenge, id)")


@MIGRATIONS()
def integrity_queue_fairness(db: Database) -> None:
    # Issue 11 §5: the per-address cap counts what one client address has in flight, and fair claiming asks when
    # each waiting user was last served.
    db.execute("ALTER TABLE submissions ADD COLUMN client_address TEXT")
    db.execute("CREATE INDEX submissions_address_in_flight ON submissions (client_address) "
               "WHERE status IN ('queued', 'running')")
    db.execute("CREATE INDEX submissions_user_started ON submissions (user_id, started_at)")


@MIGRATIONS()
def integrity_snapshot_sizes(db: Database) -> None:
    # Issue 11 §5: each session-challenge's snapshots are pruned to a byte budget, so each row knows its size.
    db.execute("ALTER TABLE snapshots ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE snapshots SET size = length(CAST(files AS BLOB))")


@MIGRATIONS()
def h1_limits_create_signup_attempts(db: Database) -> None:
    db.execute("CREATE TABLE signup_attempts (ip TEXT NOT NULL, at REAL NOT NULL)")
    db.execute("CREATE INDEX signup_attempts_ip ON signup_attempts (ip, at)")
    # The login throttle counts failures per (email, address).
    db.execute("CREATE INDEX login_attempts_email_ip ON login_attempts (email, ip, at)")


@MIGRATIONS()
def interviewer_create_session_activity(db: Database) -> None:
    # What the candidate's browser reports during a timed session (large pastes, leaving the tab), for the
    # interviewer's timeline. Capped per session by proctor/store/activity.py.
    db.execute("""
        CREATE TABLE session_activity (
            id INTEGER PRIMARY KEY,
            assessment_session_id INTEGER NOT NULL REFERENCES assessment_sessions(id) ON DELETE CASCADE,
            challenge TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('paste', 'left', 'returned')),
            chars INTEGER,
            at REAL NOT NULL
        )""")
    db.execute("CREATE INDEX session_activity_session ON session_activity (assessment_session_id, challenge, id)")


@MIGRATIONS()
def custom_request_suite(db: Database) -> None:
    # A custom request is a submission of suite "request" (grading/custom_request.py). SQLite cannot alter a CHECK
    # constraint; relaxing one in the stored schema is SQLite's documented way (lang_altertable.html, "Making
    # Other Kinds Of Table Schema Changes"), and unlike a table rebuild it keeps every column and index as is.
    old = "CHECK (suite IN ('hidden', 'examples'))"
    new = "CHECK (suite IN ('hidden', 'examples', 'request'))"
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    db.execute("UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'submissions'",
               [old, new])
    db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    db.execute("PRAGMA writable_schema = OFF")


@MIGRATIONS()
def validations_create_pack_validations(db: Database) -> None:
    # Checking an authored pack (5-8 gradings) is a queued job, never a request (proctor/store/validations.py).
    db.execute("""
        CREATE TABLE pack_validations (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL REFERENCES authored_challenges(slug) ON DELETE CASCADE,
            owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            files TEXT NOT NULL,
            optional TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
            progress TEXT,
            problems TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_token TEXT,
            lease_until REAL,
            created_at REAL NOT NULL,
            finished_at REAL
        )""")
    db.execute("CREATE INDEX pack_validations_due ON pack_validations (status, id)")
    db.execute("CREATE INDEX pack_validations_slug ON pack_validations (slug, id)")


@MIGRATIONS()
def api_tokens_expiry(db: Database) -> None:
    # NULL: the token never expires (the owner revokes it). last_used_at existed from the start.
    db.execute("ALTER TABLE api_tokens ADD COLUMN expires_at REAL")
    db.execute("CREATE INDEX api_tokens_user ON api_tokens (user_id)")


@MIGRATIONS()
def protocol_complete_not_run_results(db: Database) -> None:
    # Results of submissions that could not be run were stored without sandbox, duration and limits, so they were
    # not RunResults (grading/results.py not_run). Complete them: no sandbox, no time, the default limits.
    db.execute("""
        UPDATE submissions SET result = json_set(result, '$.schema', 1, '$.sandbox', 'none', '$.duration_ms', 0,
                                                 '$.limits', json('{}'))
        WHERE result IS NOT NULL AND json_extract(result, '$.sandbox') IS NULL""")


@MIGRATIONS()
def queue_submissions_finished(db: Database) -> None:
    # The estimated wait (pipeline/queue_status.py) averages the last gradings on every poll of a queued panel.
    db.execute("CREATE INDEX submissions_finished ON submissions (finished_at) WHERE status = 'done'")


@MIGRATIONS()
def names_sittings(db: Database) -> None:
    # One word per concept (issue 13 §2): a candidate's timed attempt at an assessment is a "sitting" in the
    # code, the URLs and the tables; "session" is only a login. SQLite carries the references and indexes along.
    db.execute("ALTER TABLE assessment_sessions RENAME TO sittings")
    db.execute("ALTER TABLE session_events RENAME TO sitting_events")
    db.execute("ALTER TABLE session_activity RENAME TO sitting_activity")
    for table in ("snapshots", "sitting_events", "reviews", "submissions", "sitting_activity"):
        db.execute(f"ALTER TABLE {table} RENAME COLUMN assessment_session_id TO sitting_id")
