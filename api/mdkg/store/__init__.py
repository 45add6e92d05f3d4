"""Store backends behind one contract (:class:`Store`).

``open_store(settings)`` returns the backend the settings name: ``oxigraph`` (embedded, default),
``rdflib`` (in memory) or ``remote`` (any SPARQL 1.1 endpoint over HTTP).
"""

from __future__ import annotations

from mdkg.errors import BadRequest
from mdkg.settings import Settings
from mdkg.store._protocol import (
    AskResult,
    GraphResult,
    QueryDataset,
    QueryResult,
    SelectResult,
    Store,
    Term,
)

__all__ = [
    "AskResult",
    "GraphResult",
    "QueryDataset",
    "QueryResult",
    "SelectResult",
    "Store",
    "Term",
    "open_store",
]

BACKENDS = ("oxigraph", "rdflib", "remote")


def open_store(settings: Settings) -> Store:
    if settings.store == "oxigraph":
        from mdkg.store.oxigraph import OxigraphStore

        return OxigraphStore(settings.store_path)
    if settings.store == "rdflib":
        from mdkg.store.rdflib_memory import RdflibStore

        return RdflibStore()
    if settings.store == "remote":
        from mdkg.store.remote import RemoteStore

        if not settings.remote_query_url:
            raise BadRequest("the remote store needs remote_query_url (MDKG_REMOTE_QUERY_URL)")
        return RemoteStore(
            query_url=settings.remote_query_url,
            update_url=settings.remote_update_url,
            gsp_url=settings.remote_gsp_url,
            timeout_s=settings.remote_timeout_s,
        )
    raise BadRequest(f"unknown store {settings.store!r}; choose one of {', '.join(BACKENDS)}")
