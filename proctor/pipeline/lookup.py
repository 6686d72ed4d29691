"""Finding a challenge by slug across the public packs and the packs interviewers wrote in the browser.

    lookup = ChallengeLookup(catalog, store, settings.data_dir / "authored")
    lookup.get("hello-route")          # a pack on disk
    lookup.get("my-private-one")       # an authored pack, written out from the database

The practice pages keep using the public Catalog, so an authored challenge is reachable only through an
assessment (and its author's pages); the grading workers and the timed sessions use this lookup. Each version
of an authored pack is written to a folder named by its content hash, so editing a challenge never changes
files under a grading that is still reading them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from proctor.grading.packs import Catalog, Challenge, UnknownChallenge, load_challenge
from proctor.store import Store, authored_challenges
from proctor.store.authored_challenges import AuthoredChallenge


def pack_digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def write_pack(root: Path, slug: str, files: dict[str, str]) -> Challenge:
    """Write pack files (keys like challenges/<slug>/prompt.md) under root/<digest>/ and load the challenge."""
    base = root / pack_digest(files)
    if not (base / "challenges" / slug / "challenge.toml").is_file():
        for rel, text in files.items():
            path = base / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return load_challenge(base / "challenges", base / "graders", slug)


class ChallengeLookup(Catalog):
    """A Catalog whose `get` also finds validated authored packs; `all()` and `slugs()` stay public only."""

    def __init__(self, public: Catalog, store: Store, authored_dir: Path) -> None:
        super().__init__(public.challenges_dir, public.graders_dir)
        self.public = public
        self.store = store
        self.authored_dir = authored_dir
        self._loaded: dict[tuple[str, str], Challenge] = {}
        self._lock = threading.Lock()

    def all(self) -> list[Challenge]:
        return self.public.all()

    def slugs(self) -> list[str]:
        return self.public.slugs()

    def get(self, slug: str) -> Challenge:
        try:
            return self.public.get(slug)
        except UnknownChallenge:
            authored = authored_challenges.get(self.store, slug=slug)
            if authored is None:
                raise
            return self.load(authored)

    def load(self, authored: AuthoredChallenge) -> Challenge:
        key = (authored.slug, pack_digest(authored.files))
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = write_pack(self.authored_dir, authored.slug, authored.files)
            return self._loaded[key]

    def title(self, slug: str) -> str:
        try:
            return self.get(slug).title
        except (UnknownChallenge, ValueError):
            return slug

    def kind(self, slug: str) -> str:
        """"quiz" or "http"; a pack that no longer loads counts as a coding challenge."""
        try:
            return self.get(slug).kind
        except (UnknownChallenge, ValueError):
            return "http"
