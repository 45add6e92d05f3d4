"""Nothing reaches outside: every outbound form thrown at ``/sparql`` leaves a canary untouched.

The canary is an HTTP server on 127.0.0.1 that records every request and answers with a
recognisable body (SPARQL results at ``/sparql``, Turtle elsewhere). The app runs on the Oxigraph
and on the rdflib backend, with the store handed in (queries in process) and opened by the app
itself (queries in worker processes), with writes enabled so that ``LOAD`` and ``USING`` reach the
store if the guard lets them through. Afterwards the canary must have seen nothing, and no
response may carry the canary's body or a line of ``/etc/passwd``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest
from mdkg.settings import Settings
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore
from rdflib import Graph
from starlette.testclient import TestClient

MARK = "mdkg-canary-5e1f0a"
PASSWD_MARK = "root:"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass
class Canary:
    url: str
    hits: list[tuple[str, str]] = field(default_factory=list)


def _handler(canary: Canary) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            canary.hits.append((self.command, self.path))
            if self.path.startswith("/sparql"):
                body = json.dumps({"head": {"vars": ["o"]}, "results": {"bindings": [
                    {"o": {"type": "literal", "value": MARK}}]}}).encode()
                media_type = "application/sparql-results+json"
            else:
                body = f'<http://canary.example/s> <http://canary.example/p> "{MARK}" .\n'.encode()
                media_type = "text/turtle"
            self.send_response(200)
            self.send_header("Content-Type", media_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = do_PUT = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    canary = Canary(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(canary))
    canary.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="canary")
    thread.start()
    try:
        yield canary
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class Attempt:
    name: str
    method: str
    params: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    media_type: str | None = None
    statuses: tuple[int, ...] = (403,)


def attempts(url: str) -> list[Attempt]:
    """Every way a query or update could make an engine fetch ``url`` or read a local file."""
    service, document, passwd = f"{url}/sparql", f"{url}/data.ttl", "file:///etc/passwd"
    any_triple = "{ ?s ?p ?o }"
    refused_queries = {
        "service": f"SELECT * WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}",
        "service silent lower case": f"select * where {{ service silent <{service}> {{ ?s ?p ?o }} }}",
        "service glued": f"SELECT * WHERE {{ SERVICESILENT<{service}>{{ ?s ?p ?o }} }}",
        "service after true": f"SELECT * WHERE {{ ?s ?p trueSERVICE <{service}> {{ ?a ?b ?c }} }}",
        "service glued to a name": f"PREFIX c: <{url}/> SELECT * WHERE {{ SERVICEc:sparql {{ ?s ?p ?o }} }}",
        "service as a variable endpoint":
            f"SELECT * WHERE {{ BIND(<{service}> AS ?e) SERVICE ?e {any_triple} }}",
        "service after an escaped newline":
            f"SELECT * WHERE {{ # \\u000A SERVICE <{service}> {any_triple}\n}}",
        "service in a subquery":
            f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{service}> {any_triple} }} }} }}",
        "service file": f"SELECT * WHERE {{ SERVICE <{passwd}> {{ ?s ?p ?o }} }}",
        "from": f"SELECT * FROM <{document}> WHERE {{ ?s ?p ?o }}",
        "from named": f"SELECT * FROM NAMED <{document}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "from glued named": f"SELECT * FROMNAMED<{document}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "from prefixed": f"PREFIX c: <{url}/> SELECT * FROM c:data.ttl WHERE {{ ?s ?p ?o }}",
        "from relative to base": f"BASE <{url}/> SELECT * FROM <data.ttl> WHERE {{ ?s ?p ?o }}",
        "construct from": f"CONSTRUCT {{ ?s ?p ?o }} FROM <{document}> WHERE {{ ?s ?p ?o }}",
        "from file": f"SELECT * FROM <{passwd}> WHERE {{ ?s ?p ?o }}",
        "from named file": f"SELECT * FROM NAMED <{passwd}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    }
    refused_updates = {
        "load": f"LOAD <{document}>",
        "load silent into graph": f"LOAD SILENT <{document}> INTO GRAPH <http://example.org/g>",
        "load glued": f"LOADSILENT<{document}>",
        "load file": f"LOAD <{passwd}> INTO GRAPH <http://example.org/g>",
        "using": f"INSERT {{ ?s ?p ?o }} USING <{document}> WHERE {{ ?s ?p ?o }}",
        "using named": f"INSERT {{ ?s ?p ?o }} USING NAMED <{document}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "using file": f"DELETE {{ ?s ?p ?o }} USING <{passwd}> WHERE {{ ?s ?p ?o }}",
        "service in an update": f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{service}> {{ ?s ?p ?o }} }}",
    }
    select_all = "SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    found: list[Attempt] = []
    for name, text in refused_queries.items():
        found.append(Attempt(f"query GET: {name}", "GET", {"query": text}, statuses=(400, 403)))
        found.append(Attempt(f"query POST: {name}", "POST", body=text, media_type=SPARQL_QUERY,
                             statuses=(400, 403)))
    for name, text in refused_updates.items():
        found.append(Attempt(f"update: {name}", "POST", body=text, media_type=SPARQL_UPDATE))
        found.append(Attempt(f"update form: {name}", "POST", {"update": text}))
    # The protocol's dataset: a store that reads graphs only from itself sees them empty.
    for parameter in ("default-graph-uri", "named-graph-uri"):
        for graph in (document, passwd):
            found.append(Attempt(f"{parameter}={graph}", "GET", {"query": select_all, parameter: graph},
                                 statuses=(200,)))
    found.append(Attempt("describe the canary", "GET", {"query": f"DESCRIBE <{document}>"}, statuses=(200,)))
    found.append(Attempt("using-graph-uri", "POST", {"update": "INSERT DATA { <a:s> <a:p> <a:o> }",
                                                     "using-graph-uri": document}, statuses=(400, 403)))
    return found


def _stores(backend: str) -> Store:
    return OxigraphStore() if backend == "oxigraph" else RdflibStore()


@pytest.fixture(params=[("oxigraph", "in process"), ("rdflib", "in process"),
                        ("oxigraph", "query workers"), ("rdflib", "query workers")],
                ids=lambda p: f"{p[0]}, {p[1]}")
def client(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    from mdkg.web import sparql
    from mdkg.web.app import create_app

    backend, where = request.param
    monkeypatch.setattr(sparql, "authorize_update", lambda request: None)  # writes enabled
    settings = Settings(load_on_start=False, store=backend, query_workers=1)
    store = _stores(backend) if where == "in process" else None
    with TestClient(create_app(settings, store=store)) as test_client:
        test_client.get("/sparql", params={"query": "ASK {}"})  # the pool is up before the clock matters
        yield test_client


def test_nothing_reaches_the_canary(client: TestClient, canary: Canary) -> None:
    canary.hits.clear()
    passwd = Path("/etc/passwd").read_text() if Path("/etc/passwd").is_file() else ""
    passwd_lines = [line for line in passwd.splitlines() if line.startswith(PASSWD_MARK)]
    for attempt in attempts(canary.url):
        if attempt.body is not None:
            response = client.request(attempt.method, "/sparql", params=attempt.params,
                                      content=attempt.body.encode(),
                                      headers={"content-type": attempt.media_type or ""})
        elif attempt.method == "POST":
            response = client.post("/sparql", data=attempt.params)
        else:
            response = client.get("/sparql", params=attempt.params,
                                  headers={"accept": "application/sparql-results+json, text/turtle;q=0.9"})
        assert response.status_code in attempt.statuses, (attempt.name, response.status_code,
                                                          response.text[:300])
        assert MARK not in response.text, attempt.name
        assert not any(line in response.text for line in passwd_lines), attempt.name
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["status"] == response.status_code and error["message"], attempt.name
        assert canary.hits == [], f"{attempt.name} reached the canary: {canary.hits}"


def test_the_canary_sees_an_engine_without_the_guard(canary: Canary) -> None:
    # Proof that the test above can fail: both engines call a SERVICE when nothing stops them.
    canary.hits.clear()
    query = f"SELECT ?o WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?o }} }}"
    solutions = ox.Store().query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    assert [str(solution["o"].value) for solution in solutions] == [MARK]
    assert [str(row[0]) for row in Graph().query(query)] == [MARK]
    assert len(canary.hits) == 2
    canary.hits.clear()
