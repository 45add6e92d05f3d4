"""The list of feature routers the app mounts, in order (the catch-all linked-data router last)."""

from __future__ import annotations

from fastapi import APIRouter


def all_routers() -> list[APIRouter]:
    from mdkg.web import (
        entities,
        export,
        home,
        named_queries,
        operations,
        resources,
        sources,
        sparql,
    )

    return [
        operations.router,
        home.router,
        sparql.router,
        named_queries.router,
        entities.router,
        export.router,
        sources.router,
        resources.router,
    ]
