"""The home page: counts by type, sources with dates, and links to the named queries."""

from __future__ import annotations

from fastapi.testclient import TestClient
from mdkg import Settings
from mdkg.web.app import create_app


def _client() -> TestClient:
    return TestClient(create_app(Settings()))


def test_home_json_counts_sources_and_queries() -> None:
    with _client() as client:
        response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = response.json()
    counts = {c["label"]: c["count"] for c in body["counts"]}
    assert counts["state"] == 27
    assert counts["delegation"] == 18
    assert counts["memorandum of understanding or framework agreement"] == 10
    assert [s["issued"] for s in body["sources"]] == ["2026-02-05"]
    assert any(q["name"] == "mou-and-ustr-action-plan" for q in body["queries"])


def test_home_html_links_every_named_query() -> None:
    with _client() as client:
        page = client.get("/", headers={"Accept": "text/html"})
        names = [q["name"] for q in client.get("/queries.json").json()["queries"]]
    assert page.status_code == 200
    assert "S&amp;P Global (Commodity Insights)" in page.text
    for name in names:
        assert f'href="/queries/{name}"' in page.text


def test_home_refuses_unacceptable_types() -> None:
    with _client() as client:
        response = client.get("/", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"
