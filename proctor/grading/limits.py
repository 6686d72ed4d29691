"""Resource limits for one grading run, with the defaults a challenge may override."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

MiB = 1024 * 1024


class Limits(BaseModel):
    """What one run may use. Every field can be overridden per challenge in `[limits]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wall_seconds: float = Field(20.0, gt=0, le=600, description="wall time for the whole run")
    test_seconds: float = Field(5.0, gt=0, le=120, description="wall time for one test")
    memory_mib: int = Field(512, ge=64, le=8192)
    processes: int = Field(64, ge=4, le=4096, description="processes and threads of the app")
    tmp_mib: int = Field(64, ge=1, le=4096, description="size of the private /tmp")
    output_bytes: int = Field(1 * MiB, ge=1024, description="captured app output before the run is stopped")
    message_bytes: int = Field(4096, ge=256, description="longest message shown per test")
    open_files: int = Field(512, ge=64, le=65536)
    cpus: float = Field(1.0, gt=0, le=64, description="CPU share of the app, where cgroups allow")

    def merged(self, overrides: Mapping[str, object] | None) -> Limits:
        """These limits with some fields replaced, validated again."""
        if not overrides:
            return self
        return Limits.model_validate({**self.model_dump(), **overrides})


DEFAULT_LIMITS = Limits()
