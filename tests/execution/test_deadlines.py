"""Deadlines and isolation: runaway queries are stopped with 504, the rest of the service keeps answering,
the pool heals, and queries beyond the admission limit get 503."""

from __future__ import annotations

import os
import signal
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from mdkg.execution import InProcessExecutor, query_executor
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app

from .conftest import (
    CALL_BOUND_S,
    CARTESIAN,
    CHEAP_QUERY,
    DEADLINE_S,
    EX,
    MAX_CONCURRENT,
    PATH_CLOSURE,
    QUERY_WORKERS,
    Served,
    chain_settings,
    serve_app,
    wait_until,
    write_chain_root,
)


def _sparql(base_url: str, query: str) -> httpx.Response:
    return httpx.post(f"{base_url}/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=CALL_BOUND_S)


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code
    return error


def _next_of_first(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    [row] = response.json()["results"]["bindings"]
    return row["next"]["value"]


def test_a_runaway_query_is_stopped_with_504(pooled: Served) -> None:
    pooled.wait_for_full_pool()
    error = _error(_sparql(pooled.url, CARTESIAN), 504, "query_timeout")
    assert f"deadline of {DEADLINE_S:g} s" in error["message"] and "stopped" in error["message"]
    assert error["detail"] == {"deadline_s": DEADLINE_S}


def test_the_service_answers_while_two_runaway_queries_run_and_heals_after(pooled: Served,
                                                                          http: httpx.Client) -> None:
    before = pooled.wait_for_full_pool()
    with ThreadPoolExecutor(2) as threads:
        runaways = [threads.submit(_sparql, pooled.url, query) for query in (CARTESIAN, PATH_CLOSURE)]
        wait_until(lambda: pooled.executor.pool.status().busy == QUERY_WORKERS)

        # Both would wait for a worker if they needed one: the runaways hold both until the deadline.
        health = http.get(f"{pooled.url}/healthz")
        named = http.get(f"{pooled.url}/queries/next-of-first.json")
        assert all(not r.done() for r in runaways), "the runaway queries should still be running"

        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert _next_of_first(named) == f"{EX}n/2"
        for runaway in runaways:
            _error(runaway.result(), 504, "query_timeout")

    after = pooled.wait_for_full_pool()
    assert len(after) == QUERY_WORKERS
    assert not set(before) & set(after), "both workers that ran a runaway query should have been replaced"
    for pid in before:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert _next_of_first(_sparql(pooled.url, CHEAP_QUERY)) == f"{EX}n/2"


def test_queries_beyond_the_admission_limit_get_503(pooled: Served) -> None:
    pooled.wait_for_full_pool()
    with ThreadPoolExecutor(MAX_CONCURRENT) as threads:
        admitted: list[Future[httpx.Response]] = [threads.submit(_sparql, pooled.url, CARTESIAN)
                                                  for _ in range(MAX_CONCURRENT)]
        wait_until(lambda: pooled.executor.queries_in_progress() == MAX_CONCURRENT)
        refused = _sparql(pooled.url, CHEAP_QUERY)
        responses = [future.result() for future in admitted]

    error = _error(refused, 503, "store_unavailable")
    assert "too many queries" in error["message"] and error["detail"] == {"limit": MAX_CONCURRENT}
    assert refused.headers["Retry-After"] == "1"
    # Two ran on the two workers until their deadline; the third waited for one in vain.
    assert sorted(r.status_code for r in responses) == [503, 504, 504]
    waited = next(r for r in responses if r.status_code == 503)
    assert "busy" in _error(waited, 503, "store_unavailable")["message"] and waited.headers["Retry-After"]
    pooled.wait_for_full_pool()
    assert _next_of_first(_sparql(pooled.url, CHEAP_QUERY)) == f"{EX}n/2"


def test_a_worker_killed_mid_query_gives_503_and_is_replaced(pooled: Served) -> None:
    pooled.wait_for_full_pool()
    with ThreadPoolExecutor(1) as threads:
        running = threads.submit(_sparql, pooled.url, CARTESIAN)
        wait_until(lambda: pooled.executor.pool.status().busy == 1)
        [busy_pid] = pooled.executor.pool.status().busy_pids
        os.kill(busy_pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        error = _error(running.result(), 503, "store_unavailable")
    assert "worker stopped" in error["message"]
    assert busy_pid not in pooled.wait_for_full_pool()
    assert _next_of_first(_sparql(pooled.url, CHEAP_QUERY)) == f"{EX}n/2"


def test_a_worker_that_died_while_idle_is_replaced_before_it_is_needed(pooled: Served) -> None:
    pids = pooled.wait_for_full_pool()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    # No query asks for a worker: the pool notices the deaths by itself.
    wait_until(lambda: not set(pids) & set(pooled.executor.pool.status().pids))
    after = pooled.wait_for_full_pool()
    assert len(after) == QUERY_WORKERS and not set(pids) & set(after)
    assert _next_of_first(_sparql(pooled.url, CHEAP_QUERY)) == f"{EX}n/2"


def test_syntax_errors_from_a_worker_point_into_the_users_text(pooled: Served) -> None:
    error = _error(_sparql(pooled.url, "SELECT ?s WHERE {\n  ?s ?p \n}"), 400, "query_syntax")
    assert error["detail"]["line"] == 3 and "line 3" in error["message"]


def test_the_rdflib_store_runs_in_workers_too(tmp_path: Path) -> None:
    root = write_chain_root(tmp_path, length=200)
    app = create_app(chain_settings(root, store="rdflib"))
    with serve_app(app) as url:
        assert _next_of_first(_sparql(url, CHEAP_QUERY)) == f"{EX}n/2"
        _error(_sparql(url, CARTESIAN), 504, "query_timeout")
        assert query_executor(app.state.mdkg).pool_status() is not None


def test_an_injected_store_runs_queries_in_process_with_the_same_deadline(tmp_path: Path) -> None:
    # A short chain: the abandoned thread finishes a few seconds later instead of running for minutes.
    root = write_chain_root(tmp_path, length=1500)
    store = OxigraphStore()
    app = create_app(Settings(root=root, query_timeout_s=0.2), store=store)
    with serve_app(app) as url:
        assert isinstance(query_executor(app.state.mdkg), InProcessExecutor)
        assert _next_of_first(_sparql(url, CHEAP_QUERY)) == f"{EX}n/2"
        error = _error(_sparql(url, PATH_CLOSURE), 504, "query_timeout")
        assert "abandoned" in error["message"] and "cannot be stopped" in error["message"]
        assert httpx.get(f"{url}/healthz", timeout=CALL_BOUND_S).status_code == 200
        wait_until(lambda: query_executor(app.state.mdkg).queries_in_progress() == 0)
    store.close()


def test_a_query_past_the_workers_memory_limit_ends_that_worker_only(chain_root: Path) -> None:
    app = create_app(chain_settings(chain_root, query_workers=1, query_worker_memory_mb=400,
                                    query_timeout_s=CALL_BOUND_S))
    sorted_product = "SELECT * WHERE { GRAPH ?graph { ?a ?b ?c . ?d ?e ?f } } ORDER BY ?c ?f"
    with serve_app(app) as url:
        error = _error(_sparql(url, sorted_product), 503, "store_unavailable")
        assert "memory" in error["message"] and "replaced" in error["message"]
        assert _next_of_first(_sparql(url, CHEAP_QUERY)) == f"{EX}n/2"
