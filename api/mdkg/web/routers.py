"""The list of feature routers the app mounts, in order (the catch-all linked-data router last)."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    from mdkg.web import (
        editor,
        entities,
        export,
        home,
        named_queries,
        network,
        ontology_pages,
        operations,
        resources,
        sources,
        sparql,
        writes,
    )

    return [
        operations.router,
        home.router,
        sparql.router,
        named_queries.router,
        entities.router,
        export.router,
        editor.router,
        network.router,
        sources.router,
        writes.router,
        ontology_pages.router,
        resources.router,
    ]
