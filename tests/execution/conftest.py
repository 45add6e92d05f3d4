"""Fixtures of the execution tests: a project folder whose data make runaway queries easy.

* ``chain_root``  a project folder holding one source graph, a chain of ``CHAIN_LENGTH`` nodes
  (a cartesian product of three triple patterns over it, or the closure of any path, runs for
  minutes), and one cheap named query, ``next-of-first``
* ``serve``       context manager: uvicorn serving an app on a free loopback port, in a thread
* ``pooled``      a served app over ``chain_root`` with two query workers and short limits
* ``http``        an HTTP client for calls whose latency matters
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from mdkg.execution import PooledExecutor, query_executor
from mdkg.settings import Settings
from mdkg.testing import serve_in_thread
from mdkg.web.app import create_app

CHAIN_LENGTH = 3000
EX = "http://example.org/"
DEADLINE_S = 1.0
ROW_LIMIT = 50
QUERY_WORKERS = 2
MAX_CONCURRENT = 3
CALL_BOUND_S = 30.0
"""Generous bound on any one HTTP call, so that a broken deadline fails the test instead of hanging it."""

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?graph { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }"
PATH_CLOSURE = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?graph {{ ?s (<{EX}p>|!<{EX}p>)* ?o }} }}")
CHEAP_QUERY = f"SELECT ?next WHERE {{ GRAPH ?graph {{ <{EX}n/1> <{EX}next> ?next }} }}"

_START_TIMEOUT_S = 30.0


def write_chain_root(root: Path, length: int = CHAIN_LENGTH) -> Path:
    sources = root / "graph" / "sources"
    sources.mkdir(parents=True)
    lines = [f"<{EX}n/{i}> <{EX}next> <{EX}n/{i + 1}> ." for i in range(length)]
    (sources / "chain.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    queries = root / "queries"
    queries.mkdir()
    (queries / "next-of-first.rq").write_text(
        "#+ summary: The node after the first one\n" + CHEAP_QUERY + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def chain_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_chain_root(tmp_path_factory.mktemp("chain"))


def chain_settings(root: Path, **changes: object) -> Settings:
    return Settings(root=root, query_timeout_s=DEADLINE_S, query_workers=QUERY_WORKERS,
                    max_concurrent_queries=MAX_CONCURRENT, max_result_rows=ROW_LIMIT).with_changes(**changes)


def serve_app(app: FastAPI) -> AbstractContextManager[str]:
    """Run uvicorn (lifespan on) on a free loopback port; yields the base URL, stops it on exit."""
    return serve_in_thread(app, start_timeout_s=_START_TIMEOUT_S)


@pytest.fixture(scope="session")
def serve() -> Callable[[FastAPI], AbstractContextManager[str]]:
    return serve_app


def executor_of(app: FastAPI) -> PooledExecutor:
    executor = query_executor(app.state.mdkg)
    assert isinstance(executor, PooledExecutor)
    return executor


def wait_until(condition: Callable[[], bool], timeout_s: float = CALL_BOUND_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(0.02)


@dataclass
class Served:
    app: FastAPI
    url: str

    @property
    def executor(self) -> PooledExecutor:
        return executor_of(self.app)

    def wait_for_full_pool(self) -> tuple[int, ...]:
        """Pids of the workers once every worker is alive and idle."""
        def full() -> bool:
            status = self.executor.pool.status()
            return status.ready == status.size and status.busy == 0
        wait_until(full)
        return self.executor.pool.status().pids


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One client for the calls whose latency matters (a new client per call costs a TLS context)."""
    with httpx.Client(timeout=CALL_BOUND_S) as client:
        yield client


@pytest.fixture(scope="session")
def pooled(chain_root: Path) -> Iterator[Served]:
    app = create_app(chain_settings(chain_root))
    with serve_app(app) as url:
        yield Served(app, url)
