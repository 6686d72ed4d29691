"""Visible examples: run them with "Run examples". The hidden tests check more, including timing under load."""


def test_quote(client):
    """GET /quotes/{i} answers the quote."""
    response = client.get("/quotes/7")
    assert response.status_code == 200
    assert response.json() == {"quote": "quote #7"}


def test_report(client):
    """GET /reports/{i} answers the report."""
    response = client.get("/reports/7")
    assert response.status_code == 200
    assert response.json() == {"report": "report #7"}
