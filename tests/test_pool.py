"""Warm pools: a pre-started sandbox and grader give the same verdicts as a cold start, once each."""

from __future__ import annotations

import pytest

from proctor.grading.engine import grade
from proctor.grading.limits import Limits
from proctor.grading.pool import WarmPool
from proctor.settings import get_settings
from tests.conftest import SETTINGS
from tests.test_hostile import REFERENCE, assert_clean, with_prelude


@pytest.fixture
def pool(bwrap):
    settings = get_settings()
    pool = WarmPool(bwrap, size=1, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                    uid=settings.sandbox_uid, gid=settings.sandbox_gid)
    assert pool.wait_ready(60)
    yield pool
    pool.close()


def test_a_warm_run_gives_the_cold_verdict(hello, bwrap, pool):
    wrong = hello.wrong_cases()["no-health"].files
    cold = grade(hello, wrong, backend=bwrap, settings=SETTINGS)
    warm_slot_job = pool._slots[0].job.root
    warm = grade(hello, wrong, backend=bwrap, pool=pool, settings=SETTINGS)
    assert warm.run_id == warm_slot_job.name  # it really ran in the pre-started slot
    assert warm.verdict() == cold.verdict()
    assert_clean(warm)


def test_each_slot_serves_one_submission(hello, bwrap, pool):
    first = grade(hello, hello.reference_files(), backend=bwrap, pool=pool, settings=SETTINGS)
    assert pool.wait_ready(60)
    second = grade(hello, hello.reference_files(), backend=bwrap, pool=pool, settings=SETTINGS)
    assert first.run_id != second.run_id
    assert first.score == second.score == 100
    assert_clean(first)


def test_hostile_code_in_a_warm_slot_is_contained(hello, bwrap, pool):
    daemon = "import os\nif os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(10**6)\n"
    result = grade(hello, {"app.py": with_prelude(daemon).encode()}, backend=bwrap, pool=pool, settings=SETTINGS)
    assert result.score == 100
    assert_clean(result)


def test_runs_with_other_sandbox_limits_start_cold(hello, bwrap, pool):
    assert pool.take(Limits(memory_mib=256)) is None
    result = grade(hello, {"app.py": REFERENCE.encode()}, backend=bwrap, pool=pool, limits=Limits(memory_mib=256),
                   settings=SETTINGS)
    assert result.score == 100
    assert pool.ready_count() == 1  # the warm slot was left for a run that fits it
