"""A query worker: a child process holding its own copy of the data, answering one query at a time.

Started by the pool as ``main([fd, server_pid])`` in a fresh interpreter (``python -c``, with the
server's module path), where ``fd`` is its end of a socket pair. The first frame says what to load;
the worker answers ``ready``, then one answer frame per query frame until the socket closes. It
never writes to the data, and the server may kill it at any moment (that is how a query past its
deadline is stopped).

An N-Quads snapshot is loaded before ``ready``. A checkpoint of an on-disk Oxigraph store is opened
read-only, which takes milliseconds, so the worker is ready at once; a thread then copies it into an
in-memory store (joins there are several times faster than on RocksDB), and queries go to the copy
once it is complete. pyoxigraph releases the GIL while it evaluates, so queries are answered
meanwhile.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import os
import resource
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mdkg.errors import MdkgError
from mdkg.execution import _wire
from mdkg.execution._evaluate import evaluate_oxigraph, evaluate_store
from mdkg.execution._model import (
    QueryAnswer,
    QueryRequest,
    answer_to_wire,
    error_to_wire,
    request_from_wire,
)

log = logging.getLogger("mdkg.execution.worker")

Evaluator = Callable[[QueryRequest, int], QueryAnswer]
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Linux: be killed when the server dies, even by SIGKILL, so that no runaway query outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the server died before the request above took effect
        os._exit(0)


def _limit_memory(megabytes: int) -> None:
    # A worker past its limit aborts; a core file per runaway query would fill the disk instead.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


_WARM_UP_DELAY_S = 2.0
"""The copy starts this long after the worker is ready: the server's own start (the other workers,
its first health checks and queries) gets the CPU first, and the copy takes far longer anyway."""
_WARM_BATCH = 1_000
"""Quads copied per step. Reading quads and extend() run in pyoxigraph without a bytecode boundary,
so the copy holds the GIL for a whole step: small steps (a few milliseconds) let a query waiting for
the GIL in the main thread have it soon. Between steps the copy checks whether it is still wanted."""


class WarmingStore:
    """A read-only checkpoint that answers at once, replaced by its copy in memory when that is done."""

    def __init__(self, checkpoint: Path) -> None:
        self._current = ox.Store.read_only(str(checkpoint))
        self._abandoned = threading.Event()
        self.warm = threading.Event()
        """Set once queries go to the in-memory copy."""
        self._thread = threading.Thread(target=self._copy, args=(self._current,), daemon=True,
                                        name="mdkg-warm-up")
        self._thread.start()

    @property
    def store(self) -> ox.Store:
        return self._current

    def _copy(self, source: ox.Store) -> None:
        if self._abandoned.wait(_WARM_UP_DELAY_S):
            return
        begin = time.perf_counter()
        memory = ox.Store()
        # extend(quads) rather than load(dump()): load would rename blank nodes, and results would no
        # longer show the labels of the server's own store.
        quads = iter(source.quads_for_pattern(None, None, None, None))
        try:
            while not self._abandoned.is_set():
                batch = list(itertools.islice(quads, _WARM_BATCH))
                if not batch:
                    self._current = memory  # one reference swap: a running query keeps its own store
                    self.warm.set()
                    log.info("data in memory after %.1f s", time.perf_counter() - begin)
                    return
                memory.extend(batch)
        except (OSError, MemoryError) as error:  # keep answering from the checkpoint
            log.warning("the data could not be copied into memory, queries read the store on disk: %s",
                        error)

    def abandon(self) -> None:
        """Stop copying (newer data came); the copy ends within one batch."""
        self._abandoned.set()

    def evaluate(self, request: QueryRequest, row_limit: int) -> QueryAnswer:
        return evaluate_oxigraph(self._current, request, row_limit)


def load(backend: str, snapshot: Path, kind: str = "nquads") -> Evaluator:
    """The data of ``snapshot`` in a store of ``backend``, and the function that queries it: an
    N-Quads file, or (``kind`` ``oxigraph-store``) an Oxigraph store folder, see :class:`WarmingStore`."""
    if kind == "oxigraph-store":
        if backend != "oxigraph":
            raise ValueError(f"an Oxigraph checkpoint cannot feed the {backend!r} store")
        return WarmingStore(snapshot).evaluate
    if backend == "oxigraph":
        store = ox.Store()
        # extend(parse()) rather than bulk_load(), which renames blank nodes: results keep the labels
        # the server's own store shows.
        store.extend(ox.parse(path=str(snapshot), format=ox.RdfFormat.N_QUADS))
        return lambda request, row_limit: evaluate_oxigraph(store, request, row_limit)
    if backend == "rdflib":
        from mdkg.store.rdflib_memory import RdflibStore

        rdflib_store = RdflibStore()
        rdflib_store.load(snapshot.read_bytes(), media_type="application/n-quads")
        return lambda request, row_limit: evaluate_store(rdflib_store, request, row_limit)
    raise ValueError(f"no query workers for the {backend!r} store")


def _answer(evaluate: Evaluator, message: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    request, row_limit = request_from_wire(message)
    try:
        answer = evaluate(request, row_limit)
    except MdkgError as error:
        return error_to_wire(error), b""
    except MemoryError:
        return error_to_wire(MdkgError("the query needed more memory than a query worker may use")), b""
    except Exception:
        log.exception("query failed in the worker")  # a bug: the traceback goes to the server's stderr
        return error_to_wire(MdkgError("internal error: this is a bug in mdkg, please report it")), b""
    return answer_to_wire(answer), answer.body


def serve(sock: socket.socket) -> None:
    start, _ = _wire.receive_blocking(sock)
    _limit_memory(int(start.get("memory_mb", 0)))
    evaluate = _load_and_report(sock, start["backend"], start)
    while evaluate is not None:
        message, _ = _wire.receive_blocking(sock)
        if message.get("op") == "load":
            previous = getattr(evaluate, "__self__", None)
            if isinstance(previous, WarmingStore):
                previous.abandon()
            evaluate = _load_and_report(sock, start["backend"], message)
            continue
        reply, body = _answer(evaluate, message)
        _wire.send_blocking(sock, reply, body)


def _load_and_report(sock: socket.socket, backend: str, message: dict[str, Any]) -> Evaluator | None:
    """Load the data ``message`` names and tell the server it is ready; ``None`` (and the server told
    why) if it could not be loaded: the worker has nothing else to do."""
    try:
        evaluate = load(backend, Path(message["snapshot"]), message.get("kind", "nquads"))
    except Exception as error:
        _wire.send_blocking(sock, {"ok": False, "error": "StoreUnavailable",
                                   "message": f"a query worker could not load the data: {error}"})
        return None
    _wire.send_blocking(sock, {"ok": True, "ready": message["generation"], "pid": os.getpid()})
    return evaluate


def main(argv: list[str]) -> int:
    fd, parent = int(argv[0]), int(argv[1])
    _die_with_parent(parent)
    # Workers keep the server's priority. Below it (nice 5 once), a worker got a quarter of the share of
    # any busy process at the default priority, so queries ran slowest exactly when the machine was
    # loaded; the event loop, asleep between requests, gets its turn as soon as it wakes anyway.
    # Ctrl-C in a terminal reaches the whole process group; the server decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.WARNING, format="mdkg query worker %(process)d: %(message)s")
    sock = socket.socket(fileno=fd)
    try:
        serve(sock)
    except _wire.ChannelClosed:
        pass  # the server closed the socket: the normal way to stop
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
