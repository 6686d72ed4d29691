"""The janitor: what a crashed or killed engine left behind, removed at start-up and by `proctor sandbox gc`.

Sandbox cgroups and job directories carry their engine's pid, so they are orphans exactly when that process is
gone. Docker containers, volumes and Dockerfile builds carry a label, and only one engine runs per host.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from proctor.grading.docker_build import (
    collect_build_garbage,
    collect_build_garbage_if_enabled,
)
from proctor.grading.jobs import collect_orphan_jobs
from proctor.grading.sandbox.cgroups import collect_orphans
from proctor.grading.sandbox.docker import collect_garbage
from proctor.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    cgroups: int = 0
    jobs: int = 0
    containers: int = 0
    volumes: int = 0
    build_containers: int = 0
    build_images: int = 0

    def __str__(self) -> str:
        return (f"removed {self.cgroups} orphan sandbox cgroups, {self.jobs} job directories, "
                f"{self.containers} containers, {self.volumes} volumes, "
                f"{self.build_containers} Dockerfile build containers and {self.build_images} images")


def sweep(settings: Settings, *, docker: bool, builds_always: bool = False) -> Swept:
    """Remove every orphan. `docker`: also the Docker backend's containers and volumes. Dockerfile builds are
    swept when builds are enabled, or always with `builds_always` (the operator's gc). A Docker engine that does
    not answer is logged, never an error: there is nothing of ours in it to remove."""
    cgroups, jobs = collect_orphans(), collect_orphan_jobs(settings.jobs_dir)
    containers = volumes = build_containers = build_images = 0
    try:
        if docker:
            containers, volumes = collect_garbage()
        if builds_always:
            build_containers, build_images = collect_build_garbage()
        elif docker:
            build_containers, build_images = collect_build_garbage_if_enabled(settings)
    except Exception as exc:  # noqa: BLE001 - no Docker engine here is not an error for the sweep
        log.info("docker: not swept (%s)", exc.__class__.__name__)
    return Swept(cgroups, jobs, containers, volumes, build_containers, build_images)
