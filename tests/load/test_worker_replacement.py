"""Found by the load test: writes while a query worker is being replaced.

A runaway query's worker is killed at its deadline and a new one started on the current snapshot.
A write in the second or so that the new worker takes to start made a new snapshot and removed the
old file before the worker opened it; the worker failed to start and the pool tried again after a
growing delay. While writes came faster than a worker starts, no replacement could ever start: the
pool shrank to no worker at all, and every ``/sparql`` query got 503 until the writes stopped.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from mdkg.errors import QueryTimeout
from mdkg.execution import QueryAnswer, QueryRequest, WorkerPool
from mdkg.store.oxigraph import OxigraphStore

GRAPH = "http://example.org/g"
CHAIN = "".join(f"<http://example.org/n/{i}> <http://example.org/next> <http://example.org/n/{i + 1}> .\n"
                for i in range(2000))
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?g2 ?h ?i } }"
COUNT_MARKED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/marked> ?o } }"
TSV = "text/tab-separated-values"
CALL_BOUND_S = 30.0
WRITE_INTERVAL_S = 0.1
MAX_WRITES = 150
"""The bound of the writes (15 s): the replacement must start well before, while they go on."""


def test_a_worker_is_replaced_while_writes_come_faster_than_it_starts(
        caplog: pytest.LogCaptureFixture) -> None:
    store = OxigraphStore()
    store.load(CHAIN, media_type="application/n-triples", graph=GRAPH)

    def write(number: int) -> None:
        store.load(f'<http://example.org/n/{number}> <http://example.org/marked> "{number}" .',
                   media_type="application/n-triples", graph=GRAPH)

    async def scenario() -> tuple[QueryAnswer, int]:
        pool = WorkerPool(size=1, backend="oxigraph", row_limit=10,
                          snapshot=lambda: store.export(media_type="application/n-quads"))
        await pool.start()
        writes = 0
        query_answered = asyncio.Event()

        async def keep_writing() -> None:
            nonlocal writes
            while not query_answered.is_set() and writes < MAX_WRITES:
                write(writes)
                await pool.refresh()
                writes += 1
                await asyncio.sleep(WRITE_INTERVAL_S)

        try:
            with pytest.raises(QueryTimeout):
                await pool.run(QueryRequest(RUNAWAY, tabular_media_type=TSV), 0.5)
            # The only worker was killed; its replacement is starting. Writes go on meanwhile.
            write(-1)
            await pool.refresh()
            writer = asyncio.create_task(keep_writing())
            try:
                answer = await pool.run(QueryRequest(COUNT_MARKED, tabular_media_type=TSV), CALL_BOUND_S)
            finally:
                query_answered.set()
                await writer
            return answer, writes
        finally:
            await pool.close()

    with caplog.at_level(logging.WARNING, logger="mdkg"):
        answer, writes = asyncio.run(scenario())
    store.close()
    assert int(answer.body.split(b"\n")[1]) >= 1  # the data as of a write made before the query
    assert writes < MAX_WRITES, "no worker started until the writes stopped"
    assert [r.getMessage() for r in caplog.records if "could not load" in r.getMessage()] == []
