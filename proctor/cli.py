"""The `proctor` command: grade, challenges, sandbox, serve."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from proctor.grading.packs import Catalog, PackError, UnknownChallenge, default_catalog
from proctor.grading.results import RunResult
from proctor.grading.sandbox import Sandbox, SandboxUnavailable, choose_backend, runtime
from proctor.grading.submission import SubmissionError, read_submission
from proctor.settings import get_settings


class UsageError(Exception):
    """Bad usage: one line on stderr, exit status 2."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `proctor grade ... | head`: the reader left, which is not an error
        sys.stderr.close()
        return 0
    except (UsageError, UnknownChallenge, SubmissionError, SandboxUnavailable, runtime.RuntimeMissing,
            PackError) as exc:
        print(f"proctor: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="proctor", description="Practise and grade FastAPI interviews.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade a submission against a challenge's hidden tests")
    p.add_argument("--challenge", required=True, metavar="SLUG")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.add_argument("--sandbox", choices=["auto", "bwrap", "process", "docker"], default=None)
    p.add_argument("--examples", action="store_true",
                   help="run the visible examples instead: prints how many passed, not a score")
    p.add_argument("path", type=Path, help="a file (the challenge's single file) or a directory of files")
    p.add_argument("--log", action="store_true", help="print your app's log even when every test passed")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("challenges", help="list or validate the challenge packs")
    csub = p.add_subparsers(dest="action", required=True)
    c = csub.add_parser("list", help="list the challenges")
    c.set_defaults(func=cmd_challenges_list)
    c = csub.add_parser("validate", help="check that each pack's reference, starter and wrong cases score as they must")
    c.add_argument("slug", nargs="?")
    c.add_argument("--sandbox", choices=["auto", "bwrap", "process", "docker"], default=None)
    c.add_argument("--write-golden", action="store_true",
                   help="record each case's verdict in graders/<slug>/golden.json when the pack is sound")
    c.add_argument("--start", choices=["cold", "fork"], default="cold",
                   help="bwrap only: start apps and graders from fork servers (the verdicts must be the same)")
    c.set_defaults(func=cmd_challenges_validate)
    c = csub.add_parser("mutate", help="grade small mutations of a pack's reference and list the ones its tests miss")
    c.add_argument("slug")
    c.add_argument("--max", type=int, default=None, metavar="N", help="grade at most N mutants (a sample)")
    c.add_argument("--seed", type=int, default=0, help="which sample --max takes (default 0)")
    c.add_argument("--jobs", type=int, default=1, metavar="N", help="grade N mutants at a time (default 1)")
    c.add_argument("--sandbox", choices=["auto", "bwrap", "process", "docker"], default=None)
    c.set_defaults(func=cmd_challenges_mutate)

    p = sub.add_parser("sandbox", help="manage the sandbox runtime")
    ssub = p.add_subparsers(dest="action", required=True)
    s = ssub.add_parser("setup", help="build the sandbox's Python environment (idempotent)")
    s.set_defaults(func=cmd_sandbox_setup)
    s = ssub.add_parser("check", help="say which sandbox backends work here")
    s.set_defaults(func=cmd_sandbox_check)
    s = ssub.add_parser("build-image", help="build the Docker sandbox image (online or, with no registry, offline)")
    how = s.add_mutually_exclusive_group()
    how.add_argument("--offline", action="store_const", const=True, dest="offline", default=None,
                     help="build from a debootstrap root filesystem; needs no registry")
    how.add_argument("--online", action="store_const", const=False, dest="offline",
                     help="build from the Dockerfile (FROM python:3.11-slim)")
    s.set_defaults(func=cmd_sandbox_build_image)
    s = ssub.add_parser("gc", help="remove Proctor containers and volumes left behind")
    s.set_defaults(func=cmd_sandbox_gc)

    p = sub.add_parser("serve", help="start the web platform")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="grade jobs from the Redis queue (PROCTOR_QUEUE_URL), on any machine")
    p.add_argument("--concurrency", type=int, default=None, metavar="N",
                   help="submissions graded at a time (default: one per core)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("queue", help="inspect the grading queue")
    qsub = p.add_subparsers(dest="action", required=True)
    q = qsub.add_parser("status", help="depth, running jobs, live workers and the oldest waiting submission")
    q.set_defaults(func=cmd_queue_status)

    p = sub.add_parser("users", help="manage platform accounts")
    usub = p.add_subparsers(dest="action", required=True)
    u = usub.add_parser("create", help="create an account (prompts for the password unless --password is given)")
    u.add_argument("email")
    role = u.add_mutually_exclusive_group()
    role.add_argument("--admin", action="store_const", const="admin", dest="role", help="an administrator")
    role.add_argument("--interviewer", action="store_const", const="interviewer", dest="role")
    u.add_argument("--password", default=None, help="the password (default: ask twice on the terminal)")
    u.set_defaults(func=cmd_users_create, role="candidate")

    p = sub.add_parser("db", help="manage the platform database")
    dsub = p.add_subparsers(dest="action", required=True)
    d = dsub.add_parser("backup", help="write a consistent copy of the database, safe while the server runs")
    d.add_argument("path", type=Path)
    d.set_defaults(func=cmd_db_backup)
    return parser


def cmd_users_create(args: argparse.Namespace) -> int:
    import getpass

    from proctor.store import Store, users
    from proctor.store.passwords import hash_password, password_problem

    password = args.password
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise UsageError("the passwords do not match")
    problem = password_problem(password)
    if problem:
        raise UsageError(problem)
    database = get_settings().database_path
    store = Store.open(database)
    try:
        user = users.create(store, email=args.email, password_hash=hash_password(password), role=args.role)
    except users.EmailTaken as exc:
        raise UsageError(f"{exc} (in {database})") from None
    finally:
        store.close()
    # The server only sees this account if it uses the same database: say which one this was.
    print(f"created {user.role} {user.email} (id {user.id}) in {database}")
    print("the server must run with the same PROCTOR_DATA_DIR (or PROCTOR_DATABASE) to see it")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import os

    from proctor.pipeline.remote_worker import run

    settings = get_settings()
    if not settings.queue_url:
        raise UsageError("set PROCTOR_QUEUE_URL (redis://host:6379/0) to the queue the web node uses")
    concurrency = args.concurrency or os.cpu_count() or 1
    if not 1 <= concurrency <= 256:
        raise UsageError("--concurrency must be between 1 and 256")
    logging.getLogger().setLevel(logging.INFO)
    check_runtime()
    return run(settings, concurrency=concurrency)


def cmd_queue_status(args: argparse.Namespace) -> int:
    from proctor.pipeline.queue_status import read_status, render
    from proctor.store import Store

    settings = get_settings()
    store = Store.open(settings.database_path)
    try:
        print(render(read_status(store, queue_url=settings.queue_url)))
    finally:
        store.close()
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from proctor.store import Store
    from proctor.store.database import backup_to

    source = get_settings().database_path
    if not source.exists():
        raise UsageError(f"no database at {source}")
    Store.open(source).close()  # applies pending migrations, so the copy has the current schema
    try:
        backup_to(source, args.path)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    print(f"backed up {source} to {args.path}")
    return 0


def resolve_backend(requested: str | None) -> Sandbox:
    settings = get_settings()
    backend, warning = choose_backend(requested or settings.sandbox, local_single_user=True,
                                      allow_process=settings.allow_process_sandbox,
                                      docker_socket_root=settings.docker_socket_root)
    if warning:
        print(f"proctor: warning: {warning}", file=sys.stderr)
    return backend


def cmd_grade(args: argparse.Namespace) -> int:
    from proctor.grading.engine import grade

    settings = get_settings()
    challenge = default_catalog(settings).get(args.challenge)
    files = read_submission(args.path, challenge.files[0])
    backend = resolve_backend(args.sandbox)
    result = grade(challenge, files, backend=backend, suite="examples" if args.examples else "hidden",
                   settings=settings)
    print(result.to_json() if args.json else render_table(result, show_log=args.log))
    return 0


def render_table(result: RunResult, *, show_log: bool = False) -> str:
    marks = {"passed": "PASS", "failed": "FAIL", "error": "ERR ", "timeout": "TIME"}
    width = max([len(t.name) for t in result.tests] + [10])
    where = "no sandbox needed" if result.sandbox == "none" else f"{result.sandbox} sandbox"  # a quiz runs no code
    if result.suite == "examples":  # what --help promises: a count of visible tests passed, not a score
        passed = sum(t.status.value == "passed" for t in result.tests)
        lines = [f"{result.challenge}: {result.status.value}, examples: {passed}/{len(result.tests)} passed "
                 f"(not a score; {where}, {result.duration_ms} ms)"]
    else:
        lines = [f"{result.challenge}: {result.status.value}, score {result.score:g}/100 "
                 f"({result.points}/{result.max_points} points, {where}, {result.duration_ms} ms)"]
    if result.message:
        lines += ["", result.message.rstrip()]
    if result.tests:
        lines.append("")
    for t in result.tests:
        lines.append(f"  {marks[t.status.value]}  {t.name:<{width}}  {t.points}/{t.max_points}")
        if t.status.value != "passed" and t.message:
            lines += [f"        {line}" for line in t.message.splitlines()[:6]]
    if result.output.strip():
        log = result.output.strip().splitlines()
        # A perfect run's log is noise (a test may make the app raise on purpose), so it is folded away.
        all_passed = result.status.value == "graded" and all(t.status.value == "passed" for t in result.tests)
        if all_passed and not show_log:
            lines += ["", f"Your app's log: {len(log)} line{'s' if len(log) != 1 else ''}, not shown because every "
                      "test passed (--log shows it)."]
        else:
            lines += ["", "Your app's log (last lines):", *[f"  | {line}" for line in log[-10:]]]
    return "\n".join(lines)


def cmd_challenges_list(args: argparse.Namespace) -> int:
    for c in default_catalog(get_settings()).all():
        sections = ",".join(map(str, c.sections))
        print(f"{c.slug:<24} §{sections:<8} {c.difficulty:<7} {c.kind:<6} {c.title}")
    return 0


def cmd_challenges_validate(args: argparse.Namespace) -> int:
    from proctor.grading.golden import write_golden
    from proctor.grading.validate import check_pack

    settings = get_settings()
    catalog: Catalog = default_catalog(settings)
    challenges = [catalog.get(args.slug)] if args.slug else catalog.all()
    backend = resolve_backend(args.sandbox)
    forks = None
    if args.start == "fork":
        from proctor.grading.engine import grader_isolation
        from proctor.grading.grader_fork import GraderForks
        from proctor.pipeline.startup import with_start_mode

        backend = with_start_mode(backend, settings.model_copy(update={"sandbox_start": "fork"}))
        forks = GraderForks(grader_isolation(settings), settings.jobs_dir)
    failures = 0
    for challenge in challenges:
        report = check_pack(challenge, backend=backend, log=lambda line: print(f"  {line}"), settings=settings,
                            grader_forks=forks)
        problems = report.problems
        print(f"{'ok  ' if not problems else 'FAIL'} {challenge.slug}")
        if args.write_golden and not problems:
            write_golden(challenge, report.results)
            print(f"     golden verdicts written to {challenge.grader_root}/golden.json")
        for problem in problems:
            print(f"     - {problem}")
        failures += bool(problems)
    if forks is not None:
        forks.close()
        getattr(backend, "close", lambda: None)()
    return 1 if failures else 0


def cmd_challenges_mutate(args: argparse.Namespace) -> int:
    from proctor.grading.mutate import Outcome, run_mutants, verdict

    if args.max is not None and args.max < 1:
        raise UsageError("--max must be at least 1")
    settings = get_settings()
    challenge = default_catalog(settings).get(args.slug)
    backend = resolve_backend(args.sandbox)

    def show(o: Outcome) -> None:
        mark = "killed  " if o.killed else "EQUIV   " if o.equivalent else "SURVIVED"
        print(f"  {mark} {o.mutation.id}  [{o.mutation.kind}]  {verdict(o)}", flush=True)
        if o.equivalent and not o.killed:
            print(f"           equivalent: {o.equivalent}")

    report = run_mutants(challenge, backend=backend, count=args.max, seed=args.seed, jobs=args.jobs, log=show,
                         settings=settings)
    for stale in report.stale:
        print(f"  warning: equivalent-mutants.toml lists {stale!r}, which is no mutant of the reference")
    print(f"{challenge.slug}: mutation score {report.score:g}% ({len(report.killed)} killed, "
          f"{len(report.survivors)} survived, {len(report.equivalents)} equivalent; {len(report.outcomes)} of "
          f"{report.generated} mutants graded, seed {args.seed})")
    for o in report.survivors:
        print(f"  survivor: {o.mutation.id}  [{o.mutation.kind}]")
    return 1 if report.survivors else 0


def cmd_sandbox_setup(args: argparse.Namespace) -> int:
    import os

    settings = get_settings()
    uid = settings.sandbox_uid if os.geteuid() == 0 else None
    runtime.make_home(settings.runtime_dir.parent)
    if not runtime.setup(settings.runtime_dir, uid):
        print(f"sandbox runtime at {settings.runtime_dir} is up to date")
    problem = runtime.unreachable(settings.runtime_dir, settings.sandbox_uid)
    if problem:
        raise runtime.RuntimeMissing(problem)
    return 0


def check_runtime() -> None:
    """Refuse to serve with a sandbox runtime that cannot grade: every submission would wait forever."""
    settings = get_settings()
    if settings.sandbox == "docker":
        return  # the image carries its own Python; get_backend checks the image
    runtime.check(settings.runtime_dir)
    problem = runtime.unreachable(settings.runtime_dir, settings.sandbox_uid)
    if problem:
        raise runtime.RuntimeMissing(problem)


def cmd_sandbox_check(args: argparse.Namespace) -> int:
    from proctor.grading.sandbox import BACKENDS, get_backend

    root = get_settings().docker_socket_root
    for name in BACKENDS:
        try:
            get_backend(name, docker_socket_root=root)
            print(f"{name:<8} works here")
        except SandboxUnavailable as exc:
            print(f"{name:<8} unavailable: {exc}")
    return 0


def cmd_sandbox_build_image(args: argparse.Namespace) -> int:
    import docker

    from proctor.grading.sandbox import image

    image.build(docker.from_env(), offline=args.offline)
    return 0


def cmd_sandbox_gc(args: argparse.Namespace) -> int:
    from proctor.pipeline.janitor import sweep

    print(sweep(get_settings(), docker=True, builds_always=True))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from proctor.web.app import create_app, serve
    from proctor.web.logs import configure_logging

    settings = get_settings()
    configure_logging(json_lines=settings.log_json)
    host = args.host or settings.host
    port = args.port or settings.port
    if not settings.queue_url:  # with a queue, `proctor worker` processes grade and this node needs no sandbox
        if settings.sandbox != "auto":
            from proctor.grading.sandbox import get_backend

            # an operator's explicit choice must work: fail at start, in one line
            get_backend(settings.sandbox, docker_socket_root=settings.docker_socket_root)
        check_runtime()
    serve(create_app(settings, host=host), host=host, port=port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
