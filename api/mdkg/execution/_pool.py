"""A pool of query worker processes that the server kills and replaces when a query overruns.

Neither pyoxigraph nor rdflib can cancel a query from Python, and a thread cannot be stopped, so
each query runs in a child process (:mod:`._worker`) holding its own copy of the data; at the
deadline the server sends that process SIGKILL and starts another. The server side is plain
asyncio on non-blocking sockets: a request waiting for its answer holds no thread, so requests that
need no worker (``/healthz``, named queries) are never queued behind runaway queries.

Data reach the workers as a snapshot of the server's store, one per *generation*: an N-Quads file
that each worker loads before it answers, or, for an on-disk Oxigraph store, a checkpoint of it (a
store folder of hard links, made in milliseconds) that each worker opens read-only and answers from
at once while it copies it into memory (see :mod:`._worker`). :meth:`WorkerPool.refresh` takes a new
snapshot after a write; a worker of an older generation reloads before its next query, so a query
admitted after ``refresh`` returns sees the write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mdkg
from mdkg.errors import QueryTimeout, StoreUnavailable
from mdkg.execution import _wire
from mdkg.execution._model import (
    QueryAnswer,
    QueryRequest,
    answer_from_wire,
    error_from_wire,
    request_to_wire,
)

log = logging.getLogger("mdkg.execution")

WORKER_MODULE = "mdkg.execution._worker"
_RETRY_AFTER = {"Retry-After": "1"}
_MAX_RESPAWN_DELAY_S = 10.0


@dataclass(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    sock: socket.socket
    generation: int
    started: bool = False
    """It has loaded its data and answered ``ready``."""
    busy: bool = False
    retired: bool = False
    """Killed; it may still sit in the idle queue, where checkout skips it."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self, *, keep_socket: bool = False) -> None:
        """SIGKILL; ``keep_socket`` while a request still reads it (it then reads end-of-file)."""
        with contextlib.suppress(OSError):
            self.process.kill()
        if not keep_socket:
            # Closing a socket asyncio is reading from would leave that read waiting forever.
            self.sock.close()


@dataclass(frozen=True)
class PoolStatus:
    size: int
    """Workers the pool keeps."""
    ready: int
    """Workers alive and started (idle or busy); below ``size`` while replacements start."""
    busy: int
    generation: int
    pids: tuple[int, ...] = field(default=())
    busy_pids: tuple[int, ...] = field(default=())


def _busy(message: str) -> StoreUnavailable:
    error = StoreUnavailable(message)
    error.headers = _RETRY_AFTER  # type: ignore[attr-defined]
    return error


_BOOTSTRAP = (
    "import json, os, sys; sys.path[:] = json.loads(os.environ.pop('MDKG_WORKER_SYS_PATH')); "
    f"from {WORKER_MODULE} import main; sys.exit(main(sys.argv[1:]))"
)


def _child_environment() -> dict[str, str]:
    # The child imports mdkg from where this process did (installed, or a source checkout), with this
    # process's own module path, as multiprocessing's spawn does.
    path = [str(Path(mdkg.__file__).resolve().parents[1]), *sys.path]
    return {**os.environ, "MDKG_WORKER_SYS_PATH": json.dumps(list(dict.fromkeys(path)))}


class WorkerPool:
    """``size`` worker processes over snapshots of one store.

    Either ``snapshot`` returns the store's whole dataset as N-Quads, or ``checkpoint`` writes an
    Oxigraph store folder of it at the path it is given (``pyoxigraph.Store.backup``; keep
    ``scratch_parent`` on the store's file system so that it hard-links). Both run in a thread of the
    server.
    """

    def __init__(self, *, size: int, backend: str, snapshot: Callable[[], bytes] | None = None,
                 checkpoint: Callable[[Path], None] | None = None, scratch_parent: Path | None = None,
                 row_limit: int, memory_mb: int = 0, start_timeout_s: float = 120.0) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        if (snapshot is None) == (checkpoint is None):
            raise ValueError("a worker pool needs either an N-Quads snapshot or a checkpoint")
        self.size = size
        self._backend = backend
        self._snapshot = snapshot
        self._checkpoint = checkpoint
        self._scratch_parent = scratch_parent
        self._row_limit = row_limit
        self._memory_mb = memory_mb
        self._start_timeout_s = start_timeout_s
        self._environment = _child_environment()
        # Replaced, never changed in place, so that status() may read it from any thread.
        self._workers: frozenset[_Worker] = frozenset()
        self._tasks: set[asyncio.Task[None]] = set()
        self._generation = 0
        self._snapshot_path: Path | None = None
        self._snapshot_readers: dict[Path, int] = {}
        """Workers sent a snapshot's path that have not answered yet: they may still open the file."""
        self._snapshots: dict[int, Path] = {}
        """Every snapshot on disk, by generation."""
        self._scratch: Path | None = None
        self._idle: asyncio.Queue[_Worker] | None = None
        self._refreshing: asyncio.Lock | None = None
        self._closing = False

    # --- life cycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Take the first snapshot and start every worker (returns when all are ready)."""
        # Last in, first out: the worker that just answered is the one still in the CPU's caches.
        self._idle = asyncio.LifoQueue()
        self._refreshing = asyncio.Lock()
        self._scratch = _scratch_folder(self._scratch_parent)
        try:
            await self._take_snapshot()
            started = await asyncio.gather(*(self._spawn() for _ in range(self.size)),
                                           return_exceptions=True)
            failures = [s for s in started if isinstance(s, BaseException)]
            if failures:
                raise failures[0]
        except BaseException:
            await self.close()
            raise
        for worker in started:
            assert isinstance(worker, _Worker)
            self._checkin(worker)

    async def refresh(self) -> None:
        """A new snapshot of the store: every query admitted from now on sees the data as they are now."""
        assert self._refreshing is not None, "start the pool first"
        async with self._refreshing:
            await self._take_snapshot()

    async def close(self) -> None:
        """Stop every worker, running or not, and remove the snapshots."""
        self._closing = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        workers, self._workers = self._workers, frozenset()
        for worker in workers:
            if not worker.busy:
                self._unwatch(worker)
            worker.kill(keep_socket=worker.busy)  # a busy worker's request closes it, via _retire
        await asyncio.to_thread(_reap, [w.process for w in workers])
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def status(self) -> PoolStatus:
        alive = [w for w in self._workers if w.started and w.alive()]
        busy = sorted(w.pid for w in alive if w.busy)
        return PoolStatus(size=self.size, ready=len(alive), busy=len(busy), generation=self._generation,
                          pids=tuple(sorted(w.pid for w in alive)), busy_pids=tuple(busy))

    # --- queries ---------------------------------------------------------------------------------------

    async def run(self, request: QueryRequest, timeout_s: float) -> QueryAnswer:
        """The answer of one worker, or :class:`QueryTimeout` once ``timeout_s`` has passed.

        The deadline covers waiting for a free worker too: a query that never got one in time is
        answered 503 (the service was busy), one that ran out of time 504 (it was stopped).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        worker: _Worker | None = None
        phase = "waiting"
        finished = False
        try:
            async with asyncio.timeout_at(deadline):
                worker = await self._checkout()
                if worker.generation != self._generation:
                    phase = "loading"
                    await self._reload(worker)
                phase = "running"
                await _wire.send(worker.sock, request_to_wire(request, self._row_limit))
                message, body = await _wire.receive(worker.sock)
            finished = True
        except TimeoutError:
            if phase == "running":
                raise QueryTimeout(
                    f"the query ran longer than the deadline of {timeout_s:g} s and was stopped",
                    detail={"deadline_s": timeout_s}) from None
            what = "were busy" if phase == "waiting" else "were loading new data"
            raise _busy(f"all {self.size} query workers {what} for the query's whole deadline of "
                        f"{timeout_s:g} s; it did not run, try again later") from None
        except (_wire.ChannelClosed, OSError):
            if self._closing:
                raise StoreUnavailable("the service is shutting down") from None
            raise StoreUnavailable(
                "the query worker stopped while running this query (it may have exceeded the "
                "memory a worker may use); the worker has been replaced") from None
        finally:
            if worker is not None:
                if finished:
                    self._checkin(worker)
                else:
                    self._retire(worker)
        if not message.get("ok"):
            raise error_from_wire(message)
        return answer_from_wire(message, body)

    async def _checkout(self) -> _Worker:
        assert self._idle is not None, "start the pool first"
        while True:
            if self._closing:
                raise StoreUnavailable("the service is shutting down")
            worker = await self._idle.get()
            if worker.retired:
                continue  # found dead while idle, and already replaced
            self._unwatch(worker)
            if worker.alive():
                worker.busy = True
                return worker
            self._retire(worker)

    def _checkin(self, worker: _Worker) -> None:
        worker.busy = False
        if self._closing:
            worker.kill()
            return
        assert self._idle is not None
        # An idle worker says nothing until asked: if its socket turns readable, the worker has died
        # (killed from outside, out of memory...), and it is replaced now rather than when next needed.
        asyncio.get_running_loop().add_reader(worker.sock.fileno(), self._died_while_idle, worker)
        self._idle.put_nowait(worker)

    def _unwatch(self, worker: _Worker) -> None:
        with contextlib.suppress(ValueError, OSError):  # a closed socket has no file descriptor
            asyncio.get_running_loop().remove_reader(worker.sock.fileno())

    def _died_while_idle(self, worker: _Worker) -> None:
        self._unwatch(worker)
        if not worker.retired:
            log.warning("query worker %d stopped while idle; replacing it", worker.pid)
            self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker in an unknown state (overran, died, interrupted mid-exchange) and replace it."""
        worker.retired = True
        self._workers -= {worker}
        worker.kill()
        self._remove_unused_snapshots()
        if not self._closing:  # else close() reaps it
            self._background(self._replace(worker))

    # --- workers ---------------------------------------------------------------------------------------

    def _background(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self, dead: _Worker) -> None:
        await asyncio.to_thread(_reap, [dead.process])
        delay = 0.0
        while not self._closing:
            try:
                worker = await self._spawn()
            except StoreUnavailable as error:
                delay = min(max(2 * delay, 0.5), _MAX_RESPAWN_DELAY_S)
                log.error("%s; retrying in %.1f s", error.message, delay)
                await asyncio.sleep(delay)
                continue
            self._checkin(worker)
            return

    @contextlib.contextmanager
    def _reading(self, snapshot: Path) -> Iterator[Path]:
        """Keep ``snapshot`` on disk while a worker told to load it may open it. A write that takes a
        new snapshot meanwhile (a worker takes a second or so to start) must not remove it from
        under that worker, or no worker could start while writes come faster than that."""
        self._snapshot_readers[snapshot] = self._snapshot_readers.get(snapshot, 0) + 1
        try:
            yield snapshot
        finally:
            self._snapshot_readers[snapshot] -= 1
            if not self._snapshot_readers[snapshot]:
                del self._snapshot_readers[snapshot]
                self._remove_unused_snapshots()

    def _remove_unused_snapshots(self) -> None:
        """Remove the snapshots no worker may read any more. A worker has read an N-Quads file once it
        has answered; a checkpoint stays open in every worker of its generation (it answers from it
        until its copy in memory is complete), so it stays until the last of them moves on."""
        in_use = {self._snapshot_path, *self._snapshot_readers}
        if self._checkpoint is not None:
            in_use.update(self._snapshots.get(w.generation) for w in self._workers)
        for generation, path in list(self._snapshots.items()):
            if path not in in_use:
                del self._snapshots[generation]
                _remove(path)

    async def _spawn(self) -> _Worker:
        assert self._snapshot_path is not None
        parent_end, child_end = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, str(child_end.fileno()), str(os.getpid())],
                pass_fds=(child_end.fileno(),), stdin=subprocess.DEVNULL, env=self._environment)
        except OSError as error:
            parent_end.close()
            raise StoreUnavailable(f"a query worker could not be started: {error}") from None
        finally:
            child_end.close()
        parent_end.setblocking(False)
        worker = _Worker(process, parent_end, self._generation)
        self._workers |= {worker}
        started = False
        try:
            async with asyncio.timeout(self._start_timeout_s):
                with self._reading(self._snapshot_path) as snapshot:
                    await _wire.send(parent_end, {"op": "start", "backend": self._backend,
                                                  "snapshot": str(snapshot), "kind": self._kind,
                                                  "generation": worker.generation,
                                                  "memory_mb": self._memory_mb})
                    message, _ = await _wire.receive(parent_end)
            if not message.get("ok"):
                raise error_from_wire(message)
            started = worker.started = True
            return worker
        except (TimeoutError, _wire.ChannelClosed, OSError) as error:
            raise StoreUnavailable(f"a query worker did not start: {error or type(error).__name__}") from None
        finally:
            if not started:
                self._workers -= {worker}
                worker.kill()
                await asyncio.to_thread(_reap, [process])

    async def _reload(self, worker: _Worker) -> None:
        generation, snapshot = self._generation, self._snapshot_path
        assert snapshot is not None
        with self._reading(snapshot):
            await _wire.send(worker.sock, {"op": "load", "snapshot": str(snapshot), "kind": self._kind,
                                           "generation": generation})
            message, _ = await _wire.receive(worker.sock)
        if not message.get("ok"):
            raise error_from_wire(message)
        worker.generation = generation
        self._remove_unused_snapshots()

    @property
    def _kind(self) -> str:
        return "nquads" if self._checkpoint is None else "oxigraph-store"

    async def _take_snapshot(self) -> None:
        assert self._scratch is not None
        generation = self._generation + 1
        if self._checkpoint is not None:
            path = self._scratch / f"checkpoint-{generation}"
            await asyncio.to_thread(self._checkpoint, path)
        else:
            assert self._snapshot is not None
            path = self._scratch / f"snapshot-{generation}.nq"
            data = await asyncio.to_thread(self._snapshot)
            await asyncio.to_thread(path.write_bytes, data)
        self._snapshots[generation] = path
        self._snapshot_path, self._generation = path, generation
        # The previous one goes unless a worker may still read it (see _remove_unused_snapshots).
        self._remove_unused_snapshots()


def _scratch_folder(parent: Path | None) -> Path:
    """A private folder for the snapshots, in ``parent`` if it can be made there (a checkpoint beside
    its store hard-links its files; elsewhere it copies them), else in the system's temporary folder."""
    if parent is not None:
        with contextlib.suppress(OSError):
            return Path(tempfile.mkdtemp(prefix=".mdkg-query-workers-", dir=parent))
    return Path(tempfile.mkdtemp(prefix="mdkg-query-workers-"))


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _reap(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
