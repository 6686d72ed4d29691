"""Challenges written in the browser: a form, validated like a pack in a worker after each save, exported as a
zip of the pack."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from proctor.grading.packs import SLUG, PackError
from proctor.grading.quiz import quiz_problems
from proctor.pipeline.lookup import write_pack
from proctor.store import authored_challenges, validations
from proctor.store.users import User
from proctor.store.validations import Validation
from proctor.web.access import managed_authored
from proctor.web.authoring_packs import (
    DIFFICULTIES,
    KINDS,
    MUTANTS,
    WRONG_CASES,
    Mutant,
    PackForm,
    form_of,
    kind_problems,
    new_form,
    pack_files,
    zip_pack,
)
from proctor.web.csrf import verify_csrf
from proctor.web.deps import StaffUser, StoreDep
from proctor.web.markdown import render_markdown
from proctor.web.state import state_of
from proctor.web.templating import render

router = APIRouter(dependencies=[Depends(verify_csrf)], tags=["authoring"])
MAX_FIELD = 64 * 1024
Text = Annotated[str, Form(max_length=MAX_FIELD)]
Texts = Annotated[list[str], Form()]  # each checked against MAX_FIELD in `save`; the body limit caps the rest


def form_page(request: Request, form: PackForm, *, creating: bool, problems: list[str], validated: bool = False,
              validation: Validation | None = None, status_code: int = 200) -> Response:
    context = {"form": form, "creating": creating, "problems": problems, "validated": validated,
               "difficulties": DIFFICULTIES, "kinds": KINDS, "validation": validation,
               "waiting": validation is not None and waiting(request, validation),
               "action": "/authoring" if creating else f"/authoring/{form.slug}"}
    return render(request, "authoring_form.html", context, block="pack_form", status_code=status_code)


@router.get("/authoring")
def list_authored(request: Request, store: StoreDep, user: StaffUser) -> Response:
    rows = authored_challenges.list_for(store, owner_id=None if user.role == "admin" else user.id)
    kinds = {a.slug: form_of(a.slug, a.files).kind for a in rows}
    return render(request, "authoring.html", {"rows": rows, "kinds": kinds}, block="authored")


@router.get("/authoring/new")
def new_authored(request: Request, user: StaffUser, kind: str = "http") -> Response:
    return form_page(request, new_form(kind), creating=True, problems=[])


@router.post("/authoring/preview")
def preview_prompt(request: Request, user: StaffUser, prompt: Text = "") -> Response:
    return HTMLResponse(f'<div id="prompt-preview" class="prompt">{render_markdown(prompt)}</div>')


def slug_problem(request: Request, slug: str, owner_id: int) -> str | None:
    """Why a slug the author typed cannot be used, or None. It is checked as stored, in the author's own
    namespace (`owned_slug`), so the answer never says whether another interviewer has a slug of that name."""
    stored = authored_challenges.owned_slug(slug, owner_id)
    if not SLUG.match(slug) or len(slug) > 50 or not SLUG.match(stored):
        return "The slug is 1 to 50 lower-case letters, digits and dashes, starting with a letter or digit " \
               "(e.g. orders-api)."
    if stored in state_of(request).catalog.slugs() or authored_challenges.get(state_of(request).store, slug=stored):
        return f"You already have a challenge “{stored}”; choose another slug."
    return None


@router.post("/authoring/slug")
def check_slug(request: Request, user: StaffUser, slug: Annotated[str, Form(max_length=200)] = "") -> Response:
    """The message under the slug field, as the author types (the same check runs again on save)."""
    slug = slug.strip()
    problem = slug_problem(request, slug, user.id) if slug else None
    stored = authored_challenges.owned_slug(slug, user.id) if slug else ""
    return render(request, "_slug_message.html", {"slug": slug, "stored": stored, "problem": problem})


def save(request: Request, user: User, form: PackForm, *, creating: bool) -> Response:
    store = state_of(request).store
    problems = []
    if creating:
        problem = slug_problem(request, form.slug, user.id)
        if problem:
            problems.append(problem)
    if not form.title.strip():
        problems.append("Give the challenge a title.")
    if form.difficulty not in DIFFICULTIES:
        problems.append("Choose a difficulty.")
    if any(len(text) > MAX_FIELD for text in [*form.wrong, *(m.code for m in form.mutants)]):
        problems.append(f"Each code field holds at most {MAX_FIELD // 1024} KiB.")
    problems += kind_problems(form)
    if problems:
        return form_page(request, form, creating=creating, problems=problems, status_code=400)
    if creating:
        form = replace(form, slug=authored_challenges.owned_slug(form.slug, user.id))
    files = pack_files(form)
    try:  # only reading the files here: the gradings run in a worker (docs/security.md)
        challenge = write_pack(state_of(request).settings.data_dir / "authored", form.slug, files)
    except PackError as exc:
        return form_page(request, form, creating=creating, problems=[str(exc).split(": ", 1)[-1]], status_code=400)
    if form.kind == "quiz" and (unsound := quiz_problems(challenge)):  # data only: cheap to check here
        return form_page(request, form, creating=creating, problems=unsound, status_code=400)
    try:
        authored_challenges.save(store, slug=form.slug, owner_id=user.id, title=form.title.strip(), files=files,
                                 problems=[], validated=False, create=creating)
    except authored_challenges.SlugTaken:
        return form_page(request, form, creating=True, status_code=400,
                         problems=[f"You already have a challenge “{form.slug}”; choose another slug."])
    optional = ([] if form.examples.strip() else ["no visible examples"]) + (
        [] if any(w.strip() for w in form.wrong) and form.kind != "quiz" else ["no wrong/ cases"])
    validations.enqueue(store, slug=form.slug, owner_id=user.id, files=files, optional=optional)
    workers = state_of(request).workers
    if workers:
        workers.notify()
    return RedirectResponse(f"/authoring/{form.slug}", status_code=303)


def waiting(request: Request, validation: Validation) -> bool:
    """A queued check that waits for another of its interviewer's (one runs at a time per interviewer)."""
    return validation.status == "queued" and validations.running_count(
        state_of(request).store, owner_id=validation.owner_id) > 0


def read_form(slug: str, title: str, difficulty: str, minutes: str, prompt: str, starter: str, examples: str,
              tests: str, reference: str, wrong: list[str], *, kind: str, app: str = "", why: list[str] | None = None,
              mutant: list[str] | None = None, quiz: str = "", key: str = "") -> PackForm:
    why, mutant = (why or [])[:MUTANTS], (mutant or [])[:MUTANTS]
    mutants = [Mutant(w, m) for w, m in zip(why + [""] * (MUTANTS - len(why)), mutant + [""] * (MUTANTS - len(mutant)),
                                            strict=True)]
    return PackForm(slug.strip(), title, difficulty, minutes, prompt, starter, examples, tests, reference,
                    (wrong + [""] * WRONG_CASES)[:WRONG_CASES], kind=kind if kind in KINDS else "http", app=app,
                    mutants=mutants, quiz=quiz, key=key)


@router.post("/authoring")
def create_authored(request: Request, user: StaffUser, slug: Text = "", title: Text = "", difficulty: Text = "",
                    minutes: Text = "15", prompt: Text = "", starter: Text = "", examples: Text = "",
                    tests: Text = "", reference: Text = "", kind: Text = "http", app: Text = "", quiz: Text = "",
                    key: Text = "", wrong: Texts = [], why: Texts = [], mutant: Texts = []) -> Response:  # noqa: B006
    form = read_form(slug, title, difficulty, minutes, prompt, starter, examples, tests, reference, wrong, kind=kind,
                     app=app, why=why, mutant=mutant, quiz=quiz, key=key)
    return save(request, user, form, creating=True)


@router.get("/authoring/{slug}")
def show_authored(request: Request, slug: str, store: StoreDep, user: StaffUser) -> Response:
    authored = managed_authored(store, slug, user)
    validation = validations.latest(store, slug=slug)
    if validation is not None:  # its partial shows the verdict, or the progress towards one
        return form_page(request, form_of(slug, authored.files), creating=False, problems=[], validation=validation)
    return form_page(request, form_of(slug, authored.files), creating=False, problems=authored.problems,
                     validated=authored.validated)


@router.get("/authoring/{slug}/validation")
def show_validation(request: Request, slug: str, store: StoreDep, user: StaffUser) -> Response:
    """The validation panel alone: htmx polls it while the check is queued or running."""
    managed_authored(store, slug, user)
    validation = validations.latest(store, slug=slug)
    if validation is None:
        return HTMLResponse('<div id="validation-status"></div>')
    return render(request, "_validation_status.html",
                  {"validation": validation, "waiting": waiting(request, validation)})


@router.post("/authoring/{slug}")
def update_authored(request: Request, slug: str, store: StoreDep, user: StaffUser, title: Text = "",
                    difficulty: Text = "", minutes: Text = "15", prompt: Text = "", starter: Text = "",
                    examples: Text = "", tests: Text = "", reference: Text = "", app: Text = "", quiz: Text = "",
                    key: Text = "", wrong: Texts = [], why: Texts = [], mutant: Texts = []) -> Response:  # noqa: B006
    authored = managed_authored(store, slug, user)
    kind = form_of(slug, authored.files).kind  # a pack keeps the kind it was created with
    form = read_form(slug, title, difficulty, minutes, prompt, starter, examples, tests, reference, wrong, kind=kind,
                     app=app, why=why, mutant=mutant, quiz=quiz, key=key)
    return save(request, user, form, creating=False)


@router.get("/authoring/{slug}/pack.zip")
def export_authored(request: Request, slug: str, store: StoreDep, user: StaffUser) -> Response:
    authored = managed_authored(store, slug, user)
    return Response(zip_pack(authored.files), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.zip"'})
