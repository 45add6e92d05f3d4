"""What query isolation costs: ``/sparql`` through the worker pool, in process, and ``oxigraph serve``.

Serves one synthetic diplomacy-shaped graph (deterministic, ``--triples`` of them) four ways, each
in its own process on a loopback port:

* ``mdkg pool``        ``mdkg`` with the hardening on: 2 query workers, deadline, row cap;
* ``mdkg in-process``  ``mdkg`` with ``query_workers = 0`` (queries in the server's threads);
* ``oxigraph disk``    ``oxigraph serve --location`` (RocksDB, the usual deployment);
* ``oxigraph memory``  ``oxigraph serve`` without a location (in memory, as the workers hold it);

and drives each with a cheap ASK, a two-join SELECT and a CONSTRUCT, at concurrency 1 and 8, for at
most ``--seconds`` or ``--max-requests`` per cell. Prints requests/s, p50, p99 and errors, then the
ratios. Client and servers share the machine: on few cores the client's own cost shows in the
cheapest queries.

    .venv/bin/python bench/query_pool.py                # 100k triples, 5 s per cell
    .venv/bin/python bench/query_pool.py --quick        # 20k triples, 1.5 s per cell
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pyoxigraph as ox

MDO = "https://w3id.org/mdkg/ontology#"
ID = "https://w3id.org/mdkg/id/"
GRAPH = "https://w3id.org/mdkg/graph/source/bench"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
PREFIXES = f"PREFIX mdo: <{MDO}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
QUERIES = {
    "ASK": f"ASK {{ GRAPH ?g {{ <{ID}state-1> ?p ?o }} }}",
    "two-join SELECT": PREFIXES + (
        "SELECT ?agreement ?party ?name WHERE { GRAPH ?g { "
        "?agreement mdo:party ?party . ?party rdfs:label ?name . ?agreement mdo:signedOn ?date } "
        'FILTER(?date >= "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } LIMIT 200'),
    "CONSTRUCT": PREFIXES + (
        "CONSTRUCT { ?agreement mdo:party ?party . ?party rdfs:label ?name } WHERE { GRAPH ?g { "
        "?agreement mdo:party ?party . ?party rdfs:label ?name . ?agreement mdo:signedOn ?date } "
        'FILTER(?date >= "2024-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } LIMIT 200'),
}
ACCEPT = {"ASK": "application/sparql-results+json", "two-join SELECT": "application/sparql-results+json",
          "CONSTRUCT": "application/n-triples"}
CONCURRENCY = (1, 8)
START_TIMEOUT_S = 120.0

_SERVER = """
import logging, sys, uvicorn
from pathlib import Path
from mdkg.settings import Settings
from mdkg.web.app import create_app
# oxigraph serve logs nothing per request either: measure the query path, not a terminal.
logging.getLogger("mdkg.access").setLevel(logging.WARNING)
root, port, workers = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
settings = Settings(root=root, query_workers=workers, max_concurrent_queries=64)
if hasattr(settings, "rate_limit_per_s"):  # the load generator is one client address
    settings = settings.with_changes(rate_limit_per_s=0.0)
uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def generate(triples: int, seed: int = 7) -> bytes:
    """N-Triples of states with labels and agreements with 2 to 5 parties and a signing date."""
    rng = random.Random(seed)
    lines: list[str] = []
    states = [f"<{ID}state-{i}>" for i in range(300)]
    for i, state in enumerate(states):
        lines += [f"{state} {TYPE} <{MDO}State> .", f'{state} {LABEL} "State {i}"@en .']
    number = 0
    while len(lines) < triples:
        agreement = f"<{ID}agreement-{number}>"
        number += 1
        lines += [f"{agreement} {TYPE} <{MDO}Agreement> .",
                  f'{agreement} {LABEL} "Agreement {number}"@en .',
                  f'{agreement} <{MDO}signedOn> "{rng.randint(2010, 2025)}-{rng.randint(1, 12):02d}-'
                  f'{rng.randint(1, 28):02d}"^^<http://www.w3.org/2001/XMLSchema#date> .']
        lines += [f"{agreement} <{MDO}party> {party} ." for party in rng.sample(states, rng.randint(2, 5))]
    return ("\n".join(lines) + "\n").encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


@contextmanager
def _running(command: list[str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    try:
        _wait_ready(ready_url, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Server:
    name: str
    query_url: str
    command: list[str]
    ready_url: str
    load_nquads: bytes | None = None
    """Data to POST to ``/store`` once started (oxigraph in memory)."""


def servers(work: Path, data: bytes) -> list[Server]:
    root = work / "root"
    (root / "graph" / "sources").mkdir(parents=True)
    # The app loads graph/sources/<id>.ttl into the named graph of that source.
    (root / "graph" / "sources" / "bench.ttl").write_bytes(data)
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    found: list[Server] = []
    for name, workers in (("mdkg pool", 2), ("mdkg in-process", 0)):
        port = _free_port()
        found.append(Server(name, f"http://127.0.0.1:{port}/sparql",
                            [sys.executable, "-c", _SERVER, str(root), str(port), str(workers)],
                            f"http://127.0.0.1:{port}/healthz"))
    if oxigraph is None:
        print("oxigraph CLI not found: install the 'oxigraph' package to compare with oxigraph serve")
        return found
    graph = ox.NamedNode(GRAPH)
    nquads = ox.serialize([ox.Quad(t.subject, t.predicate, t.object, graph)
                           for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)],
                          format=ox.RdfFormat.N_QUADS)
    assert nquads is not None
    (work / "data.nq").write_bytes(nquads)
    subprocess.run([oxigraph, "load", "--location", str(work / "oxigraph"), "--file", str(work / "data.nq")],
                   check=True, capture_output=True)
    for name, location in (("oxigraph disk", ["--location", str(work / "oxigraph")]),
                           ("oxigraph memory", [])):
        port = _free_port()
        found.append(Server(name, f"http://127.0.0.1:{port}/query",
                            [oxigraph, "serve", *location, "--bind", f"127.0.0.1:{port}"],
                            f"http://127.0.0.1:{port}/", None if location else nquads))
    return found


@dataclass(frozen=True)
class Cell:
    server: str
    query: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Status of one HTTP/1.1 response, its body read (Content-Length or chunked) and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)}
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        raise RuntimeError("a response without a length: the client keeps connections alive")
    return status


async def _drive(url: str, query: str, accept: str, concurrency: int, seconds: float,
                 max_requests: int) -> tuple[list[float], int, float]:
    """A bare keep-alive HTTP/1.1 client: a Python HTTP library would cost more CPU than the cheap queries."""
    parsed = urlsplit(url)
    request = (f"GET {parsed.path}?{urlencode({'query': query})} HTTP/1.1\r\nHost: {parsed.netloc}\r\n"
               f"Accept: {accept}\r\n\r\n").encode()
    latencies: list[float] = []
    errors = 0
    issued = 0
    stop_at = 0.0

    async def one_client(warm_up: int) -> None:
        nonlocal errors, issued
        reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        try:
            for _ in range(warm_up):  # connections, caches, each worker's first query
                writer.write(request)
                await _read_response(reader)
            await started.wait()
            while time.perf_counter() < stop_at and issued < max_requests:
                issued += 1
                begin = time.perf_counter()
                writer.write(request)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - begin)
                errors += status != 200
        finally:
            writer.close()

    started = asyncio.Event()
    clients = [asyncio.create_task(one_client(warm_up=5)) for _ in range(concurrency)]
    await asyncio.sleep(0.5)
    begin = time.perf_counter()
    stop_at = begin + seconds
    started.set()
    await asyncio.gather(*clients)
    return latencies, errors, time.perf_counter() - begin


def measure(server: Server, seconds: float, max_requests: int) -> list[Cell]:
    cells = []
    with _running(server.command, server.ready_url):
        if server.load_nquads is not None:
            store_url = server.query_url.rsplit("/", 1)[0] + "/store"
            httpx.post(store_url, content=server.load_nquads, headers={"Content-Type": "application/n-quads"},
                       timeout=300).raise_for_status()
        for query_name, query in QUERIES.items():
            for concurrency in CONCURRENCY:
                latencies, errors, elapsed = asyncio.run(
                    _drive(server.query_url, query, ACCEPT[query_name], concurrency, seconds, max_requests))
                quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
                cells.append(Cell(server.name, query_name, concurrency, len(latencies), errors, elapsed,
                                  1000 * statistics.median(latencies), 1000 * quantiles[98]))
                print(f"  {server.name:16} {query_name:16} c={concurrency}: "
                      f"{cells[-1].per_second:8.1f} req/s", flush=True)
    return cells


def report(cells: list[Cell]) -> str:
    lines = ["| server | query | concurrency | req/s | p50 ms | p99 ms | errors |",
             "|---|---|---:|---:|---:|---:|---:|"]
    lines += [f"| {c.server} | {c.query} | {c.concurrency} | {c.per_second:.1f} | {c.p50_ms:.2f} | "
              f"{c.p99_ms:.2f} | {c.errors} |" for c in cells]
    by_key = {(c.server, c.query, c.concurrency): c for c in cells}
    lines += ["",
              "| query | concurrency | pool / in-process | pool / oxigraph disk | pool / oxigraph memory |",
              "|---|---:|---:|---:|---:|"]
    for query_name in QUERIES:
        for concurrency in CONCURRENCY:
            pool = by_key[("mdkg pool", query_name, concurrency)].per_second
            ratios = []
            for other in ("mdkg in-process", "oxigraph disk", "oxigraph memory"):
                cell = by_key.get((other, query_name, concurrency))
                ratios.append(f"{pool / cell.per_second:.2f}" if cell and cell.per_second else "n/a")
            lines.append(f"| {query_name} | {concurrency} | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="at most this long per cell")
    parser.add_argument("--max-requests", type=int, default=20_000, help="at most this many per cell")
    parser.add_argument("--quick", action="store_true", help="20k triples, 1.5 s per cell")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.triples, arguments.seconds = 20_000, 1.5
    print(f"{arguments.triples} triples, {os.cpu_count()} CPUs, at most {arguments.seconds} s or "
          f"{arguments.max_requests} requests per cell", flush=True)
    with tempfile.TemporaryDirectory(prefix="mdkg-bench-") as scratch:
        work = Path(scratch)
        cells: list[Cell] = []
        for server in servers(work, generate(arguments.triples)):
            cells += measure(server, arguments.seconds, arguments.max_requests)
    print()
    print(report(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
