"""Fixtures: one ``store`` per backend, and a real ``oxigraph serve`` for the remote one."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore
from mdkg.store.remote import RemoteStore

from ._data import DATA

BACKENDS = ("oxigraph", "oxigraph-on-disk", "rdflib", "remote", "remote-sparql-only")
"""``remote`` uses the Graph Store Protocol; ``remote-sparql-only`` is the same server reached
through the query and update endpoints alone (INSERT DATA, CONSTRUCT and SELECT fallbacks)."""

def oxigraph_binary() -> str | None:
    """The ``oxigraph`` server of the PyPI package ``oxigraph``, beside this Python or on PATH."""
    sibling = Path(sys.executable).with_name("oxigraph")
    if sibling.is_file():
        return str(sibling)
    return shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_serving(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{base_url}/query", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"oxigraph serve did not answer within 30 s: {log.read_text()}")


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of an ``oxigraph serve`` on a free 127.0.0.1 port, stopped after the session."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the `oxigraph` server binary is not installed (pip install oxigraph); "
                    "the remote-store tests need it")
    folder = tmp_path_factory.mktemp("oxigraph-server")
    log = folder / "server.log"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [binary, "serve", "--location", str(folder / "data"), "--bind", f"127.0.0.1:{port}"],
            stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def open_backend(backend: str, request: pytest.FixtureRequest, folder: Path) -> Store:
    """A fresh, empty store of one backend."""
    if backend == "oxigraph":
        return OxigraphStore()
    if backend == "oxigraph-on-disk":
        return OxigraphStore(folder / "oxigraph")
    if backend == "rdflib":
        return RdflibStore()
    base_url: str = request.getfixturevalue("oxigraph_server")
    store = RemoteStore(
        f"{base_url}/query",
        f"{base_url}/update",
        f"{base_url}/store" if backend == "remote" else None,
        timeout_s=10.0,
    )
    store.clear()  # one server serves every test
    return store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each backend in turn."""
    opened = open_backend(backend, request, tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def loaded(store: Store) -> Store:
    """The store holding :data:`DATA`."""
    store.load(DATA, media_type="application/trig")
    return store


@pytest.fixture
def every_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Store]]:
    """One store of each available backend (the remote one only if its server can run), all
    holding :data:`DATA`, to compare their answers side by side."""
    names = [b for b in BACKENDS if not b.startswith("remote") or oxigraph_binary() is not None]
    stores: dict[str, Store] = {}
    # Both remote variants share one server, so only one of them joins the comparison.
    for name in names:
        if name == "remote-sparql-only":
            continue
        stores[name] = open_backend(name, request, tmp_path / name)
        stores[name].load(DATA, media_type="application/trig")
    yield stores
    for opened in stores.values():
        opened.close()

