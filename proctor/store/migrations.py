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
