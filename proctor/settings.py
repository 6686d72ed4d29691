"""Platform settings, read from PROCTOR_* environment variables (and a .env file when present)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SandboxName = Literal["auto", "bwrap", "process", "docker"]


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

    host: str = "127.0.0.1"
    port: int = 8000

    @property
    def runtime_dir(self) -> Path:
        return self.sandbox_runtime or self.data_dir / "sandbox-venv"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"


@lru_cache
def get_settings() -> Settings:
    return Settings()
