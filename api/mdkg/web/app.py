"""The application factory. Each feature lives in its own router module beside this one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mdkg.dataset import load_dataset_if_changed
from mdkg.execution import start_query_executor, stop_query_executor
from mdkg.settings import Settings
from mdkg.store import Store, open_store
from mdkg.web import _direct as direct_endpoint
from mdkg.web import auth, limits, operations, sparql
from mdkg.web import errors as error_handling
from mdkg.web.state import AppState


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the service. ``store`` overrides the backend the settings name (tests inject one); the
    caller may change an injected store at any time, so its queries run in process, not in the query
    workers (see :mod:`mdkg.execution`)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state: AppState = app.state.mdkg
        if state.store is None:
            state.store = open_store(settings)
            state.owns_store = True
        if settings.load_on_start:
            # In a thread: the event loop stays free, and a progress bar can redraw meanwhile.
            await asyncio.to_thread(load_dataset_if_changed, state.require_store(), settings,
                                    force=settings.reload_on_start)
        await start_query_executor(state)  # query workers take their snapshot of the loaded store
        try:
            yield
        finally:
            await stop_query_executor(state)
            if state.owns_store and state.store is not None:
                state.store.close()

    app = FastAPI(
        title="mdkg: the minerals-diplomacy knowledge graph",
        description=(
            "Who signed which memorandum of understanding, framework or action plan with whom, "
            "which forums exist and who chairs them, which agencies fund what, and how much: "
            "every fact with its source and verbatim quote."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.mdkg = AppState(settings=settings, store=store)
    error_handling.install(app)
    # Innermost: /sparql queries skip FastAPI's routing layers, and still pass every middleware below.
    direct_endpoint.install(app, sparql.query_route(), sparql.sparql, ("GET", "HEAD", "POST"))
    limits.install(app)  # rate and body size, inside the metrics so that refusals are counted
    operations.install(app)  # metrics and access log for every request
    auth.install_cors(app)  # outermost, so that refusals carry CORS headers too

    from mdkg.web import routers

    for router in routers.all_routers():
        app.include_router(router)

    from mdkg.web.named_queries import install_query_routes

    install_query_routes(app)  # one OpenAPI operation per named query of settings.queries_dir
    return app
