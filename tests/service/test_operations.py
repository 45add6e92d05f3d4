"""``/healthz``, ``/metrics`` and the access log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from mdkg.errors import ParameterError, StoreUnavailable
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

PROJECT = Path(__file__).parents[1] / "validation" / "fixtures" / "project"


@pytest.fixture
def settings() -> Settings:
    return Settings(root=PROJECT, load_on_start=True)


def _samples(client: TestClient, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def _value(client: TestClient, name: str, **labels: str) -> float:
    return _samples(client, name).get(tuple(sorted(labels.items())), 0.0)


# --------------------------------------------------------------------------- /healthz


def test_healthz_reports_the_store(client: TestClient, store: OxigraphStore) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "ok", "store": "oxigraph", "reachable": True, "quads": store.quad_count()}
    assert body["quads"] > 0


class _BrokenStore(OxigraphStore):
    """A store whose backend has gone away."""

    def quad_count(self, graph: str | None = None) -> int:
        raise StoreUnavailable("connection refused by the triple store")


def test_healthz_is_503_when_the_store_is_unreachable() -> None:
    app = create_app(Settings(root=PROJECT, load_on_start=False), store=_BrokenStore())
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["reachable"] is False and body["quads"] is None
    assert body["store"] == "oxigraph"
    assert "connection refused" in body["error"]


# --------------------------------------------------------------------------- /metrics


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/healthz")
    client.get("/export/source/nope")
    client.get("/export/reference")
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    assert _value(client, "mdkg_http_requests_total", route="/healthz", method="GET", status="200") == 2
    assert _value(client, "mdkg_http_requests_total", route="/export/{graph}", method="GET",
                  status="404") == 1
    assert _value(client, "mdkg_http_requests_total", route="/export/{graph}", method="GET",
                  status="200") == 1
    routes = {dict(labels)["route"] for labels in _samples(client, "mdkg_http_requests_total")}
    assert "/export/source/nope" not in routes
    assert _value(client, "mdkg_http_request_duration_seconds_count", route="/healthz", method="GET") == 2


def test_unmatched_paths_share_one_label(client: TestClient) -> None:
    for path in ("/no-such-thing-1", "/no-such-thing-2"):
        client.get(path)
    routes = {dict(labels)["route"] for labels in _samples(client, "mdkg_http_requests_total")}
    assert not any(r.startswith("/no-such-thing") for r in routes)


def _add_first(app: FastAPI, path: str, endpoint: Callable[..., Any]) -> None:
    # Ahead of every feature route, so that no catch-all answers first.
    app.router.add_api_route(path, endpoint, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())


@pytest.fixture
def probe_app(app: FastAPI) -> FastAPI:
    async def bad_parameter() -> None:
        raise ParameterError("parameter 'country' must be an ISO code")

    async def crash() -> None:
        raise RuntimeError("boom")

    _add_first(app, "/queries-probe/bad", bad_parameter)
    _add_first(app, "/queries-probe/crash", crash)
    _add_first(app, "/not-a-query/bad", bad_parameter)
    return app


@pytest.fixture
def probe_client(probe_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(probe_app, raise_server_exceptions=False) as client:
        yield client


def test_query_errors_are_counted_by_code(probe_client: TestClient) -> None:
    assert probe_client.get("/queries-probe/bad").status_code == 400
    assert probe_client.get("/queries-probe/bad").status_code == 400
    assert probe_client.get("/not-a-query/bad").status_code == 400
    errors = _samples(probe_client, "mdkg_query_errors_total")
    assert errors == {(("code", "invalid_parameter"), ("route", "/queries-probe/bad")): 2.0}


def test_a_crash_is_a_500_in_metrics(probe_client: TestClient) -> None:
    assert probe_client.get("/queries-probe/crash").status_code == 500
    assert _value(probe_client, "mdkg_http_requests_total", route="/queries-probe/crash", method="GET",
                  status="500") == 1
    assert _value(probe_client, "mdkg_query_errors_total", route="/queries-probe/crash",
                  code="internal_error") == 1


def test_sparql_syntax_errors_are_query_errors(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELEKT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 400
    code = response.json()["error"]["code"]
    assert _value(client, "mdkg_query_errors_total", route="/sparql", code=code) == 1


def test_each_app_has_its_own_registry(store: OxigraphStore) -> None:
    first = create_app(Settings(root=PROJECT, load_on_start=False), store=store)
    second = create_app(Settings(root=PROJECT, load_on_start=False), store=store)
    with TestClient(first) as one, TestClient(second) as two:
        for _ in range(3):
            one.get("/healthz")
        two.get("/healthz")
        assert _value(one, "mdkg_http_requests_total", route="/healthz", method="GET", status="200") == 3
        assert _value(two, "mdkg_http_requests_total", route="/healthz", method="GET", status="200") == 1


# --------------------------------------------------------------------------- access log


def test_one_json_access_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mdkg.access")
    caplog.clear()
    client.get("/healthz")
    client.get("/export/source/nope")
    records = [r for r in caplog.records if r.name == "mdkg.access"]
    assert len(records) == 2
    first, second = (json.loads(r.getMessage()) for r in records)
    assert first["method"] == "GET" and first["path"] == "/healthz" and first["status"] == 200
    assert first["client"] == "testclient"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert first["bytes"] > 0
    assert second["path"] == "/export/source/nope" and second["status"] == 404
    assert second["route"] == "/export/{graph}"
