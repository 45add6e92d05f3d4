"""``/sparql`` is called straight from the middleware stack (mdkg.web._direct): it must answer exactly
as the router would, errors included, and leave every other route and method to the router."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute
from mdkg.errors import BadRequest
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web import _direct, sparql
from mdkg.web.app import create_app
from starlette.exceptions import HTTPException
from starlette.testclient import TestClient

ASK = "ASK { ?s ?p ?o }"


def test_the_direct_layer_is_the_innermost_of_the_apps_own(app: FastAPI) -> None:
    # Innermost, so that limits, metrics, the access log and CORS all see these requests.
    assert app.user_middleware[-1].cls.__name__ == "_DirectEndpoint"  # type: ignore[union-attr]


def test_queries_are_served_directly_and_named_by_their_route(client: TestClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    original = sparql.read_operation

    async def spy(request: Request, settings: Settings) -> sparql.Operation:
        seen.append(request.scope["route"])
        return await original(request, settings)

    monkeypatch.setattr(sparql, "read_operation", spy)
    for method in ("GET", "HEAD"):
        response = client.request(method, "/sparql", params={"query": ASK},
                                  headers={"accept": "application/sparql-results+json"})
        assert response.status_code == 200 and response.headers["vary"] == "Accept"
    posted = client.post("/sparql", content=ASK, headers={"content-type": "application/sparql-query"})
    assert posted.json() == {"head": {}, "boolean": False}
    assert all(isinstance(route, APIRoute) and route.path == "/sparql" for route in seen) and len(seen) == 3


@pytest.mark.parametrize(("method", "status"), [("OPTIONS", 204), ("PUT", 405), ("DELETE", 405)])
def test_other_methods_still_reach_the_router(client: TestClient, method: str, status: int) -> None:
    response = client.request(method, "/sparql")
    assert response.status_code == status
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_errors_get_the_apps_handlers(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELEKT"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "query_syntax"


def test_an_unexpected_error_is_the_500_envelope(store: OxigraphStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(sparql, "inspect_request", crash)
    app = create_app(Settings(load_on_start=False), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/sparql", params={"query": ASK})
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"


def _app_with(endpoint_error: Exception) -> Iterator[TestClient]:
    router = APIRouter()

    @router.get("/probe")
    async def probe(request: Request) -> Response:
        raise endpoint_error

    app = create_app(Settings(load_on_start=False), store=OxigraphStore())
    app.include_router(router)
    route = next(r for r in router.routes if isinstance(r, APIRoute))
    _direct.install(app, route, probe, ["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize(("error", "status", "code"), [
    (BadRequest("no"), 400, "bad_request"),
    (HTTPException(404, "gone"), 404, "not_found"),
    (ValueError("a bug"), 500, "internal_error"),
])
def test_the_nearest_handler_answers(error: Exception, status: int, code: str) -> None:
    for client in _app_with(error):
        response = client.get("/probe")
        assert response.status_code == status and response.json()["error"]["code"] == code


def test_routes_with_parameters_are_left_to_the_router() -> None:
    router = APIRouter()

    @router.get("/items/{item}")
    async def item(item: str) -> dict[str, str]:
        return {"item": item}

    route = next(r for r in router.routes if isinstance(r, APIRoute))
    with pytest.raises(ValueError, match="routing"):
        _direct.install(FastAPI(), route, item, ["GET"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not answer"):
        _direct.install(FastAPI(), sparql.query_route(), sparql.sparql, ["PUT"])
