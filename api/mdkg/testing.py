"""Helpers for code that tests mdkg, or tests against it (notebooks, client code).

``serve_in_thread`` runs the service under uvicorn on a free loopback port in a background
thread, for clients that need a real HTTP server; ``project_test_client`` is the app in process, on the
project's own dataset.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK = "127.0.0.1"


@contextmanager
def serve_in_thread(app: Any = None, *, app_for_url: Callable[[str], Any] | None = None,
                    start_timeout_s: float = 30.0) -> Iterator[str]:
    """Serve ``app`` (or ``app_for_url(base_url)``, for an app that must know its own URL) on
    ``127.0.0.1`` with its lifespan; yields the base URL and stops the server on exit."""
    import uvicorn

    if (app is None) == (app_for_url is None):
        raise TypeError("give either app or app_for_url")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    port = listener.getsockname()[1]
    url = f"http://{LOOPBACK}:{port}"
    served = app if app is not None else app_for_url(url)  # type: ignore[misc]
    server = uvicorn.Server(uvicorn.Config(served, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True,
                              name=f"uvicorn-{port}")
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {LOOPBACK}:{port}")
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=start_timeout_s)
        listener.close()
        if thread.is_alive():
            raise RuntimeError(f"uvicorn on {LOOPBACK}:{port} did not stop")


@contextmanager
def project_test_client() -> Iterator[Any]:
    """A Starlette ``TestClient`` of the app on the project's own dataset, in an in-memory Oxigraph
    store, queries answered in process (no worker processes to start)."""
    from starlette.testclient import TestClient

    from mdkg.settings import Settings
    from mdkg.store.oxigraph import OxigraphStore
    from mdkg.web.app import create_app

    store = OxigraphStore()
    try:
        with TestClient(create_app(Settings(query_workers=0), store=store)) as client:
            yield client
    finally:
        store.close()


def graphs_by_name(store: Any) -> dict[str | None, Any]:
    """The store's contents as one rdflib Graph per graph name (``None`` for the default graph),
    blank nodes kept apart per export, so that two stores can be compared with ``isomorphic``."""
    import pyoxigraph as ox
    from rdflib import BNode, Graph, Literal, URIRef

    graphs: dict[str | None, Graph] = {}
    blanks: dict[str, BNode] = {}

    def term(value: object) -> URIRef | BNode | Literal:
        if isinstance(value, ox.NamedNode):
            return URIRef(value.value)
        if isinstance(value, ox.BlankNode):
            return blanks.setdefault(value.value, BNode())
        assert isinstance(value, ox.Literal)
        return Literal(value.value, lang=value.language,
                       datatype=None if value.language else URIRef(value.datatype.value))

    for quad in ox.parse(store.export(media_type="application/n-quads"), format=ox.RdfFormat.N_QUADS):
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        graphs.setdefault(name, Graph()).add((term(quad.subject), term(quad.predicate), term(quad.object)))
    return graphs
