"""Found by the load test: a write while a query worker is being replaced.

A runaway query's worker is killed at the deadline and a new one started on the current snapshot.
A write in the second or so that the new worker takes to start made a new snapshot and removed the
old file before the worker opened it; the worker failed to start, and the pool waited (0.5 s, then
longer) before trying again, one worker short. Under writes and runaway queries, cheap queries then
found every worker busy and got 503.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from mdkg.errors import QueryTimeout
from mdkg.execution import QueryRequest, WorkerPool
from mdkg.store.oxigraph import OxigraphStore

GRAPH = "http://example.org/g"
CHAIN = "".join(f"<http://example.org/n/{i}> <http://example.org/next> <http://example.org/n/{i + 1}> .\n"
                for i in range(2000))
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a ?b ?c . ?d ?e ?f . ?g2 ?h ?i } }"
COUNT_MARKED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s <http://example.org/marked> ?o } }"
TSV = "text/tab-separated-values"
CALL_BOUND_S = 30.0


def test_a_write_while_a_worker_is_replaced_does_not_hold_up_the_new_worker(
        caplog: pytest.LogCaptureFixture) -> None:
    store = OxigraphStore()
    store.load(CHAIN, media_type="application/n-triples", graph=GRAPH)

    async def scenario() -> bytes:
        pool = WorkerPool(size=1, backend="oxigraph", row_limit=10,
                          snapshot=lambda: store.export(media_type="application/n-quads"))
        await pool.start()
        try:
            with pytest.raises(QueryTimeout):
                await pool.run(QueryRequest(RUNAWAY, tabular_media_type=TSV), 0.5)
            # The killed worker's replacement has been sent the snapshot path and is still importing.
            await asyncio.sleep(0.1)
            store.load("<http://example.org/n/0> <http://example.org/marked> \"yes\" .",
                       media_type="application/n-triples", graph=GRAPH)
            await pool.refresh()
            return (await pool.run(QueryRequest(COUNT_MARKED, tabular_media_type=TSV), CALL_BOUND_S)).body
        finally:
            await pool.close()

    with caplog.at_level(logging.WARNING, logger="mdkg"):
        answer = asyncio.run(scenario())
    store.close()
    assert answer.split(b"\n")[1] == b"1"  # the write is seen
    failures = [record.getMessage() for record in caplog.records if "could not load" in record.getMessage()]
    assert failures == []
