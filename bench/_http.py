"""Servers on loopback, a bounded HTTP load driver, and a memory sampler for the benchmark.

Each server runs in its own process group on a free 127.0.0.1 port and is stopped (terminate,
then kill) when its block ends. The driver is a bare keep-alive HTTP/1.1 client (the framing of
``bench/query_pool.py``): a Python HTTP library would cost more CPU than the cheapest queries.
Unlike ``query_pool``'s, it gives each request a timeout, so that a server that takes minutes per
query (rdflib-endpoint at scale) still ends its cell on time; a timed-out connection is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil

from bench.query_pool import _free_port, _read_response, _wait_ready

BIN = Path(sys.executable).parent
MDO = "https://w3id.org/mdkg/ontology#"
ID = "https://w3id.org/mdkg/id/"
_PREFIXES = (
    f"PREFIX mdo: <{MDO}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)
_TWO_JOINS = (
    "GRAPH ?g { ?agreement mdo:party ?party ; mdo:signedOn ?date } "
    "GRAPH ?r { ?party rdfs:label ?name } "
    'FILTER(?date >= "2024-01-01"^^xsd:date)'
)
QUERIES = {
    "ASK": f"ASK {{ GRAPH ?g {{ <{ID}japan> ?p ?o }} }}",
    "two-join SELECT": _PREFIXES + f"SELECT ?agreement ?party ?name WHERE {{ {_TWO_JOINS} }} LIMIT 200",
    "CONSTRUCT": _PREFIXES
    + (
        "CONSTRUCT { ?agreement mdo:party ?party . ?party rdfs:label ?name } "
        f"WHERE {{ {_TWO_JOINS} }} LIMIT 200"
    ),
}
ACCEPT = {
    "ASK": "application/sparql-results+json",
    "two-join SELECT": "application/sparql-results+json",
    "CONSTRUCT": "application/n-triples",
}


@dataclass
class ServerSpec:
    name: str
    command: list[str]
    path: str
    """Path of the SPARQL endpoint (``/sparql``, ``/query``, ``/``)."""
    ready_path: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Running:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    ready_s: float
    memory: MemorySampler

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.spec.path}"


class MemorySampler:
    """Peak resident memory of a process and all its descendants (query workers, uvicorn workers)."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        self.peak_mb = 0.0
        self._pid = pid
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self._pid)
                total = root.memory_info().rss
                for child in root.children(recursive=True):
                    try:
                        total += child.memory_info().rss
                    except psutil.Error:
                        continue
                self.peak_mb = max(self.peak_mb, total / 1024 / 1024)
            except psutil.Error:
                pass
            self._stop.wait(self._every_s)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


@contextmanager
def running(spec: ServerSpec, log: Path, start_timeout_s: float = 600.0) -> Iterator[Running]:
    port = _free_port()
    command = [part.replace("{port}", str(port)) for part in spec.command]
    env = {**os.environ, **spec.env}
    begin = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    memory = MemorySampler(process.pid)
    try:
        _wait_ready(f"http://127.0.0.1:{port}{spec.ready_path}", process, start_timeout_s)
        yield Running(spec, port, process, time.perf_counter() - begin, memory)
    finally:
        memory.stop()
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The whole group: uvicorn's workers and mdkg's query workers go with their parent."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --------------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class Cell:
    server: str
    query: str
    concurrency: int
    requests: int
    ok: int
    errors: int
    timeouts: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        """Successful answers per second."""
        return self.ok / self.seconds if self.seconds else 0.0


async def _drive(
    url: str, query: str, accept: str, concurrency: int, seconds: float, max_requests: int, timeout_s: float
) -> tuple[list[float], int, int, int, float]:
    parsed = urlsplit(url)
    request = (
        f"GET {parsed.path}?{urlencode({'query': query})} HTTP/1.1\r\nHost: {parsed.netloc}\r\n"
        f"Accept: {accept}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0, "timeouts": 0, "issued": 0}
    started = asyncio.Event()
    stop_at = [0.0]

    async def warm_up() -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection and one request on it, not counted (caches, each worker's first query)."""
        try:
            reader, writer = await asyncio.open_connection(parsed.hostname, parsed.port)
        except OSError:
            counts["errors"] += 1
            return None
        try:
            writer.write(request)
            await asyncio.wait_for(_read_response(reader), timeout_s)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, RuntimeError, ValueError):
            counts["errors"] += 1
            writer.close()
            return None
        return reader, writer

    async def one_client(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None) -> None:
        if connection is None:
            return
        reader, writer = connection
        try:
            await started.wait()
            while time.perf_counter() < stop_at[0] and counts["issued"] < max_requests:
                counts["issued"] += 1
                begin = time.perf_counter()
                writer.write(request)
                try:
                    status = await asyncio.wait_for(_read_response(reader), timeout_s)
                except TimeoutError:
                    counts["timeouts"] += 1
                    return  # the connection is in an unknown state: drop it
                latencies.append(time.perf_counter() - begin)
                counts["ok" if status == 200 else "errors"] += 1
        except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError):
            counts["errors"] += 1
        finally:
            writer.close()

    # Every connection is warm before the clock starts, however slow the server's first answers.
    connections = await asyncio.gather(*(warm_up() for _ in range(concurrency)))
    clients = [asyncio.create_task(one_client(c)) for c in connections]
    begin = time.perf_counter()
    stop_at[0] = begin + seconds
    started.set()
    await asyncio.gather(*clients)
    return latencies, counts["ok"], counts["errors"], counts["timeouts"], time.perf_counter() - begin


def measure_cell(
    server: str,
    url: str,
    query_name: str,
    concurrency: int,
    seconds: float,
    max_requests: int,
    timeout_s: float,
    query: str | None = None,
) -> Cell:
    latencies, ok, errors, timeouts, elapsed = asyncio.run(
        _drive(
            url,
            query or QUERIES[query_name],
            ACCEPT[query_name],
            concurrency,
            seconds,
            max_requests,
            timeout_s,
        )
    )
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) if ordered else float("nan")
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")
    return Cell(
        server,
        query_name,
        concurrency,
        len(latencies) + timeouts,
        ok,
        errors,
        timeouts,
        elapsed,
        1000 * p50,
        1000 * p99,
    )


# --------------------------------------------------------------------------- the servers compared


def oxigraph_cli() -> str | None:
    return shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")


def rdflib_endpoint_cli() -> str | None:
    return shutil.which("rdflib-endpoint", path=str(BIN)) or shutil.which("rdflib-endpoint")


def mdkg_spec(root: Path, *, store_path: Path | None = None, name: str = "mdkg serve") -> ServerSpec:
    """``mdkg serve`` as shipped: query workers, deadline, row cap, size and nesting limits. The
    per-client rate limit is lifted: every benchmark client shares one address, which no public
    deployment's users do."""
    command = [str(BIN / "mdkg"), "serve", "--root", str(root), "--host", "127.0.0.1", "--port", "{port}"]
    if store_path is not None:
        command += ["--store-path", str(store_path)]
    return ServerSpec(name, command, "/sparql", "/healthz", {"MDKG_RATE_LIMIT_PER_S": "0"})


def factory_spec(name: str, workers: int, env: dict[str, str]) -> ServerSpec:
    """mdkg in ``workers`` uvicorn worker processes on one socket (the scale-out path), settings from
    ``env``; ``bench/_workers.py`` binds the socket so that TCP_NODELAY survives ``--workers``."""
    command = [sys.executable, "-m", "bench._workers", "--port", "{port}", "--workers", str(workers)]
    return ServerSpec(name, command, "/sparql", "/healthz",
                      {"MDKG_RATE_LIMIT_PER_S": "0", "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
                       **env})


def oxigraph_spec(location: Path) -> ServerSpec:
    cli = oxigraph_cli()
    assert cli is not None
    return ServerSpec(
        "oxigraph serve",
        [cli, "serve", "--location", str(location), "--bind", "127.0.0.1:{port}"],
        "/query",
        "/",
    )


def oxigraph_load(nquads: Path, location: Path) -> float:
    """``oxigraph load`` into an on-disk store, as one deploys ``oxigraph serve``; returns seconds."""
    cli = oxigraph_cli()
    assert cli is not None
    begin = time.perf_counter()
    subprocess.run(
        [cli, "load", "--location", str(location), "--file", str(nquads)], check=True, capture_output=True
    )
    return time.perf_counter() - begin


def rdflib_endpoint_spec(nquads: Path) -> ServerSpec:
    cli = rdflib_endpoint_cli()
    assert cli is not None
    return ServerSpec(
        "rdflib-endpoint", [cli, "serve", str(nquads), "--host", "127.0.0.1", "--port", "{port}"], "/", "/"
    )
