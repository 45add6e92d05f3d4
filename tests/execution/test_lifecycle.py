"""Nothing leaks: workers end with the app (even mid-query, even when the server is killed), failed
starts leave nothing behind, and a refreshed pool answers from the new data."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from mdkg.errors import StoreUnavailable
from mdkg.execution import QueryRequest, WorkerPool, query_executor, store_changed
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

from .conftest import CALL_BOUND_S, CARTESIAN, chain_settings, executor_of, serve_app, wait_until

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie may wait for a reaper that a container lacks)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def test_workers_end_with_the_app(chain_root: Path) -> None:
    app = create_app(chain_settings(chain_root))
    with serve_app(app) as url:
        pool = executor_of(app).pool
        pids, scratch = pool.status().pids, pool._scratch
        assert len(pids) == 2 and all(_running(pid) for pid in pids)
        assert scratch is not None and any(scratch.iterdir())
        assert httpx.get(f"{url}/sparql", params={"query": COUNT}, timeout=CALL_BOUND_S).status_code == 200
    assert not any(_running(pid) for pid in pids)
    assert not scratch.exists()


def test_closing_the_pool_stops_a_running_query(chain_root: Path) -> None:
    store = OxigraphStore()
    store.load((chain_root / "graph" / "sources" / "chain.ttl").read_bytes(), media_type="text/turtle",
               graph="http://e/g")

    async def scenario() -> tuple[tuple[int, ...], BaseException | None]:
        pool = WorkerPool(size=1, backend="oxigraph", row_limit=10,
                          snapshot=lambda: store.export(media_type="application/n-quads"))
        await pool.start()
        running = asyncio.create_task(pool.run(QueryRequest(CARTESIAN), timeout_s=CALL_BOUND_S))
        while pool.status().busy == 0:
            await asyncio.sleep(0.01)
        pids = pool.status().pids
        await pool.close()
        return pids, (await asyncio.gather(running, return_exceptions=True))[0]

    pids, outcome = asyncio.run(scenario())
    assert isinstance(outcome, StoreUnavailable) and "shutting down" in outcome.message
    assert not any(_running(pid) for pid in pids)
    store.close()


def test_workers_end_when_the_server_is_killed(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import asyncio, os, signal
        from mdkg.execution import WorkerPool

        async def main() -> None:
            pool = WorkerPool(size=2, backend="oxigraph", snapshot=lambda: b"", row_limit=10)
            await pool.start()
            print(*pool.status().pids, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
    """)
    server = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=CALL_BOUND_S, check=False)
    pids = [int(pid) for pid in server.stdout.split()]
    assert server.returncode == -9 and len(pids) == 2, server.stderr
    wait_until(lambda: not any(_running(pid) for pid in pids))


def test_a_pool_that_cannot_start_says_why_and_leaves_nothing(tmp_path: Path) -> None:
    async def start() -> WorkerPool:
        pool = WorkerPool(size=2, backend="oxigraph", snapshot=lambda: b"<not n-quads", row_limit=10)
        try:
            await pool.start()
        finally:
            assert pool.status().pids == ()
        return pool

    with pytest.raises(StoreUnavailable, match="could not load the data"):
        asyncio.run(start())


def test_after_a_refresh_queries_see_the_new_data() -> None:
    store = OxigraphStore()
    store.load("<http://e/a> <http://e/p> 1 .", media_type="text/turtle", graph="http://e/g")

    async def scenario() -> list[bytes]:
        pool = WorkerPool(size=2, backend="oxigraph", row_limit=10,
                          snapshot=lambda: store.export(media_type="application/n-quads"))
        await pool.start()
        try:
            request = QueryRequest(COUNT, tabular_media_type="text/tab-separated-values")
            before = (await pool.run(request, CALL_BOUND_S)).body
            store.load("<http://e/b> <http://e/p> 2 .", media_type="text/turtle", graph="http://e/g")
            stale = (await pool.run(request, CALL_BOUND_S)).body  # a snapshot: writes need a refresh
            await pool.refresh()
            # Both workers, whichever answers, reload before their next query.
            after = [(await pool.run(request, CALL_BOUND_S)).body for _ in range(2)]
            return [before, stale, *after]
        finally:
            await pool.close()

    answers = asyncio.run(scenario())
    assert [a.split(b"\n")[1] for a in answers] == [b"1", b"1", b"2", b"2"]
    store.close()


def test_store_changed_refreshes_the_apps_workers(chain_root: Path) -> None:
    app = create_app(chain_settings(chain_root))
    with TestClient(app) as client:
        def count() -> str:
            response = client.get("/sparql", params={"query": COUNT, "format": "tsv"})
            assert response.status_code == 200, response.text
            return response.text.split("\n")[1]

        state = app.state.mdkg
        before = count()
        state.require_store().load("<http://e/x> <http://e/p> 1 .", media_type="text/turtle",
                                   graph="http://e/g")
        client.portal.call(store_changed, state)  # type: ignore[union-attr]
        assert int(count()) == int(before) + 1
        assert query_executor(state).pool_status().generation == 2  # type: ignore[union-attr]
