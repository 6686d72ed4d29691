"""kind = "pytest": the candidate's own suite, run in the bwrap sandbox against the correct app and each mutant
(each in a sandbox of its own), scored by the mutants it kills. Every case is graded for real."""

from __future__ import annotations

import os
import re
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from proctor.grading.engine import grade
from proctor.grading.golden import golden_of, read_golden
from proctor.grading.limits import Limits
from proctor.grading.mutants import Variant, correct_app, mutants, run_variant, suite_texts
from proctor.grading.packs import Catalog, Challenge, load_challenge
from proctor.grading.results import RunResult, RunStatus
from proctor.grading.sandbox import Sandbox
from proctor.grading.suite_pool import SuitePool
from proctor.grading.validate import check_pack
from proctor.settings import PROJECT_ROOT, get_settings
from tests.conftest import SETTINGS, require_backend

PACK = PROJECT_ROOT / "graders/write-the-tests"
REFERENCE_SUITE = (PACK / "reference/test_app.py").read_text()
KEPT_MUTANTS = ("404-without-x-error", "stock-not-persisted")
LIMITS = Limits(wall_seconds=20, test_seconds=5)


@pytest.fixture(scope="module")
def small_pack(tmp_path_factory: pytest.TempPathFactory) -> Challenge:
    """write-the-tests with two of its mutants: the cheap tricks need no more, and grade in a few runs."""
    root = tmp_path_factory.mktemp("packs")
    shutil.copytree(PROJECT_ROOT / "challenges/write-the-tests", root / "challenges/write-the-tests")
    shutil.copytree(PACK / "app", root / "graders/write-the-tests/app")
    kept = root / "graders/write-the-tests/mutants"
    kept.mkdir()
    for name in KEPT_MUTANTS:
        shutil.copy(PACK / "mutants" / f"{name}.patch", kept)
    whys = tomllib.loads((PACK / "mutants/mutants.toml").read_text())
    (kept / "mutants.toml").write_text("".join(f'[{n}]\nwhy = "{whys[n]["why"]}"\n' for n in KEPT_MUTANTS))
    return load_challenge(root / "challenges", root / "graders", "write-the-tests")


# The session's fork servers (conftest.py) outlive a test by design; they are named so.
SERVERS = re.compile(rb"job-p\d+-(fork|grader|suite)server\d")


@pytest.fixture
def clean() -> object:
    """Nothing of the gradings is left: no job directory, no process, no cgroup of this test process's jobs."""
    jobs = get_settings().jobs_dir
    prefix = f"job-p{os.getpid()}-"
    yield
    assert [name for name in os.listdir(jobs) if name.startswith(prefix)] == [] if jobs.is_dir() else True
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if prefix.encode() in cmdline and not SERVERS.search(cmdline):
            left.append(cmdline[:200])
    assert left == []
    assert [d for h in Path("/sys/fs/cgroup").glob("*/proctor") for d in h.glob(f"{prefix}*")
            if not SERVERS.search(d.name.encode())] == []


@pytest.fixture(params=["cold", "fork"])
def suite_backend(request: pytest.FixtureRequest) -> Sandbox:
    """The suite in a fresh bwrap per run, or forked from the suite fork server (grading/suite_fork.py): every
    trick below must fail alike in both."""
    return request.getfixturevalue("bwrap" if request.param == "cold" else "fork_sandbox")  # type: ignore[no-any-return]


def grade_suite(challenge: Challenge, suite: str, limits: Limits = LIMITS, backend: Sandbox | None = None,
                **files: str) -> RunResult:
    sources = {"test_app.py": suite.encode(), **{k.replace("__", "."): v.encode() for k, v in files.items()}}
    return grade(challenge, sources, limits=limits, backend=backend, settings=SETTINGS)


def killed(result: RunResult) -> set[str]:
    return {t.name for t in result.tests if t.status == "passed"}


def test_the_reference_suite_kills_every_mutant(catalog: Catalog, bwrap, clean) -> None:
    challenge = catalog.get("write-the-tests")
    result = grade(challenge, {"test_app.py": REFERENCE_SUITE.encode()}, backend=bwrap, settings=SETTINGS)
    assert (result.status, result.score) == (RunStatus.GRADED, 100)
    assert len(result.tests) >= 8 and killed(result) == {t.name for t in result.tests}
    assert result.message.startswith("Ran your tests against 2 × the correct app and 9 mutants in ")
    by_name = {t.name: t for t in result.tests}
    assert "test_unknown_item_is_404_with_x_error" in by_name["404-without-x-error"].message


def test_a_weak_suite_kills_few_and_shows_survivors_in_words_never_their_code(catalog: Catalog, bwrap,
                                                                              clean) -> None:
    challenge = catalog.get("write-the-tests")
    for case in ("status-only", "no-assertions"):
        weak = (PACK / "wrong" / case / "test_app.py").read_bytes()
        result = grade(challenge, {"test_app.py": weak}, backend=bwrap, settings=SETTINGS)
        assert result.status == RunStatus.GRADED and result.score < 50
        survivor = next(t for t in result.tests if t.name == "min-stock-off-by-one")
        assert survivor.status == "failed"
        assert "leaves out items whose stock is exactly N" in survivor.message
        assert 'item["stock"] > min_stock' not in result.to_json() and "def list_items" not in result.to_json()


def test_a_suite_failing_on_the_correct_app_scores_0_naming_the_test(small_pack: Challenge, suite_backend: Sandbox,
                                                                     clean) -> None:
    wrong_status = REFERENCE_SUITE + '\n\ndef test_hammer_is_a_teapot(client):\n' \
        '    assert client.get("/items/1").status_code == 418\n'
    result = grade_suite(small_pack, wrong_status, backend=suite_backend)
    assert (result.status, result.score) == (RunStatus.GRADED, 0)
    assert "test_hammer_is_a_teapot" in result.message and "418" in result.message
    assert all(t.status == "error" and t.message.startswith("Not counted") for t in result.tests)


TRICKS = {
    "skip": "import pytest\n\ndef test_trick(client):\n    pytest.skip('later')\n",
    "skip-marker": "import pytest\n\n@pytest.mark.skip\ndef test_trick(client):\n    pass\n",
    "xfail-marker": "import pytest\n\n@pytest.mark.xfail\ndef test_trick(client):\n    assert False\n",
    "xfail-call": "import pytest\n\ndef test_trick(client):\n    pytest.xfail('later')\n",
    "sys-exit": "import sys\n\ndef test_trick(client):\n    sys.exit(0)\n",
    "pytest-exit": "import pytest\n\ndef test_trick(client):\n    pytest.exit('done', returncode=0)\n",
    "os-exit": "import os\n\ndef test_trick(client):\n    os._exit(0)\n",
}


@pytest.mark.parametrize("trick", TRICKS)
def test_skipping_xfail_or_exiting_scores_0_with_a_message(small_pack: Challenge, trick: str, suite_backend: Sandbox,
                                                           clean) -> None:
    # The reference suite around the trick would kill every mutant, so only the trick can make it score 0.
    result = grade_suite(small_pack, REFERENCE_SUITE + "\n\n" + TRICKS[trick], backend=suite_backend)
    assert (result.status, result.score) == (RunStatus.GRADED, 0)
    assert "test_trick" in result.message
    expected = {"skip": "skipped", "skip-marker": "skipped", "xfail-marker": "marked xfail",
                "xfail-call": "pytest.xfail()", "sys-exit": "called exit()", "pytest-exit": "stopped the test run",
                "os-exit": "stopped during test_trick"}[trick]
    assert expected in result.message


PEEK = '''
import hashlib, os

def fingerprint():
    seen = [repr(sorted(os.environ.items())), os.getcwd(), open("/proc/self/mountinfo").read()]
    for top in ("/", "/tmp", "/opt", "/proc/self/fd"):
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if not d[:1].isdigit() and root.count("/") < 4 and d not in ("proc", "sys",
                                                                                                    "dev", "usr")]
            seen.append(root + repr(sorted(dirs + files)))
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        for guess in ("/src/app.py", "/../src/app.py"):  # the app's source beside its socket, if it were reachable
            try:
                seen.append(open(os.path.dirname(link) + guess).read())
            except OSError:
                pass
    return hashlib.sha256("".join(seen).encode()).hexdigest()

def test_peek(client):
    print("FINGERPRINT", fingerprint())
    assert client.get("/items/1").status_code == 200
    for word in ("mutant", "stock-not-persisted", "x-error", "reference"):
        assert word not in fingerprint_text().lower()

def fingerprint_text():
    return repr(sorted(os.environ.items())) + repr(os.listdir("/")) + repr(os.listdir("/tmp"))
'''


def test_a_suite_reading_the_environment_and_files_learns_nothing(small_pack: Challenge, suite_backend: Sandbox,
                                                                  clean) -> None:
    result = grade_suite(small_pack, PEEK, backend=suite_backend)
    assert (result.status, result.score) == (RunStatus.GRADED, 0)
    assert killed(result) == set() and all(t.status == "failed" for t in result.tests)


LOOPS = {
    "in-a-test": ("def test_loop(client):\n    while True:\n        pass\n", RunStatus.GRADED,
                  "test_loop timeout"),
    "ignoring-the-alarm": ("import signal\n\ndef test_loop(client):\n    signal.signal(signal.SIGALRM, "
                           "signal.SIG_IGN)\n    while True:\n        pass\n", RunStatus.TIMEOUT,
                           "did not finish within 6 s (during test_loop)"),
    "at-import": ("while True:\n    pass\n\ndef test_never(client):\n    pass\n", RunStatus.TIMEOUT,
                  "did not finish loading within 6 s"),
    "flooding-output": ("import os\n\ndef test_flood(request):\n    request.config.pluginmanager.getplugin("
                        "'capturemanager').suspend_global_capture()\n    while True:\n"
                        "        os.write(1, b'x' * 65536)\n", RunStatus.OUTPUT_LIMIT, "printed more than"),
}


@pytest.mark.parametrize("case", LOOPS)
def test_a_looping_or_flooding_suite_ends_with_a_clear_status(small_pack: Challenge, case: str,
                                                              suite_backend: Sandbox, clean) -> None:
    suite, status, words = LOOPS[case]
    result = grade_suite(small_pack, suite, Limits(wall_seconds=6, test_seconds=1), backend=suite_backend)
    assert (result.status, result.score) == (status, 0)
    assert words in result.message


def test_examples_run_the_suite_against_the_correct_app_only(small_pack: Challenge, clean) -> None:
    result = grade(small_pack, {"test_app.py": REFERENCE_SUITE.encode()}, suite="examples", limits=LIMITS,
                   settings=SETTINGS)
    assert result.status == RunStatus.GRADED and result.score == 100
    assert "test_min_stock_includes_items_at_the_bound" in {t.name for t in result.tests}


@pytest.mark.slow
@pytest.mark.parametrize("slug", ["write-the-tests", "write-the-tests-auth"])
def test_pytest_pack_validates_and_matches_its_golden_verdicts(slug: str, catalog: Catalog, bwrap) -> None:
    challenge = catalog.get(slug)
    report = check_pack(challenge, backend=bwrap, settings=SETTINGS)
    assert report.problems == []
    assert golden_of(report.results) == read_golden(challenge)


def test_a_warm_suite_pool_gives_the_same_verdict_and_leaves_nothing(small_pack: Challenge, bwrap, clean) -> None:
    settings = get_settings()
    pool = SuitePool(bwrap, size=4, jobs_dir=settings.jobs_dir, runtime=settings.runtime_dir,
                     uid=settings.sandbox_uid, gid=settings.sandbox_gid, limits=LIMITS)
    try:
        assert pool.wait_ready(120)
        weak = REFERENCE_SUITE.replace('    assert response.headers["x-error"] == "item-missing"\n', "")
        result = grade(small_pack, {"test_app.py": weak.encode()}, backend=bwrap, limits=LIMITS, suite_pool=pool,
                       settings=SETTINGS)
        assert (result.status, result.score) == (RunStatus.GRADED, 50)
        assert killed(result) == {"stock-not-persisted"}
        # The pooled suites' throwaway session (one test) is not the candidate's; the candidate's own summary may
        # be there or not, depending on whether pytest printed it before the run was ended at its last verdict.
        assert "1 passed" not in result.output
        assert pool.ready_count() < 4  # its pairs were used
    finally:
        pool.close()


FORGED = {
    # Reports its test failed, whatever the app answers: it does so against the correct app too, so it scores 0.
    "all-failed": ('import json, os\n\ndef test_forge(request, client):\n'
                   '    assert client.get("/items/1").status_code == 200\n'
                   '    fd = request.config.getoption("--proctor-events-fd")\n'
                   '    os.write(fd, (json.dumps({"event": "test", "name": "test_forge", "status": "failed", '
                   '"message": "forged", "points": 0, "max_points": 1}) + "\\n").encode())\n'
                   '    os._exit(0)\n', "test_forge failed: forged"),
    # A malformed event is the suite's problem, never the platform's (which would retry it).
    "malformed": ('import os\n\ndef test_forge(request):\n    fd = request.config.getoption("--proctor-events-fd")\n'
                  '    os.write(fd, b\'{"event": "start", "name": {"x": 1}}\\n\')\n', "could not be read"),
}


@pytest.mark.parametrize("case", FORGED)
def test_a_suite_forging_its_report_earns_nothing(small_pack: Challenge, case: str, suite_backend: Sandbox,
                                                  clean) -> None:
    suite, words = FORGED[case]
    result = grade_suite(small_pack, suite, backend=suite_backend)
    assert (result.status, result.score) == (RunStatus.GRADED, 0)
    assert killed(result) == set()
    assert words in result.message


def test_with_docker_apps_the_suite_runs_under_bwrap_and_grades_alike(small_pack: Challenge, clean) -> None:
    docker = require_backend("docker")
    weak = REFERENCE_SUITE.replace('    assert response.headers["x-error"] == "item-missing"\n', "")
    result = grade(small_pack, {"test_app.py": weak.encode()}, backend=docker, limits=LIMITS, settings=SETTINGS)
    assert (result.status, result.score, result.sandbox) == (RunStatus.GRADED, 50, "docker")
    assert killed(result) == {"stock-not-persisted"}
    deadline = time.monotonic() + 10  # docker removes containers just after the result
    while our_containers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert our_containers() == []


def our_containers() -> list[str]:
    import docker

    prefix = f"job-p{os.getpid()}-"
    # sparse: no inspect per container, which fails for one removed between the listing and the inspection
    listed = docker.from_env().containers.list(all=True, sparse=True, filters={"label": "proctor=sandbox"})
    return [c.short_id for c in listed if (c.attrs.get("Labels") or {}).get("proctor.run", "").startswith(prefix)]


FINGERPRINT = r'''
import os, re

def seen():
    found = [repr(sorted(os.environ.items())), os.getcwd(), open("/proc/self/mountinfo").read(),
             open("/proc/self/cmdline").read(), repr(sorted(os.listdir("/proc/self/fd")))]
    for top in ("/", "/tmp", "/opt"):
        for root, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if root.count("/") < 3 and d not in ("proc", "sys", "dev", "usr")]
            found.append(root + repr(sorted(dirs + files)))
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    text = "\n".join(found)
    # What differs from run to run by chance, never by the app: the job directory's random name, the kernel's
    # counters (mount ids, device minors, pipe and socket inodes) and pytest's temporary directory.
    text = re.sub(r"job-p[0-9]+-[A-Za-z0-9_]+", "JOB", text)
    text = re.sub(r"(?m)^[0-9]+ [0-9]+ [0-9]+:[0-9]+ ", "", text)
    text = re.sub(r"(pipe|socket):\[[0-9]+\]", "INODE", text)
    return re.sub(r"tests-[A-Za-z0-9_]+", "TESTS", text)

def test_fingerprint(client):
    assert False, seen()
'''


def test_the_suite_sees_the_same_environment_and_files_whichever_app_it_tests(small_pack: Challenge,
                                                                             suite_backend: Sandbox, clean) -> None:
    settings = get_settings()
    texts, tests = suite_texts({"test_app.py": FINGERPRINT.encode()})
    seen = {}
    for variant in [Variant("reference", correct_app(small_pack)), *mutants(small_pack)]:
        verdict = run_variant(small_pack, variant, texts, tests, backend=suite_backend, settings=settings,
                              limits=LIMITS.merged({"message_bytes": 1 << 20}))
        assert not verdict.passed and "test_fingerprint failed" in verdict.reason
        seen[variant.name] = verdict.tests[0].detail
    assert len(seen) == 3 and len(set(seen.values())) == 1, seen
    # It looked (the suite's own mounts are there), but nothing of the app's side is: its files, its socket's folder.
    assert "/opt/proctor-suite" in seen["reference"] and "/submission" not in seen["reference"]
    assert "/JOB/src" not in seen["reference"]


def test_with_apps_from_fork_servers_suites_are_forked_too_and_grade_alike(small_pack: Challenge, bwrap, fork_sandbox,
                                                                          clean) -> None:
    from proctor.grading.suite_fork import suite_forks

    weak = "def test_list(client):\n    assert client.get('/items').status_code == 200\n"
    cold = grade_suite(small_pack, weak, backend=bwrap)
    forked = [grade_suite(small_pack, weak, backend=fork_sandbox) for _ in range(2)]
    forks = suite_forks(fork_sandbox)
    assert forks is not None and forks._server is not None and forks._server.started >= 2 * 4  # 2 + 2 apps each
    assert [r.verdict() for r in forked] == [cold.verdict()] * 2
    assert suite_forks(bwrap) is None  # a cold backend keeps a fresh suite sandbox per run
