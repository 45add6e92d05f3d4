"""mdkg: the minerals-diplomacy knowledge graph.

The curated public API::

    from mdkg import Settings, create_app, open_store, errors
    from mdkg import Client      # the Python client (pandas), imported on first use
"""

from __future__ import annotations

from mdkg import errors
from mdkg.settings import Settings
from mdkg.store import open_store

__all__ = ["Client", "Settings", "create_app", "errors", "open_store"]
__version__ = "0.1.0"


def create_app(settings: Settings | None = None, **kwargs: object):
    """Build the FastAPI service (imported lazily so that library users need not load FastAPI)."""
    from mdkg.web.app import create_app as _create_app

    return _create_app(settings, **kwargs)  # type: ignore[arg-type]


def __getattr__(name: str) -> object:
    # The client pulls in pandas and httpx: loaded only when asked for, so `import mdkg` stays light.
    if name == "Client":
        from mdkg.client import Client

        return Client
    raise AttributeError(f"module 'mdkg' has no attribute {name!r}")
