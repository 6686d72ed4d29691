"""Platform settings, read from PROCTOR_* environment variables (and a .env file when present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from proctor.grading.sandbox.runtime import sandbox_home

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SandboxName = Literal["auto", "bwrap", "process", "docker"]

# Only good for development: signing cookies with a key everyone can read lets anyone forge a session.
DEFAULT_SECRET_KEY = "proctor-development-secret-do-not-use"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PROCTOR_", env_file=".env", extra="ignore")

    data_dir: Path = PROJECT_ROOT / "var"
    challenges_dir: Path = PROJECT_ROOT / "challenges"
    graders_dir: Path = PROJECT_ROOT / "graders"

    sandbox: SandboxName = "auto"
    # The process backend isolates nothing; a server uses it only for one local user or when this is set.
    allow_process_sandbox: bool = False
    # Where the sandbox's own Python environment lives; it must be readable by sandbox_uid.
    sandbox_runtime: Path | None = None
    sandbox_uid: int = 65534
    sandbox_gid: int = 65534
    # Docker backend: a tmpfs directory, at the same path on the host and in the platform's container, for the
    # per-run socket directories; unset, each run gets a 1 MiB tmpfs volume (which needs root to reach).
    docker_socket_root: Path | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # The web platform (docs/web.md).
    environment: Literal["development", "production"] = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    database: Path | None = None
    # Gradings in flight in the server process. 0: as many as the memory budget holds (at least one per core),
    # more than one per core only while the CPU is idle enough (pipeline/admission.py); n: at most n.
    workers: int = 0
    # The memory the gradings in flight may use together (each: the app's and the grader's limits); 0 means half
    # of the machine's memory.
    grading_memory_mib: int = Field(0, ge=0)
    # A worker renews its lease while grading; a lease left to expire (a crash) hands the submission on.
    grading_lease_seconds: float = 30.0
    # How the trusted grader process is kept from the platform's files and environment: "auto" is bwrap where
    # it works (docs/security.md), "none" runs it as the server's user.
    grader_sandbox: Literal["auto", "bwrap", "none"] = "auto"
    # Sandboxes (and graders) kept started ahead of submissions; 0 turns the warm pool off.
    warm_pool: int = 2
    # How a bwrap sandbox starts: "fork" from a warm fork server (docs/decisions.md, "Fork servers"), "cold" as
    # a fresh bwrap and Python per run; "auto" is fork where it works (root, for per-run cgroups), else cold.
    sandbox_start: Literal["auto", "fork", "cold"] = "auto"
    session_days: int = 14
    submissions_per_minute: int = 10
    login_failures_allowed: int = 5
    log_json: bool = True
    # Where the FastAPI guide is published; challenge pages link to its sections.
    guide_url: str = ""

    # Hiring-day integrity (issue 11 §5, docs/security.md): in-flight submissions (queued or running) from one
    # client address and in the whole queue; session snapshots kept per session and challenge, and how often
    # autosave may add one (saves in between replace the latest, so the draft is always the newest code). The
    # session page autosaves 1.5 s after typing stops, so only scripted saves come faster than the interval.
    max_queued_per_address: int = 20
    max_queued: int = 1000
    snapshots_kept: int = 200
    snapshot_bytes: int = 5 * 1024 * 1024
    snapshot_interval_seconds: float = 1.0

    # The web layer's limits (docs/security.md, "Web layer").
    # Any request body over this is refused with 413 before it is read (a 256 KiB submission fits, encoded).
    max_body_bytes: int = 1024 * 1024
    # uvicorn: seconds an idle keep-alive connection is held, and connections served at once (more get 503).
    timeout_keep_alive: int = 5
    limit_concurrency: int = 200
    # Proxies whose X-Forwarded-For/-Proto are believed (uvicorn's forwarded_allow_ips): a comma-separated list
    # of addresses or networks, or "*". Behind a proxy, set it to the proxy's address.
    forwarded_allow_ips: str = "127.0.0.1"
    # Cookies carry Secure on https requests, and always when this is set or the environment is production.
    cookie_secure: bool = False
    # The address users reach the server at (https://proctor.example.com); invitation links are built on it.
    public_url: str = ""
    # Sign-ups accepted from one client address per hour (candidates at one office share an address).
    signups_per_hour: int = 20
    # /metrics answers only with "Authorization: Bearer <this>"; unset, it answers 404.
    metrics_token: str = ""

    # Grader limits (issue 11 §4): what one grader process (hidden tests, interviewers' code) may use, by a
    # cgroup where the hierarchy is writable; grader_cgroups=false forces rlimits (docs/security.md).
    grader_memory_mib: int = Field(512, ge=64, le=8192)
    grader_processes: int = Field(64, ge=8, le=4096)
    grader_cgroups: bool = True
    # Candidates' own test suites (kind = "pytest", issue 14 §1): warm (app sandbox, suite) pairs. A grading
    # takes 2 + its mutants; 0 starts every pair cold (docs/performance.md).
    suite_warm_pool: int = Field(0, ge=0, le=64)

    # Dockerfile builds (issue 14 §2, docs/security.md): "auto" builds a `static` Dockerfile submission when
    # PROCTOR_SANDBOX=docker or the engine answers; "off" never builds (build and run are reported not run).
    dockerfile_build: Literal["auto", "on", "off"] = "auto"
    dockerfile_build_seconds: int = Field(180, ge=5, le=1800)
    dockerfile_build_memory_mib: int = Field(1024, ge=64, le=16384)
    dockerfile_file_mib: int = Field(256, ge=1, le=16384)  # the largest file a RUN step may write
    dockerfile_image_mib: int = Field(700, ge=64, le=65536)  # the built image, base included
    dockerfile_run_seconds: int = Field(15, ge=2, le=600)

    # Distributed grading (issue 16, docs/deployment.md): redis://… sends grading to `proctor worker` processes on
    # any machine; unset, grading threads run in the server (the embedded default). A worker silent this long is
    # taken for dead and its jobs go to another; a job that stopped its worker this many times is not tried again.
    queue_url: str = ""
    queue_dead_worker_seconds: float = Field(30.0, ge=1, le=3600)
    queue_max_deliveries: int = Field(3, ge=1, le=20)

    @model_validator(mode="after")
    def _enforce_non_default_secret(self) -> "Settings":
        if self.environment != "development" and self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError("set PROCTOR_SECRET_KEY: the default secret key is only for development")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure or self.environment == "production"

    @property
    def database_path(self) -> Path:
        return self.database or self.data_dir / "proctor.db"

    @property
    def runtime_dir(self) -> Path:
        return self.sandbox_runtime or sandbox_home(self.data_dir, self.sandbox_uid) / "sandbox-venv"

    @property
    def jobs_dir(self) -> Path:
        return sandbox_home(self.data_dir, self.sandbox_uid) / "jobs"


@lru_cache
def get_settings() -> Settings:
    return Settings()
