"""Who may write: read-only without a token; with one, a bearer token compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator

import pytest
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

from .conftest import AUTH, TOKEN, Snapshot

UPDATE = {"content": b"INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
          "headers": {"content-type": "application/sparql-update"}}
TURTLE = {"content": b"<http://example.org/s> <http://example.org/p> 1 .",
          "headers": {"content-type": "text/turtle"}}

WRITES: list[tuple[str, str, dict[str, object]]] = [
    ("POST", "/sparql", UPDATE),
    ("POST", "/update", UPDATE),
    ("POST", "/sparql", {"data": {"update": "CLEAR ALL"}}),
    ("PUT", "/store?graph=http://example.org/g", TURTLE),
    ("POST", "/store?graph=http://example.org/g", TURTLE),
    ("DELETE", "/store?graph=http://example.org/g", {}),
    ("PUT", "/store?default", TURTLE),
    ("POST", "/sources?id=x", TURTLE),
    ("PUT", "/sources/x", TURTLE),
]


def _send(client: TestClient, method: str, path: str, options: dict[str, object],
          headers: dict[str, str] | None = None) -> object:
    merged = {**options.get("headers", {}), **(headers or {})}  # type: ignore[dict-item]
    rest = {k: v for k, v in options.items() if k != "headers"}
    return client.request(method, path, headers=merged, **rest)  # type: ignore[arg-type]


@pytest.fixture
def read_only_client(dataset_store: OxigraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(load_on_start=False), store=dataset_store)) as client:
        yield client


@pytest.mark.parametrize(("method", "path", "options"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_without_a_token_configured_every_write_is_403(
        read_only_client: TestClient, dataset_store: OxigraphStore, snapshot: Callable[..., Snapshot],
        method: str, path: str, options: dict[str, object]) -> None:
    before = snapshot(dataset_store)
    response = _send(read_only_client, method, path, options, AUTH)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert response.json()["error"]["message"] == "this endpoint is read-only"  # type: ignore[attr-defined]
    assert snapshot(dataset_store).same_as(before)


@pytest.mark.parametrize(("method", "path", "options"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_write_without_credentials_is_401_with_a_challenge(write_client: TestClient,
                                                             dataset_store: OxigraphStore, method: str,
                                                             path: str, options: dict[str, object]) -> None:
    before = dataset_store.quad_count()
    response = _send(write_client, method, path, options)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "unauthorized"  # type: ignore[attr-defined]
    assert dataset_store.quad_count() == before


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer wrong"])
def test_a_wrong_token_is_403(write_client: TestClient, dataset_store: OxigraphStore,
                              authorization: str) -> None:
    before = dataset_store.quad_count()
    response = write_client.post("/update", headers={**UPDATE["headers"], "authorization": authorization},
                                 content=UPDATE["content"])
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "the write token is not valid"
    assert dataset_store.quad_count() == before


@pytest.mark.parametrize("authorization", [f"Basic {TOKEN}", "Bearer", "Bearer   "])
def test_another_scheme_is_401(write_client: TestClient, authorization: str) -> None:
    response = write_client.post("/update", headers={**UPDATE["headers"], "authorization": authorization},
                                 content=UPDATE["content"])
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]


def test_the_right_token_writes(write_client: TestClient, dataset_store: OxigraphStore) -> None:
    before = dataset_store.quad_count()
    response = write_client.post("/sparql", headers={**UPDATE["headers"], **AUTH}, content=UPDATE["content"])
    assert response.status_code == 204
    assert dataset_store.quad_count() == before + 1


def test_tokens_are_compared_in_constant_time(write_client: TestClient,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr("mdkg.web.auth.hmac.compare_digest", spy)
    write_client.post("/update", headers={**UPDATE["headers"], "authorization": "Bearer nope"},
                      content=UPDATE["content"])
    assert compared == [(b"nope", TOKEN.encode())]


def test_reads_need_no_token(write_client: TestClient) -> None:
    assert write_client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    assert write_client.get("/store", params={"default": ""}).status_code == 200


def test_the_token_comes_from_the_environment_and_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDKG_WRITE_TOKEN", "from-env")
    monkeypatch.setenv("MDKG_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = Settings.from_env()
    assert settings.write_token == "from-env"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert "from-env" not in repr(settings)
    monkeypatch.setenv("MDKG_WRITE_TOKEN", "")
    assert Settings.from_env().write_token is None  # an empty variable does not enable writes
