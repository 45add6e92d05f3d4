"""Ready time of ``mdkg serve`` on an on-disk store, and its query workers' speed as they warm up.

Ready means what a user needs: ``/healthz`` answers and a ``/sparql`` query answers through the
query workers (deadline, row cap and kill/replace on). Over an on-disk store the workers answer
from a checkpoint of it at once, then from their copy in memory (which they start a moment after
they are ready); the warm-up is taken as over when the server's child processes, once busy, have
been idle for a second.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from bench import _http

QUERY = "two-join SELECT"
_IDLE_CPU_PERCENT = 10.0
_IDLE_FOR_S = 1.0
_WARM_UP_BOUND_S = 180.0
_WARM_UP_START_BOUND_S = 15.0


@dataclass
class Start:
    ready_s: float
    """From launch to ``/healthz`` and one ``/sparql`` answer."""
    healthz_s: float
    before_ms: list[float] = field(default_factory=list)
    """The query, right after ready (the workers may still be copying their data into memory)."""
    warm_up_s: float = float("nan")
    """From ready until the workers went idle."""
    after_ms: list[float] = field(default_factory=list)

    @property
    def before_p50_ms(self) -> float:
        return statistics.median(self.before_ms) if self.before_ms else float("nan")

    @property
    def after_p50_ms(self) -> float:
        return statistics.median(self.after_ms) if self.after_ms else float("nan")


def _ask(client: httpx.Client, url: str) -> float:
    begin = time.perf_counter()
    response = client.get(url, params={"query": _http.QUERIES[QUERY]},
                          headers={"Accept": _http.ACCEPT[QUERY]})
    response.raise_for_status()
    return time.perf_counter() - begin


def _children_idle(pid: int) -> bool:
    children = psutil.Process(pid).children(recursive=True)
    for child in children:
        child.cpu_percent(None)
    time.sleep(_IDLE_FOR_S)
    busy = 0.0
    for child in children:
        try:
            busy = max(busy, child.cpu_percent(None))
        except psutil.Error:
            continue
    return busy < _IDLE_CPU_PERCENT


def _wait_for_warm_up(pid: int, since: float) -> float:
    """Seconds from ``since`` until the workers, after a busy spell, went idle."""
    while time.perf_counter() - since < _WARM_UP_START_BOUND_S and _children_idle(pid):
        pass
    while time.perf_counter() - since < _WARM_UP_BOUND_S and not _children_idle(pid):
        pass
    return time.perf_counter() - since - _IDLE_FOR_S


def start(spec: _http.ServerSpec, log: Path, *, queries: int = 5, warm_up: bool = True) -> Start:
    """Launch ``spec``, time it to ready, then time ``queries`` queries before and after the warm-up."""
    with _http.running(spec, log) as server, httpx.Client(timeout=60) as client:
        launched = time.perf_counter() - server.ready_s
        _ask(client, server.url)
        result = Start(ready_s=time.perf_counter() - launched, healthz_s=server.ready_s)
        ready_at = time.perf_counter()
        result.before_ms = [_ask(client, server.url) * 1000 for _ in range(queries)]
        if warm_up:
            result.warm_up_s = _wait_for_warm_up(server.process.pid, ready_at)
            result.after_ms = [_ask(client, server.url) * 1000 for _ in range(queries)]
    return result
