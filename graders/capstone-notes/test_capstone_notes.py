"""Hidden tests for the capstone notes API.

The app's notes are shared by every test of a run, so each test makes its own notes and, where it lists them,
filters by a tag of its own.
"""

import uuid
from datetime import datetime

import httpx
import pytest

ANN = {"X-API-Key": "key-ann"}
BEN = {"X-API-Key": "key-ben"}
NOBODY = {"X-API-Key": "key-nobody"}
NOTE_KEYS = {"id", "title", "body", "tags", "owner", "created_at"}
MISSING = 987654321  # an id no test creates
NOT_FOUND = {"detail": "Note not found"}


@pytest.fixture(autouse=True)
def follow_redirects(client):
    """A route declared as "/" under the prefix /notes answers /notes with a redirect (307, which keeps the method,
    body and headers). Real clients follow it, so the tests do too."""
    client.follow_redirects = True


def unique_tag() -> str:
    return "t" + uuid.uuid4().hex[:12]


def create(client: httpx.Client, headers: dict = ANN, **fields) -> dict:
    payload = {"title": "Note " + uuid.uuid4().hex[:8], "body": "some text", "tags": [], **fields}
    response = client.post("/notes", json=payload, headers=headers)
    assert response.status_code == 201, f"POST /notes answered {response.status_code}: {response.text[:200]}"
    return response.json()


def listing(client: httpx.Client, headers: dict = ANN, **params) -> dict:
    response = client.get("/notes", params=params, headers=headers)
    assert response.status_code == 200, f"GET /notes answered {response.status_code}: {response.text[:200]}"
    return response.json()


def is_uuid4(value: str | None) -> bool:
    try:
        parsed = uuid.UUID(value or "")
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == value


def protected_requests(note_id) -> list[tuple[str, str, dict | None]]:
    """One request of each protected route, valid except for the key, aimed at an existing note."""
    return [
        ("GET", "/notes", None),
        ("POST", "/notes", {"title": "Unauthorised", "body": "", "tags": []}),
        ("GET", f"/notes/{note_id}", None),
        ("PATCH", f"/notes/{note_id}", {"title": "Hijacked"}),
        ("DELETE", f"/notes/{note_id}", None),
    ]


# -- authentication -----------------------------------------------------------------------------------------

@pytest.mark.points(1)
@pytest.mark.feedback("GET /health should answer 200 {\"status\": \"ok\"} with no API key.")
def test_health_needs_no_key(client):
    """GET /health answers without an API key."""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.points(2)
@pytest.mark.feedback("Every notes route without an X-API-Key header should answer 401 with exactly "
                      "{\"detail\": \"Missing API key\"}, and change nothing.")
def test_missing_key_is_401(client):
    """Without X-API-Key, every notes route is a 401."""
    note = create(client)
    for method, path, payload in protected_requests(note["id"]):
        response = client.request(method, path, json=payload)
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        assert response.json() == {"detail": "Missing API key"}, f"{method} {path}"
    assert client.get(f"/notes/{note['id']}", headers=ANN).json() == note


@pytest.mark.points(2)
@pytest.mark.feedback("Every notes route with an unknown X-API-Key should answer 403 with exactly "
                      "{\"detail\": \"Invalid API key\"}, and change nothing.")
def test_unknown_key_is_403(client):
    """With an unknown X-API-Key, every notes route is a 403."""
    note = create(client)
    for method, path, payload in protected_requests(note["id"]):
        response = client.request(method, path, json=payload, headers=NOBODY)
        assert response.status_code == 403, f"{method} {path} answered {response.status_code}"
        assert response.json() == {"detail": "Invalid API key"}, f"{method} {path}"
    assert client.get(f"/notes/{note['id']}", headers=ANN).json() == note


# -- creating ------------------------------------------------------------------------------------------------

@pytest.mark.points(3)
@pytest.mark.feedback("POST /notes should answer 201 with exactly id, title, body, tags, owner (the key's user) "
                      "and created_at (an ISO 8601 date-time).")
def test_create_note(client):
    """POST /notes creates a note owned by the caller."""
    title = "Groceries " + uuid.uuid4().hex[:6]
    response = client.post("/notes", json={"title": title, "body": "milk, eggs", "tags": ["home"]}, headers=BEN)
    assert response.status_code == 201
    note = response.json()
    assert set(note) == NOTE_KEYS
    assert (note["title"], note["body"], note["tags"], note["owner"]) == (title, "milk, eggs", ["home"], "ben")
    assert isinstance(note["created_at"], str)
    datetime.fromisoformat(note["created_at"])


@pytest.mark.points(1)
@pytest.mark.feedback("When the body is left out of POST /notes it should be \"\".")
def test_body_defaults_to_empty(client):
    """A note created without a body has an empty body."""
    response = client.post("/notes", json={"title": "No body", "tags": []}, headers=ANN)
    assert response.status_code == 201
    assert response.json()["body"] == ""


@pytest.mark.points(2)
@pytest.mark.feedback("Tags should be lower-cased, and a repeated tag dropped, keeping the order in which each "
                      "tag first appeared.")
def test_tags_are_normalised(client):
    """Tags are lower-cased and de-duplicated, keeping their order."""
    note = create(client, tags=["Python", "API", "python", "api", "Web"])
    assert note["tags"] == ["python", "api", "web"]


@pytest.mark.points(2)
@pytest.mark.feedback("POST /notes should answer 422 for a missing or empty title, a title over 80 characters, a "
                      "body over 2000, more than 5 tags, or a tag that is empty or over 20 characters; the limits "
                      "themselves are allowed.")
def test_create_validation(client):
    """POST /notes validates the title, body and tags."""
    bad = [
        {"body": "no title", "tags": []},
        {"title": "", "tags": []},
        {"title": "x" * 81, "tags": []},
        {"title": "long body", "body": "b" * 2001, "tags": []},
        {"title": "six tags", "tags": ["a", "b", "c", "d", "e", "f"]},
        {"title": "empty tag", "tags": [""]},
        {"title": "long tag", "tags": ["t" * 21]},
    ]
    for payload in bad:
        response = client.post("/notes", json=payload, headers=ANN)
        assert response.status_code == 422, f"{payload} answered {response.status_code}"
    limits = {"title": "x" * 80, "body": "b" * 2000, "tags": ["a", "b", "c", "d", "t" * 20]}
    assert client.post("/notes", json=limits, headers=ANN).status_code == 201
    shortest = {"title": "x", "body": "", "tags": ["t"]}
    response = client.post("/notes", json=shortest, headers=ANN)
    assert response.status_code == 201, f"a 1-character title and tag answered {response.status_code}"


# -- reading -------------------------------------------------------------------------------------------------

@pytest.mark.points(1)
@pytest.mark.feedback("GET /notes/{id} should answer 200 with the caller's note, as POST /notes returned it.")
def test_read_own_note(client):
    """GET /notes/{id} returns the caller's note."""
    note = create(client, tags=["read"])
    response = client.get(f"/notes/{note['id']}", headers=ANN)
    assert response.status_code == 200
    assert response.json() == note


@pytest.mark.points(1)
@pytest.mark.feedback("An unknown note id should answer 404 with exactly {\"detail\": \"Note not found\"}.")
def test_unknown_note_is_404(client):
    """An unknown note id is a 404."""
    for method in ("GET", "DELETE"):
        response = client.request(method, f"/notes/{MISSING}", headers=ANN)
        assert response.status_code == 404, method
        assert response.json() == NOT_FOUND, method
    response = client.patch(f"/notes/{MISSING}", json={"title": "Nothing"}, headers=ANN)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.points(3)
@pytest.mark.feedback("Another user's note must look exactly like a missing one: GET, PATCH and DELETE answer "
                      "404 {\"detail\": \"Note not found\"} and change nothing.")
def test_other_users_note_is_404(client):
    """Another user's note can be neither read, changed nor deleted."""
    note = create(client, title="Ann's secret", tags=["private"])
    for method, payload in (("GET", None), ("PATCH", {"title": "Ben was here"}), ("DELETE", None)):
        response = client.request(method, f"/notes/{note['id']}", json=payload, headers=BEN)
        assert response.status_code == 404, f"{method} answered {response.status_code}"
        assert response.json() == NOT_FOUND, method
    assert client.get(f"/notes/{note['id']}", headers=ANN).json() == note


# -- listing -------------------------------------------------------------------------------------------------

@pytest.mark.points(3)
@pytest.mark.feedback("GET /notes should answer {\"total\": ..., \"items\": [...]} with only the caller's notes, "
                      "newest first, each with the same keys as POST /notes returns.")
def test_list_own_notes_newest_first(client):
    """GET /notes lists only the caller's notes, newest first."""
    tag = unique_tag()
    mine = [create(client, tags=[tag]) for _ in range(3)]
    theirs = create(client, BEN, tags=[tag])
    page = listing(client, tag=tag)
    assert set(page) == {"total", "items"}
    assert page["total"] == 3
    assert page["items"] == mine[::-1]
    assert listing(client, BEN, tag=tag) == {"total": 1, "items": [theirs]}
    everything = listing(client, limit=50)
    assert everything["items"][0] == mine[-1]
    assert all(item["owner"] == "ann" and set(item) == NOTE_KEYS for item in everything["items"])


@pytest.mark.points(2)
@pytest.mark.feedback("skip and limit should page through the matches (newest first; skip=0 is the first page), "
                      "\"total\" should count every match, not just the page, and the default page is skip=0, "
                      "limit=20.")
def test_list_pagination(client):
    """skip and limit page through the notes; total counts all matches."""
    tag = unique_tag()
    notes = [create(client, tags=[tag]) for _ in range(5)]
    newest_first = notes[::-1]
    page = listing(client, tag=tag, skip=1, limit=2)
    assert page == {"total": 5, "items": newest_first[1:3]}
    assert listing(client, tag=tag, skip=0, limit=2) == {"total": 5, "items": newest_first[:2]}
    assert listing(client, tag=tag, skip=4, limit=10) == {"total": 5, "items": newest_first[4:]}
    assert listing(client, tag=tag, skip=5) == {"total": 5, "items": []}
    many = unique_tag()
    for _ in range(21):
        create(client, tags=[many])
    page = listing(client, tag=many)
    assert page["total"] == 21
    assert len(page["items"]) == 20


@pytest.mark.points(1)
@pytest.mark.feedback("The tag filter should return only the caller's notes that carry that tag.")
def test_list_filters_by_tag(client):
    """The tag filter keeps only the notes with that tag."""
    wanted, other = unique_tag(), unique_tag()
    tagged = create(client, tags=["misc", wanted])
    create(client, tags=[other])
    assert listing(client, tag=wanted) == {"total": 1, "items": [tagged]}


@pytest.mark.points(1)
@pytest.mark.feedback("limit must be between 1 and 50: 0 and 51 are a 422, 1 and 50 are fine. skip must be at least "
                      "0: -1 is a 422, 0 is fine.")
def test_list_limit_bounds(client):
    """limit is validated: 1 to 50; skip: at least 0."""
    for params in ({"limit": 0}, {"limit": 51}, {"skip": -1}):
        assert client.get("/notes", params=params, headers=ANN).status_code == 422, f"{params}"
    for params in ({"limit": 1}, {"limit": 50}, {"skip": 0}):
        assert client.get("/notes", params=params, headers=ANN).status_code == 200, f"{params}"


# -- updating and deleting -----------------------------------------------------------------------------------

@pytest.mark.points(3)
@pytest.mark.feedback("PATCH /notes/{id} should change only the fields in the request (normalising tags as on "
                      "create), keep every other field as it was, and answer 200 with the whole note.")
def test_patch_changes_only_given_fields(client):
    """PATCH changes only the fields it is given."""
    note = create(client, title="Draft", body="first version", tags=["work"])
    response = client.patch(f"/notes/{note['id']}", json={"body": "second version"}, headers=ANN)
    assert response.status_code == 200
    assert response.json() == {**note, "body": "second version"}
    response = client.patch(f"/notes/{note['id']}", json={"tags": ["Todo", "todo", "Urgent"]}, headers=ANN)
    assert response.status_code == 200
    assert response.json() == {**note, "body": "second version", "tags": ["todo", "urgent"]}
    response = client.patch(f"/notes/{note['id']}", json={"title": "Final"}, headers=ANN)
    expected = {**note, "title": "Final", "body": "second version", "tags": ["todo", "urgent"]}
    assert response.json() == expected
    assert client.get(f"/notes/{note['id']}", headers=ANN).json() == expected


@pytest.mark.points(1)
@pytest.mark.feedback("PATCH should validate like POST: an empty title, a body over 2000 characters or more than "
                      "5 tags is a 422, and the note stays as it was.")
def test_patch_validation(client):
    """PATCH validates its fields like POST."""
    note = create(client, tags=["keep"])
    for payload in ({"title": ""}, {"body": "b" * 2001}, {"tags": ["a", "b", "c", "d", "e", "f"]}):
        response = client.patch(f"/notes/{note['id']}", json=payload, headers=ANN)
        assert response.status_code == 422, f"{payload} answered {response.status_code}"
    assert client.get(f"/notes/{note['id']}", headers=ANN).json() == note


@pytest.mark.points(2)
@pytest.mark.feedback("DELETE /notes/{id} should answer 204; afterwards the note is gone: GET and DELETE answer "
                      "404 and it is no longer listed.")
def test_delete_note(client):
    """DELETE removes the note."""
    tag = unique_tag()
    note = create(client, tags=[tag])
    response = client.delete(f"/notes/{note['id']}", headers=ANN)
    assert response.status_code == 204
    assert client.get(f"/notes/{note['id']}", headers=ANN).status_code == 404
    assert client.delete(f"/notes/{note['id']}", headers=ANN).status_code == 404
    assert listing(client, tag=tag) == {"total": 0, "items": []}


# -- request ids ---------------------------------------------------------------------------------------------

@pytest.mark.points(1)
@pytest.mark.feedback("A valid X-Request-ID (1 to 64 letters, digits or dashes) sent by the client should come "
                      "back unchanged in the response's X-Request-ID.")
def test_request_id_is_echoed(client):
    """A valid X-Request-ID is echoed back."""
    for request_id in ("abc-123", "A" * 64, uuid.uuid4().hex):
        response = client.get("/health", headers={"X-Request-ID": request_id})
        assert response.headers.get("x-request-id") == request_id
    response = client.get("/notes", headers={**ANN, "X-Request-ID": "list-call-7"})
    assert response.headers.get("x-request-id") == "list-call-7"


@pytest.mark.points(2)
@pytest.mark.feedback("Without an X-Request-ID, or with an invalid one (empty, over 64 characters, or with other "
                      "characters than letters, digits and dashes), the response should carry a new UUID4 in "
                      "canonical form, different for each request.")
def test_request_id_is_generated(client):
    """A missing or invalid X-Request-ID is replaced by a new UUID4."""
    seen = set()
    for headers in ({}, {"X-Request-ID": "has space"}, {"X-Request-ID": "A" * 65}, {"X-Request-ID": "under_score"},
                    {"X-Request-ID": "semi;colon"}, {"X-Request-ID": ""}):
        value = client.get("/health", headers=headers).headers.get("x-request-id")
        assert is_uuid4(value), f"{headers} got X-Request-ID {value!r}"
        seen.add(value)
    assert len(seen) == 6, "the generated ids repeat"


@pytest.mark.points(2)
@pytest.mark.feedback("Error responses need X-Request-ID too: the 401, 403, 404 and 422 answers should carry it, "
                      "echoed or generated as for any other response.")
def test_request_id_on_errors(client):
    """Error responses carry X-Request-ID too."""
    errors = [
        ("GET", "/notes", {}, None, 401),
        ("GET", "/notes", NOBODY, None, 403),
        ("GET", f"/notes/{MISSING}", ANN, None, 404),
        ("POST", "/notes", ANN, {"title": ""}, 422),
        ("GET", "/notes", ANN, {"limit": 0}, 422),
    ]
    for method, path, headers, payload, expected in errors:
        request_id = "err-" + uuid.uuid4().hex[:8]
        kwargs = {"params": payload} if method == "GET" and payload else {"json": payload}
        response = client.request(method, path, headers={**headers, "X-Request-ID": request_id}, **kwargs)
        assert response.status_code == expected, f"{method} {path} answered {response.status_code}"
        assert response.headers.get("x-request-id") == request_id, f"{method} {path} ({expected})"
    response = client.get("/notes")
    assert is_uuid4(response.headers.get("x-request-id")), "a 401 without X-Request-ID got no generated id"
