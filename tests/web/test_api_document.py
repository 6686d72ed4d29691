"""The OpenAPI document and /docs: the bearer scheme, the declared errors, nothing from another host."""

from __future__ import annotations

import re

import pytest
from conftest import Client
from fastapi import FastAPI
from pagetree import parse

pytestmark = pytest.mark.anyio


async def test_every_operation_declares_the_token_and_its_errors(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["HTTPBearer"] == {
        "type": "http", "scheme": "bearer", "description": "A personal API token from /account"}
    assert "ErrorBody" in document["components"]["schemas"]
    operations = [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()]
    assert {path for path, _, _ in operations} == {
        "/api/v1/challenges", "/api/v1/challenges/{slug}", "/api/v1/submissions", "/api/v1/submissions/{submission_id}",
        "/api/v1/submissions/{submission_id}/result", "/api/v1/tokens", "/api/v1/tokens/{token_id}"}
    for path, method, op in operations:
        assert op["security"] == [{"HTTPBearer": []}], (method, path)
        assert {"401", "413", "429"} <= set(op["responses"]), (method, path)
        if "{" in path:
            assert "404" in op["responses"] and "422" in op["responses"], (method, path)
    result = document["paths"]["/api/v1/submissions/{submission_id}/result"]["get"]
    assert "409" in result["responses"]
    ids = [p for p in document["paths"]["/api/v1/submissions/{submission_id}"]["get"]["parameters"]]
    assert ids[0]["schema"]["maximum"] == 2**63 - 1 and ids[0]["schema"]["minimum"] == 1


async def test_docs_load_nothing_from_another_host(app: FastAPI, client: Client) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page = parse(response.text)
    urls = [el.attrs.get("src") or el.attrs.get("href") for el in page.iter() if el.tag in ("script", "link")]
    assert urls and all(url and url.startswith("/static/") for url in urls), urls
    assert not [el for el in page.find_all("script") if el.text().strip()], "an inline script"
    for url in urls:
        assert (await client.get(url)).status_code == 200, url
    assert (await client.get("/redoc")).status_code == 404  # FastAPI's ReDoc page loads from a CDN
    assert not re.search(r"https?://", (await client.get("/static/swagger-init.js")).text)


async def test_a_wrong_method_names_every_allowed_one(client: Client) -> None:
    response = await client.http.request("OPTIONS", "/api/v1/submissions")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    response = await client.http.request("PUT", "/api/v1/tokens/1")
    assert response.status_code == 405 and response.headers["allow"] == "DELETE"


async def test_the_result_is_documented_as_a_run_result(client: Client) -> None:
    document = (await client.get("/openapi.json")).json()
    result = document["paths"]["/api/v1/submissions/{submission_id}/result"]["get"]
    schema = result["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/RunResult"}
    run_result = document["components"]["schemas"]["RunResult"]
    assert {"schema", "status", "score", "tests", "limits", "sandbox"} <= set(run_result["properties"])
    assert "TestResult" in document["components"]["schemas"]
