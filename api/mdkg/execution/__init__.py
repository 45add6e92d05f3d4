"""Query execution with deadlines, isolation, row caps and an admission limit.

Every ``/sparql`` query goes through the app's :class:`QueryExecutor`::

    executor = query_executor(app_state)                  # started by the app's lifespan
    answer = await executor.run(QueryRequest(text, dataset, tabular_media_type=..., graph_media_type=...))
    Response(answer.body, headers=truncation_headers(answer))

* **Deadline** (``settings.query_timeout_s``): a query still running is stopped and answered 504
  ``query_timeout``. With the embedded stores the app opens itself, queries run in worker
  processes (``settings.query_workers``) that are killed at the deadline and replaced.
* **Row cap** (``settings.max_result_rows``): results are cut, never silently: the response
  carries ``MDKG-Truncated: true`` and ``MDKG-Row-Limit``, SPARQL JSON a top-level ``"mdkg:note"``,
  Turtle/TriG/N-Triples/N-Quads a leading comment.
* **Admission** (``settings.max_concurrent_queries``): queries running or waiting beyond it get
  503 ``store_unavailable`` with ``Retry-After``.

After a write, ``await store_changed(app_state)`` makes the workers load the new data before
their next query. Over an on-disk Oxigraph store the workers get checkpoints of it (see
:class:`WorkerPool`), so they are ready as soon as the server is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mdkg.errors import StoreUnavailable
from mdkg.execution._evaluate import NOTE_MEMBER, answer_from_result
from mdkg.execution._executor import (
    WORKER_BACKENDS,
    InProcessExecutor,
    PooledExecutor,
    QueryExecutor,
)
from mdkg.execution._model import QueryAnswer, QueryRequest
from mdkg.execution._pool import PoolStatus, WorkerPool
from mdkg.results import graph_format, tabular_format
from mdkg.store import GraphResult, QueryResult, Store

if TYPE_CHECKING:  # the workers import this package and need nothing of the web layer
    from mdkg.web.state import AppState

__all__ = [
    "NOTE_MEMBER",
    "ROW_LIMIT_HEADER",
    "TRUNCATED_HEADER",
    "InProcessExecutor",
    "PoolStatus",
    "PooledExecutor",
    "QueryAnswer",
    "QueryExecutor",
    "QueryRequest",
    "WorkerPool",
    "query_executor",
    "serialize_capped",
    "start_query_executor",
    "stop_query_executor",
    "store_changed",
    "truncation_headers",
]

TRUNCATED_HEADER = "MDKG-Truncated"
ROW_LIMIT_HEADER = "MDKG-Row-Limit"
_EXECUTOR_KEY = "execution.executor"


def serialize_capped(result: QueryResult, media_type: str, row_limit: int, *,
                     prefixes: Mapping[str, str] | None = None) -> QueryAnswer:
    """A result computed elsewhere (named queries run in process), cut and marked like the workers' ones."""
    graph = isinstance(result, GraphResult)
    canonical = (graph_format if graph else tabular_format)(media_type) or media_type
    request = QueryRequest("", tabular_media_type=None if graph else canonical,
                           graph_media_type=canonical if graph else None, prefixes=dict(prefixes or {}))
    return answer_from_result(result, request, row_limit)


def truncation_headers(answer: QueryAnswer) -> dict[str, str]:
    if not answer.truncated:
        return {}
    return {TRUNCATED_HEADER: "true", ROW_LIMIT_HEADER: str(answer.row_limit)}


async def start_query_executor(state: AppState) -> QueryExecutor:
    """The app's executor: worker processes for an embedded store the app opened, else in process."""
    settings = state.settings
    store = state.require_store()
    executor: QueryExecutor
    if settings.query_workers > 0 and state.owns_store and settings.store in WORKER_BACKENDS:
        pool = WorkerPool(size=settings.query_workers, backend=settings.store, **_snapshot_source(store),
                          row_limit=settings.max_result_rows, memory_mb=settings.query_worker_memory_mb)
        await pool.start()
        executor = PooledExecutor(pool, settings)
    else:
        executor = InProcessExecutor(store, settings)
    state.extras[_EXECUTOR_KEY] = executor
    return executor


def _snapshot_source(store: Store) -> dict[str, Any]:
    """How the workers get the data: an on-disk Oxigraph store gives checkpoints, which workers answer
    from at once; any other store an N-Quads export, which each worker loads before answering."""
    from mdkg.store.oxigraph import OxigraphStore

    if isinstance(store, OxigraphStore) and store.path is not None and not store.read_only:
        def checkpoint(target: Path) -> None:
            try:
                store.raw.backup(str(target))
            except OSError as error:
                raise StoreUnavailable(f"the store could not be checkpointed for the query workers: "
                                       f"{error}") from error

        return {"checkpoint": checkpoint, "scratch_parent": store.path.resolve().parent}
    return {"snapshot": lambda: store.export(media_type="application/n-quads")}


def query_executor(state: AppState) -> QueryExecutor:
    """The executor the lifespan started (an in-process one when the app runs without its lifespan)."""
    executor: QueryExecutor | None = state.extras.get(_EXECUTOR_KEY)
    if executor is None:
        executor = state.extras[_EXECUTOR_KEY] = InProcessExecutor(state.require_store(), state.settings)
    return executor


async def stop_query_executor(state: AppState) -> None:
    executor: QueryExecutor | None = state.extras.pop(_EXECUTOR_KEY, None)
    if executor is not None:
        await executor.close()


async def store_changed(state: AppState) -> None:
    """Tell the executor the store was written: queries admitted after this returns see the write."""
    executor: QueryExecutor | None = state.extras.get(_EXECUTOR_KEY)
    if executor is not None:
        await executor.store_changed()
