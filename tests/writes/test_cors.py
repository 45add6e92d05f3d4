"""CORS: nothing by default, never an arbitrary origin reflected together with credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

EVIL = "https://evil.example"
FRIEND = "https://friend.example"
ASK = {"query": "ASK {}"}
REQUEST_METHOD = "access-control-request-method"
REQUEST_HEADERS = "access-control-request-headers"


@pytest.fixture
def cors_client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    origins, credentials = request.param
    settings = Settings(load_on_start=False, cors_origins=origins, cors_allow_credentials=credentials)
    with TestClient(create_app(settings, store=OxigraphStore())) as client:
        yield client


def _cors_headers(response: object) -> dict[str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize("cors_client", [((), False)], indirect=True)
def test_no_cors_headers_by_default(cors_client: TestClient) -> None:
    response = cors_client.get("/sparql", params=ASK, headers={"origin": EVIL, "cookie": "session=1"})
    assert response.status_code == 200 and _cors_headers(response) == {}
    preflight = cors_client.options("/sparql", headers={"origin": EVIL, REQUEST_METHOD: "POST"})
    assert _cors_headers(preflight) == {}


@pytest.mark.parametrize("cors_client", [(("*",), True), (("*",), False)], indirect=True)
def test_any_origin_never_gets_its_origin_back_nor_credentials(cors_client: TestClient) -> None:
    for headers in ({"origin": EVIL}, {"origin": EVIL, "cookie": "session=1"},
                    {"origin": EVIL, "authorization": "Bearer x"}):
        cors = _cors_headers(cors_client.get("/sparql", params=ASK, headers=headers))
        assert cors["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in cors
    preflight = cors_client.options("/sparql", headers={"origin": EVIL, REQUEST_METHOD: "POST",
                                                        REQUEST_HEADERS: "authorization"})
    cors = _cors_headers(preflight)
    assert preflight.status_code == 204 and cors["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in cors


@pytest.mark.parametrize("cors_client", [((FRIEND,), True)], indirect=True)
def test_listed_origins_only(cors_client: TestClient) -> None:
    friend = cors_client.get("/sparql", params=ASK, headers={"origin": FRIEND, "cookie": "session=1"})
    cors = _cors_headers(friend)
    assert cors["access-control-allow-origin"] == FRIEND
    assert cors["access-control-allow-credentials"] == "true"
    assert "Origin" in friend.headers["vary"]
    stranger = cors_client.get("/sparql", params=ASK, headers={"origin": EVIL, "cookie": "session=1"})
    assert stranger.status_code == 200 and _cors_headers(stranger) == {}
    preflight = cors_client.options("/update", headers={"origin": FRIEND, REQUEST_METHOD: "POST",
                                                        REQUEST_HEADERS: "authorization"})
    cors = _cors_headers(preflight)
    assert "Authorization" in cors["access-control-allow-headers"]
    assert cors["access-control-allow-origin"] == FRIEND
    refused = cors_client.options("/update", headers={"origin": EVIL, REQUEST_METHOD: "POST"})
    assert _cors_headers(refused) == {}


@pytest.mark.parametrize("cors_client", [((FRIEND,), False)], indirect=True)
def test_errors_carry_cors_headers_too(cors_client: TestClient) -> None:
    response = cors_client.post("/update", content=b"CLEAR ALL",
                                headers={"origin": FRIEND, "content-type": "application/sparql-update"})
    assert response.status_code == 403
    cors = _cors_headers(response)
    assert cors["access-control-allow-origin"] == FRIEND and "access-control-allow-credentials" not in cors
