"""What only one backend has: files on disk, a network between mdkg and its store, rdflib's limits."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from mdkg.errors import BadRequest, Forbidden, MdkgError, QuerySyntaxError, StoreUnavailable
from mdkg.settings import Settings
from mdkg.store import open_store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore
from mdkg.store.remote import RemoteStore
from rdflib import Literal

from ._data import DATA, TOTAL_QUADS


def test_open_store_builds_the_backend_the_settings_name(tmp_path: Path) -> None:
    assert isinstance(open_store(Settings(store="oxigraph")), OxigraphStore)
    on_disk = open_store(Settings(store="oxigraph", store_path=tmp_path / "db"))
    assert isinstance(on_disk, OxigraphStore) and on_disk.path == tmp_path / "db"
    on_disk.close()
    assert isinstance(open_store(Settings(store="rdflib")), RdflibStore)
    remote = open_store(Settings(store="remote", remote_query_url="http://127.0.0.1:9/query"))
    assert isinstance(remote, RemoteStore) and remote.update_url == "http://127.0.0.1:9/query"
    remote.close()
    with pytest.raises(BadRequest):
        open_store(Settings(store="remote"))


def test_an_on_disk_store_keeps_its_data_and_can_be_opened_read_only(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "db")
    store.load(DATA, media_type="application/trig")
    store.close()
    reopened = OxigraphStore(tmp_path / "db", read_only=True)
    assert reopened.quad_count() == TOTAL_QUADS
    with pytest.raises(Forbidden):
        reopened.update("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    reopened.close()


def test_an_open_on_disk_store_cannot_be_opened_twice(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "db")
    try:
        with pytest.raises(StoreUnavailable):
            OxigraphStore(tmp_path / "db")
    finally:
        store.close()


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_remote_store_is_unavailable() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    store = RemoteStore(f"{base}/query", f"{base}/update", f"{base}/store", timeout_s=2)
    with pytest.raises(StoreUnavailable) as caught:
        store.ask("ASK {}")
    assert caught.value.status == 503
    with pytest.raises(StoreUnavailable):
        store.load(DATA, media_type="application/trig")
    store.close()


def test_remote_urls_must_be_http() -> None:
    with pytest.raises(BadRequest):
        RemoteStore("file:///etc/passwd")


def test_a_remote_store_takes_a_configured_client(oxigraph_server: str) -> None:
    seen: list[str] = []
    client = httpx.Client(event_hooks={"request": [lambda request: seen.append(request.method)]})
    store = RemoteStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update", client=client)
    assert store.ask("ASK {}") is True
    store.close()
    assert seen == ["POST"] and not client.is_closed  # the caller's client stays open
    client.close()


def test_remote_update_errors_are_told_apart(oxigraph_server: str) -> None:
    store = RemoteStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update")
    with pytest.raises(QuerySyntaxError) as syntax:
        store.update("INSERT DATA { <http://example.org/a> }")
    assert syntax.value.detail.get("line") == 1
    # Oxigraph's server answers 500 to an update it parsed but could not apply; mdkg relays it.
    with pytest.raises(MdkgError) as refused:
        store.update("CREATE GRAPH <http://example.org/g> ; CREATE GRAPH <http://example.org/g>")
    assert not isinstance(refused.value, QuerySyntaxError) and "already exists" in refused.value.message
    store.clear()
    store.close()


def test_rdflib_refuses_what_would_reach_the_network() -> None:
    store = RdflibStore()
    with pytest.raises(BadRequest, match="LOAD"):
        store.update("LOAD <http://example.org/data.ttl>")
    with pytest.raises(BadRequest, match="USING"):
        store.update("DELETE { ?s ?p ?o } USING <http://example.org/g> WHERE { ?s ?p ?o }")
    # FROM names a graph of the store, never a document to fetch.
    assert store.select("SELECT * FROM <http://example.org/nowhere> WHERE { ?s ?p ?o }").rows == []
    assert store.select("SELECT ?x WHERE {}", bindings={"x": Literal(1)}).rows == [(Literal(1),)]
