"""A bounded load test of mdkg on loopback: N clients for T seconds while runaway queries run.

    python bench/load_test.py --clients 8 --seconds 20 --deadline 5

Without ``--url`` it starts ``mdkg serve`` on a free port of 127.0.0.1 (its own process, the
project's dataset, ``2 * runaways + 2`` query workers, no rate limit since every client here shares
one address, and a random write token) and stops it at the end. Two workers per runaway, since a
runaway resubmitted at once takes a worker while the one killed at its deadline is being replaced;
with fewer, cheap queries can find every worker busy and get 503. With ``--url`` it drives a server
that is already running on a loopback address; ``--write-token`` then enables the write check.

What runs at once, until ``--seconds`` have passed:

* ``--clients`` clients, each in a tight loop over a mix of named queries (those that need no
  parameter, with their defaults), cheap ``/sparql`` queries, and resource pages (HTML and Turtle);
* ``--runaways`` runaway queries, each resubmitted as soon as it is answered, alternately a triple
  cartesian product over all graphs and a property-path bomb; they must end at the deadline, 504
  (or 503 while every worker is busy);
* a health probe, four times a second;
* when writes are enabled, one writer inserting a numbered triple into a graph of its own every
  ``--write-interval`` seconds; at the end every acknowledged write must be in the store.

It prints throughput, p50/p99 latency and the answers by status for each kind of request, and exits
1 if a normal request failed, a 5xx other than a runaway's 503/504 was seen, or a write was lost.
``--json PATH`` also writes the summary as JSON. Every request and the whole run are bounded in
time; only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

SPARQL_JSON = "application/sparql-results+json"
_ANY_PATH = "(<urn:x:p>|^<urn:x:p>|!<urn:x:p>|!^<urn:x:p>)*"
RUNAWAY_QUERIES = {
    "runaway-cartesian": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 {?a ?b ?c} GRAPH ?g2 {?d ?e ?f} "
                         "GRAPH ?g3 {?g ?h ?i} }",
    # Paths in both directions through every predicate reach every node of a component, and two in a
    # row every pair of them from each node: one such path takes seconds on the project's data, two
    # run for minutes.
    "runaway-path": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s {_ANY_PATH} ?o . "
                    f"?o {_ANY_PATH} ?x }} }}",
}
CHEAP_QUERIES = (
    "ASK { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?type (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a ?type } } GROUP BY ?type ORDER BY DESC(?n) "
    "LIMIT 10",
    "SELECT ?s ?label WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } } LIMIT 25",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
)
NORMAL_KINDS = ("named-query", "sparql", "resource-page")
RUNAWAY_STATUSES = (503, 504)
WRITE_PREDICATE = "urn:mdkg-load-test:sequence"
_SERVER_START_TIMEOUT_S = 120.0
_HEALTH_INTERVAL_S = 0.25
_READ_BACK_TIMEOUT_S = 60.0


# --- measurements -------------------------------------------------------------------------------------

@dataclass
class Tally:
    """The answers of one kind of request."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)
    messages: dict[str, Counter[str]] = field(default_factory=dict)
    """Error messages by status (from the envelope), to tell one 503 from another."""

    def record(self, status: int | str, seconds: float, message: str | None = None) -> None:
        self.statuses[str(status)] += 1
        self.latencies_s.append(seconds)
        if message:
            self.messages.setdefault(str(status), Counter())[message] += 1

    @property
    def count(self) -> int:
        return len(self.latencies_s)

    def percentile_ms(self, percent: float) -> float | None:
        if not self.latencies_s:
            return None
        ordered = sorted(self.latencies_s)
        rank = max(1, math.ceil(percent / 100 * len(ordered)))  # nearest rank
        return round(ordered[rank - 1] * 1000, 1)

    def summary(self, seconds: float) -> dict[str, Any]:
        return {"requests": self.count, "per_s": round(self.count / seconds, 1) if seconds else None,
                "p50_ms": self.percentile_ms(50), "p99_ms": self.percentile_ms(99),
                "max_ms": self.percentile_ms(100), "statuses": dict(sorted(self.statuses.items())),
                "errors": {status: dict(messages.most_common(3))
                           for status, messages in self.messages.items()}}


@dataclass
class Workload:
    named_queries: list[str]
    resource_paths: list[str]


@dataclass
class WriteLog:
    graph: str
    acknowledged: list[int] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


# --- the server ---------------------------------------------------------------------------------------

def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + _SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode} while starting")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server at {base_url} did not answer /healthz within {_SERVER_START_TIMEOUT_S} s")


@contextmanager
def served(*, deadline_s: float, workers: int, write_token: str, root: Path | None) -> Iterator[str]:
    """``mdkg serve`` in a process of its own on 127.0.0.1; yields its base URL and stops it."""
    port = _free_loopback_port()
    env = {**os.environ, "MDKG_QUERY_TIMEOUT_S": str(deadline_s), "MDKG_QUERY_WORKERS": str(workers),
           "MDKG_RATE_LIMIT_PER_S": "0", "MDKG_WRITE_TOKEN": write_token,
           "MDKG_MAX_CONCURRENT_QUERIES": str(max(16, workers * 4))}
    command = [sys.executable, "-m", "mdkg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if root is not None:
        command += ["--root", str(root)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _require_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"{url}: the load test only drives servers on loopback addresses")


# --- what the clients ask -----------------------------------------------------------------------------

async def discover(client: httpx.AsyncClient) -> Workload:
    """Named queries that need no parameter, and resource pages of entities the store holds."""
    listing = (await client.get("/queries.json")).json()
    named = [query["url"] for query in listing["queries"]
             if not any(parameter.get("required") for parameter in query.get("parameters", []))]
    entities = await client.get("/sparql", headers={"accept": SPARQL_JSON}, params={"query": (
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s a ?type } FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 200")})
    entities.raise_for_status()
    # The dataset's IRIs dereference here under the canonical base, or under the server's own URL
    # when it was started with MDKG_BASE_IRI set to it.
    prefixes = ("https://w3id.org/mdkg/", str(client.base_url).rstrip("/") + "/")
    paths: list[str] = []
    for binding in entities.json()["results"]["bindings"]:
        iri = binding["s"]["value"]
        for prefix in prefixes:
            if iri.startswith(prefix) and "#" not in iri:
                paths.append("/" + iri[len(prefix):])
                break
    if not named or not paths:
        raise RuntimeError(f"nothing to ask: {len(named)} named queries, {len(paths)} resource pages")
    return Workload(named_queries=named, resource_paths=paths[:50])


def _normal_request(kind: str, number: int, workload: Workload) -> tuple[str, dict[str, Any]]:
    if kind == "named-query":
        path = workload.named_queries[number % len(workload.named_queries)]
        return path, {"headers": {"accept": SPARQL_JSON}}
    if kind == "sparql":
        query = CHEAP_QUERIES[number % len(CHEAP_QUERIES)]
        return "/sparql", {"params": {"query": query}, "headers": {"accept": SPARQL_JSON}}
    path = workload.resource_paths[number % len(workload.resource_paths)]
    accept = "text/html" if number % 2 else "text/turtle"
    return path, {"headers": {"accept": accept}}


@dataclass(frozen=True)
class Answer:
    status: int | str
    """The HTTP status, or the name of the exception when there was no answer."""
    seconds: float
    message: str | None = None
    """The error envelope's message, for an error."""


def _error_message(response: httpx.Response) -> str | None:
    if response.status_code < 400:
        return None
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


async def _timed(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Answer:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        return Answer(type(error).__name__, time.perf_counter() - started, str(error) or None)
    return Answer(response.status_code, time.perf_counter() - started, _error_message(response))


async def normal_client(client: httpx.AsyncClient, workload: Workload, tallies: dict[str, Tally],
                        offset: int, stop_at: float) -> None:
    number = offset
    while time.monotonic() < stop_at:
        kind = NORMAL_KINDS[number % len(NORMAL_KINDS)]
        path, options = _normal_request(kind, number // len(NORMAL_KINDS), workload)
        answer = await _timed(client, "GET", path, **options)
        tallies[kind].record(answer.status, answer.seconds, answer.message)
        number += 1


async def runaway(client: httpx.AsyncClient, kind: str, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        answer = await _timed(client, "GET", "/sparql", params={"query": RUNAWAY_QUERIES[kind]},
                              headers={"accept": SPARQL_JSON})
        tally.record(answer.status, answer.seconds, answer.message)


async def health_probe(client: httpx.AsyncClient, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        answer = await _timed(client, "GET", "/healthz")
        tally.record(answer.status, answer.seconds, answer.message)
        await asyncio.sleep(max(0.0, min(_HEALTH_INTERVAL_S, stop_at - time.monotonic())))


# --- writes -------------------------------------------------------------------------------------------

def _insert(graph: str, number: int) -> str:
    return (f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:mdkg-load-test:item-{number}> <{WRITE_PREDICATE}> "
            f"{number} }} }}")


async def _update(client: httpx.AsyncClient, token: str, text: str) -> Answer:
    return await _timed(client, "POST", "/update", data={"update": text},
                        headers={"authorization": f"Bearer {token}"})


async def writes_available(client: httpx.AsyncClient, token: str | None, graph: str) -> str | None:
    """``None`` when the server takes writes with this token, else why not."""
    if not token:
        return "no write token"
    answer = await _update(client, token, f"DROP SILENT GRAPH <{graph}>")
    if answer.status in (200, 204):
        return None
    return f"a probe write got {answer.status}: {answer.message}"


async def writer(client: httpx.AsyncClient, token: str, log: WriteLog, tally: Tally, interval_s: float,
                 stop_at: float) -> None:
    number = 0
    while time.monotonic() < stop_at:
        answer = await _update(client, token, _insert(log.graph, number))
        tally.record(answer.status, answer.seconds, answer.message)
        if answer.status in (200, 204):
            log.acknowledged.append(number)
        else:
            log.refused[str(answer.status)] += 1
        number += 1
        await asyncio.sleep(max(0.0, min(interval_s, stop_at - time.monotonic())))


async def lost_writes(client: httpx.AsyncClient, token: str, log: WriteLog) -> list[int]:
    """Acknowledged writes missing from the store (read once the load is over); drops the test graph."""
    query = f"SELECT ?n WHERE {{ GRAPH <{log.graph}> {{ ?item <{WRITE_PREDICATE}> ?n }} }}"
    give_up_at = time.monotonic() + _READ_BACK_TIMEOUT_S
    while True:  # workers replaced after the runaways, or loading the last writes, answer 503 a while
        response = await client.get("/sparql", headers={"accept": SPARQL_JSON}, params={"query": query})
        if response.status_code not in RUNAWAY_STATUSES or time.monotonic() > give_up_at:
            break
        await asyncio.sleep(0.5)
    response.raise_for_status()
    found = {int(binding["n"]["value"]) for binding in response.json()["results"]["bindings"]}
    await _update(client, token, f"DROP SILENT GRAPH <{log.graph}>")
    return sorted(set(log.acknowledged) - found)


# --- the run ------------------------------------------------------------------------------------------

async def run_load(base_url: str, *, clients: int, seconds: float, runaways: int, deadline_s: float,
                   write_token: str | None, write_interval_s: float) -> dict[str, Any]:
    request_timeout = httpx.Timeout(deadline_s + 30.0, connect=10.0)
    connections = clients + runaways + 4
    pool = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, timeout=request_timeout, limits=pool) as client:
        workload = await discover(client)
        log = WriteLog(graph=f"urn:mdkg-load-test:graph:{secrets.token_hex(6)}")
        writes_skipped = await writes_available(client, write_token, log.graph)
        tallies = {kind: Tally() for kind in (*NORMAL_KINDS, *RUNAWAY_QUERIES, "healthz", "write")}
        runaway_kinds = list(RUNAWAY_QUERIES)
        started = time.monotonic()
        stop_at = started + seconds
        tasks = [normal_client(client, workload, tallies, offset, stop_at) for offset in range(clients)]
        tasks += [runaway(client, runaway_kinds[i % len(runaway_kinds)],
                          tallies[runaway_kinds[i % len(runaway_kinds)]], stop_at) for i in range(runaways)]
        tasks.append(health_probe(client, tallies["healthz"], stop_at))
        if writes_skipped is None and write_token:
            tasks.append(writer(client, write_token, log, tallies["write"], write_interval_s, stop_at))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
        lost = (await lost_writes(client, write_token, log)
                if writes_skipped is None and write_token else [])
    normal = [tallies[kind] for kind in NORMAL_KINDS]
    normal_count = sum(tally.count for tally in normal)
    every_normal = Tally()
    for tally in normal:
        every_normal.latencies_s += tally.latencies_s
        every_normal.statuses.update(tally.statuses)
    return {
        "url": base_url, "clients": clients, "runaways": runaways, "deadline_s": deadline_s,
        "seconds": round(elapsed, 2),
        "throughput_per_s": round(normal_count / elapsed, 1) if elapsed else None,
        "normal": every_normal.summary(elapsed),
        "kinds": {kind: tally.summary(elapsed) for kind, tally in tallies.items() if tally.count},
        "writes": {"checked": writes_skipped is None, "skipped_because": writes_skipped,
                   "acknowledged": len(log.acknowledged), "refused": dict(log.refused), "lost": lost},
        "workload": {"named_queries": len(workload.named_queries),
                     "resource_pages": len(workload.resource_paths), "sparql_queries": len(CHEAP_QUERIES)},
    }


def _expected(kind: str, status: str) -> bool:
    if not status.isdigit():  # no answer at all (a connection error or a timeout of the client)
        return False
    code = int(status)
    if kind == "write":
        return code in (200, 204)
    if kind in RUNAWAY_QUERIES:  # one that finishes (200) is no failure of the service
        return code == 200 or code in RUNAWAY_STATUSES
    return code == 200


def problems(summary: dict[str, Any]) -> list[str]:
    """Why the run failed: a normal request that did not get 200, an unexpected 5xx, a lost write."""
    found: list[str] = []
    for kind, tally in summary["kinds"].items():
        for status, count in tally["statuses"].items():
            if not _expected(kind, status):
                found.append(f"{kind}: {count} answered {status}")
    for kind in NORMAL_KINDS:
        if not summary["kinds"].get(kind, {}).get("requests"):
            found.append(f"{kind}: no request was made")
    if summary["writes"]["lost"]:
        found.append(f"writes: {len(summary['writes']['lost'])} acknowledged writes are missing")
    return found


def report(summary: dict[str, Any]) -> str:
    lines = [f"{summary['clients']} clients and {summary['runaways']} runaway queries for "
             f"{summary['seconds']} s against {summary['url']} (deadline {summary['deadline_s']:g} s)",
             f"throughput of normal requests: {summary['throughput_per_s']} per second; "
             f"p50 {summary['normal']['p50_ms']} ms, p99 {summary['normal']['p99_ms']} ms",
             "",
             f"{'kind':<18} {'requests':>8} {'per s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses"]
    for kind, tally in summary["kinds"].items():
        statuses = ", ".join(f"{status}: {count}" for status, count in tally["statuses"].items())
        lines.append(f"{kind:<18} {tally['requests']:>8} {tally['per_s']:>7} {tally['p50_ms']!s:>8} "
                     f"{tally['p99_ms']!s:>8} {tally['max_ms']!s:>8}  {statuses}")
    errors = [f"  {kind} {status} x{count}: {message}" for kind, tally in summary["kinds"].items()
              for status, messages in tally["errors"].items() for message, count in messages.items()]
    if errors:
        lines += ["", "error messages (most frequent first):", *errors]
    writes = summary["writes"]
    lines.append("")
    if writes["checked"]:
        lines.append(f"writes: {writes['acknowledged']} acknowledged, {len(writes['lost'])} lost, "
                     f"refused {writes['refused'] or 'none'}")
    else:
        lines.append(f"writes: not checked ({writes['skipped_because']})")
    failures = problems(summary)
    lines.append("problems: " + ("; ".join(failures) if failures else "none"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent normal clients (default 8)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the load lasts (default 20)")
    parser.add_argument("--runaways", type=int, default=2, help="runaway queries kept running (default 2)")
    parser.add_argument("--deadline", type=float, default=5.0,
                        help="query deadline of the server this script starts (default 5 s)")
    parser.add_argument("--workers", type=int,
                        help="query workers of that server (default 2 * runaways + 2)")
    parser.add_argument("--write-interval", type=float, default=0.2, help="seconds between writes")
    parser.add_argument("--no-writes", action="store_true", help="do not write (nor check writes)")
    parser.add_argument("--url", help="drive this running server (loopback only) instead of starting one")
    parser.add_argument("--write-token", help="with --url: the server's write token, to check writes")
    parser.add_argument("--root", type=Path, help="project folder for the server this script starts")
    parser.add_argument("--json", type=Path, help="also write the summary to this file")
    args = parser.parse_args(argv)
    # Stopped from outside (a test's timeout), still stop the server this script started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if not (0 < args.seconds <= 600 and 0 < args.clients <= 256 and 0 <= args.runaways <= 16):
        parser.error("keep it bounded: 0 < seconds <= 600, 0 < clients <= 256, 0 <= runaways <= 16")

    def run(base_url: str, token: str | None) -> dict[str, Any]:
        return asyncio.run(run_load(base_url, clients=args.clients, seconds=args.seconds,
                                    runaways=args.runaways, deadline_s=args.deadline,
                                    write_token=token, write_interval_s=args.write_interval))

    if args.url:
        _require_loopback(args.url)
        _wait_until_up(args.url.rstrip("/"), None)
        summary = run(args.url.rstrip("/"), None if args.no_writes else args.write_token)
    else:
        token = None if args.no_writes else secrets.token_urlsafe(24)
        workers = args.workers if args.workers is not None else 2 * args.runaways + 2
        with served(deadline_s=args.deadline, workers=workers, write_token=token or "",
                    root=args.root) as base:
            summary = run(base, token)
    print(report(summary))
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 1 if problems(summary) else 0


if __name__ == "__main__":
    sys.exit(main())
