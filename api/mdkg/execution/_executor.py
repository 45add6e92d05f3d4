"""Where an app's queries run: a pool of killable worker processes, or the server process itself.

* :class:`PooledExecutor` (the embedded Oxigraph and rdflib stores the app opened itself): every
  query runs in a worker process that is killed at the deadline, so a runaway query is really
  stopped, and its cost never lands on the server's event loop or threads.
* :class:`InProcessExecutor` (a remote store, a store handed to ``create_app`` by its caller, or
  ``query_workers = 0``): the query runs in a thread. At the deadline the client gets its 504, but
  the thread cannot be stopped: an embedded engine finishes the query in the background, a remote
  store's HTTP client gives up at ``remote_timeout_s``. A store handed in by the caller stays in
  process because the caller may change it behind the app's back, and a snapshot would go stale.

Both admit at most ``max_concurrent_queries`` queries at once (running or waiting), and refuse
the next with 503 and ``Retry-After``.
"""

from __future__ import annotations

import threading
from typing import Protocol

import anyio
import anyio.to_thread

from mdkg.errors import MdkgError, QueryTimeout, StoreUnavailable
from mdkg.execution._evaluate import evaluate_store
from mdkg.execution._model import QueryAnswer, QueryRequest
from mdkg.execution._pool import PoolStatus, WorkerPool
from mdkg.settings import Settings
from mdkg.store import Store

WORKER_BACKENDS = ("oxigraph", "rdflib")
"""Stores the query workers can hold a copy of (the remote store is queried over HTTP instead)."""


class QueryExecutor(Protocol):
    isolated: bool
    """``True`` when queries past their deadline are stopped, not only answered 504."""

    async def run(self, request: QueryRequest) -> QueryAnswer: ...

    async def store_changed(self) -> None:
        """Call after every committed write: queries admitted afterwards see it."""
        ...

    async def close(self) -> None: ...

    def pool_status(self) -> PoolStatus | None: ...

    def queries_in_progress(self) -> int:
        """Queries admitted and not yet answered (running, or waiting for a worker)."""
        ...


class _Slot:
    """One admitted query, released once: by the thread that ran it, or by the caller if it never ran."""

    def __init__(self, admission: _Admission) -> None:
        self._admission = admission
        self._lock = threading.Lock()
        self._state = "admitted"

    def begin(self) -> bool:
        with self._lock:
            if self._state != "admitted":
                return False
            self._state = "running"
            return True

    def finish(self) -> None:
        with self._lock:
            if self._state == "done":
                return
            self._state = "done"
        self._admission.leave()

    def release_unless_running(self) -> None:
        with self._lock:
            if self._state != "admitted":
                return
            self._state = "done"
        self._admission.leave()


class _Admission:
    """A counter of queries in progress, shared by the event loop and the threads that run queries."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._count = 0
        self._lock = threading.Lock()

    def enter(self) -> _Slot:
        with self._lock:
            if self._count >= self.limit:
                error = StoreUnavailable(
                    f"too many queries are running or waiting (the limit is {self.limit}); "
                    "try again in a moment", detail={"limit": self.limit})
                error.headers = {"Retry-After": "1"}  # type: ignore[attr-defined]
                raise error
            self._count += 1
        return _Slot(self)

    def leave(self) -> None:
        with self._lock:
            self._count -= 1

    @property
    def in_progress(self) -> int:
        return self._count


class PooledExecutor:
    isolated = True

    def __init__(self, pool: WorkerPool, settings: Settings) -> None:
        self.pool = pool
        self._timeout_s = settings.query_timeout_s
        self._admission = _Admission(settings.max_concurrent_queries)

    async def run(self, request: QueryRequest) -> QueryAnswer:
        slot = self._admission.enter()
        try:
            return await self.pool.run(request, self._timeout_s)
        finally:
            slot.release_unless_running()

    async def store_changed(self) -> None:
        await self.pool.refresh()

    async def close(self) -> None:
        await self.pool.close()

    def pool_status(self) -> PoolStatus | None:
        return self.pool.status()

    def queries_in_progress(self) -> int:
        return self._admission.in_progress


def _evaluate_here(store: Store, request: QueryRequest, row_limit: int) -> QueryAnswer:
    failure: MdkgError
    try:
        return evaluate_store(store, request, row_limit)
    except MdkgError as error:
        failure = error
    except OSError as error:  # raised while solutions are read, e.g. by a failing SERVICE call
        failure = StoreUnavailable(f"the query could not be evaluated: {error}")
    # The engine's frames are dropped here, in this thread: reaching the event loop they would keep
    # pyoxigraph's result iterator alive until that thread frees it, which pyoxigraph forbids.
    failure.__cause__ = failure.__context__ = failure.__traceback__ = None
    raise failure


class InProcessExecutor:
    isolated = False

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._timeout_s = settings.query_timeout_s
        self._row_limit = settings.max_result_rows
        self._admission = _Admission(settings.max_concurrent_queries)
        # Its own threads: abandoned queries must not take those of the app's other routes.
        self._limiter = anyio.CapacityLimiter(settings.max_concurrent_queries)
        self._remote = store.name == "remote"

    async def run(self, request: QueryRequest) -> QueryAnswer:
        slot = self._admission.enter()

        def work() -> QueryAnswer | None:
            if not slot.begin():
                return None
            try:
                return _evaluate_here(self._store, request, self._row_limit)
            finally:
                slot.finish()

        try:
            with anyio.fail_after(self._timeout_s):
                answer = await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=self._limiter)
        except TimeoutError:
            stopped_by = ("the remote store's own timeout ends it" if self._remote else
                          "this store runs queries in the server process, where they cannot be stopped")
            raise QueryTimeout(
                f"the query ran longer than the deadline of {self._timeout_s:g} s; its answer was "
                f"abandoned ({stopped_by})", detail={"deadline_s": self._timeout_s}) from None
        finally:
            slot.release_unless_running()
        assert answer is not None
        return answer

    async def store_changed(self) -> None:
        return None  # queries read the store itself

    async def close(self) -> None:
        return None

    def pool_status(self) -> PoolStatus | None:
        return None

    def queries_in_progress(self) -> int:
        return self._admission.in_progress
