"""Query workers over an on-disk Oxigraph store: each generation is a checkpoint of the store that
the workers answer from at once, then from their copy in memory; after a write every worker answers
from the new data, and checkpoints no worker reads any more are removed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from mdkg.execution import QueryRequest, WorkerPool, query_executor
from mdkg.execution._evaluate import evaluate_oxigraph
from mdkg.execution._worker import WarmingStore
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

from .conftest import (
    CALL_BOUND_S,
    CARTESIAN,
    CHEAP_QUERY,
    EX,
    QUERY_WORKERS,
    Served,
    chain_settings,
    serve_app,
)

GRAPH = "http://e/g"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
BLANK = "SELECT ?b WHERE { GRAPH ?g { <http://e/a> <http://e/q> ?b } }"
TSV = "text/tab-separated-values"
WARM_UP_BOUND_S = 60.0


def _on_disk_store(path: Path) -> OxigraphStore:
    store = OxigraphStore(path)
    store.load("<http://e/a> <http://e/p> 1 ; <http://e/q> [ <http://e/r> 2 ] .", media_type="text/turtle",
               graph=GRAPH)
    return store


def _blank_label(store: OxigraphStore) -> str:
    pattern = (ox.NamedNode("http://e/a"), ox.NamedNode("http://e/q"), None)
    quad = next(iter(store.raw.quads_for_pattern(*pattern)))
    return quad.object.value


def test_a_warmed_worker_answers_as_the_checkpoint_did(tmp_path: Path) -> None:
    store = _on_disk_store(tmp_path / "store")
    store.raw.backup(str(tmp_path / "checkpoint"))
    on_disk = ox.Store.read_only(str(tmp_path / "checkpoint"))
    warming = WarmingStore(tmp_path / "checkpoint")
    assert warming.warm.wait(WARM_UP_BOUND_S)
    assert warming.store is not on_disk
    for query in (COUNT, BLANK):
        request = QueryRequest(query, tabular_media_type=TSV)
        answer = evaluate_oxigraph(warming.store, request, 10).body
        assert answer == evaluate_oxigraph(on_disk, request, 10).body
    # The copy keeps the blank node labels of the server's store.
    assert f"_:{_blank_label(store)}".encode() in answer
    store.close()


def test_workers_over_checkpoints_see_writes_and_old_checkpoints_go(tmp_path: Path) -> None:
    store = _on_disk_store(tmp_path / "store")

    async def scenario() -> tuple[list[bytes], list[bytes], list[bytes], list[str]]:
        pool = WorkerPool(size=2, backend="oxigraph", checkpoint=lambda path: store.raw.backup(str(path)),
                          scratch_parent=tmp_path, row_limit=10)
        await pool.start()
        try:
            assert pool._scratch is not None and pool._scratch.parent == tmp_path

            async def on_both_workers(query: str) -> list[bytes]:
                # Two at once: each worker answers one.
                request = QueryRequest(query, tabular_media_type=TSV)
                answers = await asyncio.gather(*(pool.run(request, CALL_BOUND_S) for _ in range(2)))
                return [answer.body for answer in answers]

            before = await on_both_workers(COUNT)
            labels = await on_both_workers(BLANK)
            store.load("<http://e/b> <http://e/p> 2 .", media_type="text/turtle", graph=GRAPH)
            await pool.refresh()
            after = await on_both_workers(COUNT)
            return before, labels, after, sorted(p.name for p in pool._scratch.iterdir())
        finally:
            await pool.close()

    before, labels, after, left = asyncio.run(scenario())
    assert [b.split(b"\n")[1] for b in before] == [b"3", b"3"]
    assert all(f"_:{_blank_label(store)}".encode() in body for body in labels)
    assert [b.split(b"\n")[1] for b in after] == [b"4", b"4"]
    assert left == ["checkpoint-2"]
    store.close()


@pytest.mark.parametrize("store_on_disk", [True, False], ids=["on disk: checkpoints", "in memory: N-Quads"])
def test_the_app_picks_checkpoints_for_an_on_disk_store(chain_root: Path, tmp_path: Path,
                                                        store_on_disk: bool) -> None:
    settings = chain_settings(chain_root, store_path=tmp_path / "store" if store_on_disk else None)
    app = create_app(settings)
    with TestClient(app) as client:
        pool = query_executor(app.state.mdkg).pool  # type: ignore[attr-defined]
        assert (pool._checkpoint is not None) is store_on_disk
        response = client.get("/sparql", params={"query": COUNT, "format": "tsv"})
        assert response.status_code == 200, response.text
        assert int(response.text.split("\n")[1]) == app.state.mdkg.require_store().quad_count()


def test_over_checkpoints_a_runaway_query_is_stopped_and_its_worker_replaced(chain_root: Path,
                                                                             tmp_path: Path) -> None:
    app = create_app(chain_settings(chain_root, store_path=tmp_path / "store"))
    with serve_app(app) as url, httpx.Client(timeout=CALL_BOUND_S) as client:
        served = Served(app, url)
        before = served.wait_for_full_pool()

        def sparql(query: str) -> httpx.Response:
            return client.post(f"{url}/sparql", data={"query": query},
                               headers={"Accept": "application/sparql-results+json"})

        assert sparql(CARTESIAN).status_code == 504
        after = served.wait_for_full_pool()
        assert len(set(before) - set(after)) == 1  # the worker that ran it was killed and replaced
        for _ in range(QUERY_WORKERS):
            response = sparql(CHEAP_QUERY)
            assert response.status_code == 200, response.text
            assert response.json()["results"]["bindings"] == [{"next": {"type": "uri", "value": f"{EX}n/2"}}]
