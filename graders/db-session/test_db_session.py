import time
import uuid

import pytest

SETTLE_SECONDS = 1.0
# How long the connection tests wait for a request's cleanup before calling its connection leaked. Long, so that a
# loaded machine cannot make a closing app look leaky; a leaking app costs it once, as the first leak fails the test.
CLOSE_SECONDS = 4.0


def title(label="note"):
    return f"{label} {uuid.uuid4().hex[:12]}"


def open_count(client):
    response = client.get("/debug/connections")
    assert response.status_code == 200, f"GET /debug/connections answered {response.status_code}"
    return response.json().get("open")


def settle(client, seconds=SETTLE_SECONDS):
    """Wait (up to `seconds`) for the last request's dependency cleanup, which FastAPI may run after the response.

    Returns the number of open connections at the end. Once it is 0, every commit or rollback has happened.
    """
    deadline = time.monotonic() + seconds
    count = open_count(client)
    while count != 0 and time.monotonic() < deadline:
        time.sleep(0.02)
        count = open_count(client)
    return count


def create(client, label="note", body="some text"):
    response = client.post("/notes", json={"title": title(label), "body": body})
    assert response.status_code == 201, f"POST /notes answered {response.status_code}, expected 201"
    return response.json()


def all_titles(client):
    settle(client)
    response = client.get("/notes")
    assert response.status_code == 200, f"GET /notes answered {response.status_code}"
    return [note["title"] for note in response.json()]


@pytest.mark.points(2)
@pytest.mark.feedback("POST /notes should answer 201 with {\"id\", \"title\", \"body\"}, and the note should be "
                      "stored for good: GET /notes/{id} must return it. Is the transaction committed?")
def test_create_and_read(client):
    """POST /notes answers 201 with the note, and GET /notes/{id} returns it."""
    sent = {"title": title("groceries"), "body": "milk, eggs"}
    response = client.post("/notes", json=sent)
    assert response.status_code == 201
    note = response.json()
    assert set(note) == {"id", "title", "body"}
    assert isinstance(note["id"], int)
    assert (note["title"], note["body"]) == (sent["title"], sent["body"])
    settle(client)
    response = client.get(f"/notes/{note['id']}")
    assert response.status_code == 200
    assert response.json() == note


@pytest.mark.feedback("A title must be 1 to 100 characters and body a required string; anything else should "
                      "answer 422.")
def test_validation(client):
    """Bad titles or a missing body answer 422; 1- and 100-character titles are fine."""
    for bad in ({"title": "", "body": "x"}, {"title": "x" * 101, "body": "x"}, {"title": title()},
                {"body": "x"}):
        response = client.post("/notes", json=bad)
        assert response.status_code == 422, f"POST /notes {bad}: {response.status_code}"
    response = client.post("/notes", json={"title": uuid.uuid4().hex * 3 + "abcd", "body": ""})
    assert response.status_code == 201, f"a 100-character title was refused ({response.status_code})"
    # Titles are unique: 409 (already taken) also shows that the 1-character title passed validation.
    response = client.post("/notes", json={"title": "z", "body": ""})
    assert response.status_code in (201, 409), f"a 1-character title was refused ({response.status_code})"


@pytest.mark.points(2)
@pytest.mark.feedback("POST /notes with a title that already exists should answer 409 "
                      "{\"detail\": \"Duplicate title\"}.")
def test_duplicate_title(client):
    """POST /notes with an existing title answers 409."""
    note = create(client, "dup")
    settle(client)
    response = client.post("/notes", json={"title": note["title"], "body": "again"})
    assert response.status_code == 409
    assert response.json() == {"detail": "Duplicate title"}


@pytest.mark.feedback("GET /notes should answer 200 with every note, in id order.")
def test_list_in_id_order(client):
    """GET /notes lists every note in id order."""
    first = create(client, "first")
    second = create(client, "second")
    settle(client)
    response = client.get("/notes")
    assert response.status_code == 200
    notes = response.json()
    ids = [n["id"] for n in notes]
    assert ids == sorted(ids), "the notes are not in id order"
    assert first in notes and second in notes


@pytest.mark.feedback("GET /notes/{id} for an id no note has should answer 404 {\"detail\": \"Note not found\"}.")
def test_unknown_note(client):
    """GET /notes/{id} of an unknown id answers 404."""
    response = client.get("/notes/987654321")
    assert response.status_code == 404
    assert response.json() == {"detail": "Note not found"}


@pytest.mark.points(2)
@pytest.mark.feedback("DELETE /notes/{id} should answer 204 with no body and remove the note for good; deleting "
                      "it again (or any unknown id) should answer 404 {\"detail\": \"Note not found\"}.")
def test_delete(client):
    """DELETE /notes/{id} answers 204, then the note is gone."""
    note = create(client, "doomed")
    settle(client)
    response = client.delete(f"/notes/{note['id']}")
    assert response.status_code == 204
    assert response.content == b""
    settle(client)
    assert client.get(f"/notes/{note['id']}").status_code == 404
    response = client.delete(f"/notes/{note['id']}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Note not found"}


@pytest.mark.points(2)
@pytest.mark.feedback("POST /notes/bulk should answer 201 with the created notes, in the order sent, and store "
                      "them all.")
def test_bulk_create(client):
    """POST /notes/bulk stores a list of notes and returns them."""
    sent = [{"title": title(f"bulk {i}"), "body": f"body {i}"} for i in range(3)]
    response = client.post("/notes/bulk", json=sent)
    assert response.status_code == 201
    notes = response.json()
    assert [(n["title"], n["body"]) for n in notes] == [(s["title"], s["body"]) for s in sent]
    assert all(set(n) == {"id", "title", "body"} for n in notes)
    stored = all_titles(client)
    assert all(s["title"] in stored for s in sent), "not every note of the list was stored"


@pytest.mark.points(3)
@pytest.mark.feedback("When one title of a bulk list already exists, POST /notes/bulk should answer 409 "
                      "{\"detail\": \"Duplicate title\"} and store none of the list: the notes inserted before "
                      "the duplicate must be rolled back too.")
def test_bulk_is_all_or_nothing(client):
    """A bulk list with an existing title stores nothing."""
    existing = create(client, "existing")
    settle(client)
    before, after = title("before"), title("after")
    response = client.post("/notes/bulk", json=[{"title": before, "body": ""}, {"title": existing["title"], "body": ""},
                                                {"title": after, "body": ""}])
    assert response.status_code == 409
    assert response.json() == {"detail": "Duplicate title"}
    stored = all_titles(client)
    assert before not in stored, "the note before the duplicate was stored"
    assert after not in stored


@pytest.mark.points(2)
@pytest.mark.feedback("A bulk list that repeats a title should answer 409 {\"detail\": \"Duplicate title\"} and "
                      "store none of the list.")
def test_bulk_duplicate_within_list(client):
    """A bulk list that repeats one of its own titles stores nothing."""
    repeated, other = title("twice"), title("other")
    response = client.post("/notes/bulk", json=[{"title": repeated, "body": "1"}, {"title": other, "body": "2"},
                                                {"title": repeated, "body": "3"}])
    assert response.status_code == 409
    assert response.json() == {"detail": "Duplicate title"}
    stored = all_titles(client)
    assert repeated not in stored and other not in stored


@pytest.mark.points(2)
@pytest.mark.feedback("After a successful request, GET /debug/connections should report {\"open\": 0}: the "
                      "dependency must close its connection every time (and open one per request, not share "
                      "one).")
def test_connections_closed_after_success(client):
    """No connection stays open after successful requests."""
    note = create(client, "tidy")
    requests = [("POST /notes", lambda: create(client, "tidy")), ("GET /notes", lambda: client.get("/notes")),
                ("GET /notes/{id}", lambda: client.get(f"/notes/{note['id']}")),
                ("DELETE /notes/{id}", lambda: client.delete(f"/notes/{note['id']}"))]
    for name, send in requests:
        send()
        count = settle(client, CLOSE_SECONDS)
        assert count == 0, f"after {name}, GET /debug/connections reported {count} open"


@pytest.mark.points(3)
@pytest.mark.feedback("After a failed request (404, 409, 422), GET /debug/connections should report "
                      "{\"open\": 0}: close the connection in a `finally`, so it is closed when the route raises.")
def test_connections_closed_after_errors(client):
    """No connection stays open after failed requests."""
    note = create(client, "taken")
    settle(client)
    requests = [
        ("GET /notes/{unknown id} (404)", lambda: client.get("/notes/987654321")),
        ("DELETE /notes/{unknown id} (404)", lambda: client.delete("/notes/987654321")),
        ("POST /notes with a duplicate title (409)",
         lambda: client.post("/notes", json={"title": note["title"], "body": ""})),
        ("POST /notes/bulk with a duplicate title (409)",
         lambda: client.post("/notes/bulk", json=[{"title": title(), "body": ""}, {"title": note["title"], "body": ""}])),
        ("POST /notes with an empty title (422)", lambda: client.post("/notes", json={"title": "", "body": ""})),
    ]
    for name, send in requests:
        send()
        count = settle(client, CLOSE_SECONDS)
        assert count == 0, f"after {name}, GET /debug/connections reported {count} open"
