"""One settings object, passed explicitly (no module-level state)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

CANONICAL_BASE_IRI = "https://w3id.org/mdkg/"


def default_project_root() -> Path:
    """The folder holding ``ontology/``, ``graph/``, ``shapes/`` and ``queries/``.

    The data folders are read in place, so the default is the checkout this package lives in.
    """
    return Path(__file__).resolve().parents[2]


def _comma_separated(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """Everything mdkg can be configured with. Build one and pass it to ``create_app``."""

    root: Path = field(default_factory=default_project_root)
    """Project folder with the data folders (``ontology/``, ``graph/``, ``shapes/``, ``queries/``)."""

    base_iri: str = CANONICAL_BASE_IRI
    """Base of every dataset IRI; set it to the server's own URL so that it dereferences its IRIs."""

    store: str = "oxigraph"
    """Store backend: ``oxigraph`` (embedded, default), ``rdflib`` (in memory) or ``remote``."""

    store_path: Path | None = None
    """On-disk folder for the embedded Oxigraph store; ``None`` keeps it in memory."""

    remote_query_url: str | None = None
    """SPARQL 1.1 query endpoint of the remote store."""

    remote_update_url: str | None = None
    """SPARQL 1.1 update endpoint of the remote store (defaults to the query URL)."""

    remote_gsp_url: str | None = None
    """Graph Store Protocol endpoint of the remote store."""

    remote_timeout_s: float = 30.0
    """Network timeout for each request to the remote store."""

    load_on_start: bool = True
    """Load ontology, transcriptions and reference data into the store when the app starts. An on-disk
    Oxigraph store that holds these very files already (a stamp of them, removed by any other write)
    is not loaded again."""

    reload_on_start: bool = False
    """Load the files at start even when the on-disk store's stamp says it holds them already
    (``MDKG_RELOAD_ON_START``, ``mdkg serve --reload-on-start``)."""

    host: str = "127.0.0.1"
    port: int = 8000

    write_token: str | None = field(default=None, repr=False)
    """Bearer token that writes need (``MDKG_WRITE_TOKEN``); ``None``: the service is read-only."""

    cors_origins: tuple[str, ...] = ()
    """Origins whose pages may read responses (``MDKG_CORS_ORIGINS``, comma-separated); ``*`` for any,
    never with credentials. Empty: no CORS headers."""

    cors_allow_credentials: bool = False
    """Let the listed origins (never ``*``) send credentials (``MDKG_CORS_ALLOW_CREDENTIALS``)."""

    query_timeout_s: float = 10.0
    """Deadline of one query."""

    query_workers: int = 2
    """Worker processes that run ``/sparql`` queries and are killed at the deadline (embedded stores
    the app opens itself); 0 runs queries in the server process, where a deadline only abandons them."""

    max_concurrent_queries: int = 16
    """``/sparql`` queries running or waiting for a worker at once; the next one gets 503."""

    query_worker_memory_mb: int = 4096
    """Address-space limit of each query worker (0: none); a query exceeding it ends its worker (503)."""

    max_query_chars: int = 100_000
    max_query_nesting: int = 64
    """Deepest nesting of brackets, braces and ``<< >>`` in a query or update, checked before parsing."""
    max_body_bytes: int = 10_000_000
    """Largest request body: a larger ``Content-Length`` is refused up front, a streamed body at the first
    chunk over it (413, see :mod:`mdkg.web.limits`)."""
    max_result_rows: int = 100_000

    rate_limit_per_s: float = 20.0
    """Requests per second each client address may send on average (0: no limit); beyond it 429 with
    ``Retry-After``. ``/healthz`` and ``/metrics`` are exempt."""
    rate_limit_burst: int = 40
    """Requests a client may send at once before the average rate applies."""
    rate_limit_clients: int = 10_000
    """Clients whose rate is tracked at once; the least recently seen is forgotten first."""

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def graph_dir(self) -> Path:
        return self.root / "graph"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def sources_dir(self) -> Path:
        """Source texts live beside the checkout, in ``../shared/sources`` (not shipped to users)."""
        return self.root.parent / "shared" / "sources"

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``MDKG_*`` environment variables, then explicit overrides."""
        env: dict[str, object] = {}
        mapping = {
            "MDKG_ROOT": ("root", Path),
            "MDKG_BASE_IRI": ("base_iri", str),
            "MDKG_STORE": ("store", str),
            "MDKG_STORE_PATH": ("store_path", Path),
            "MDKG_REMOTE_QUERY_URL": ("remote_query_url", str),
            "MDKG_REMOTE_UPDATE_URL": ("remote_update_url", str),
            "MDKG_REMOTE_GSP_URL": ("remote_gsp_url", str),
            "MDKG_RELOAD_ON_START": ("reload_on_start", _flag),
            "HOST": ("host", str),
            "PORT": ("port", int),
            "MDKG_QUERY_TIMEOUT_S": ("query_timeout_s", float),
            "MDKG_QUERY_WORKERS": ("query_workers", int),
            "MDKG_MAX_CONCURRENT_QUERIES": ("max_concurrent_queries", int),
            "MDKG_QUERY_WORKER_MEMORY_MB": ("query_worker_memory_mb", int),
            "MDKG_MAX_RESULT_ROWS": ("max_result_rows", int),
            "MDKG_MAX_QUERY_CHARS": ("max_query_chars", int),
            "MDKG_MAX_QUERY_NESTING": ("max_query_nesting", int),
            "MDKG_WRITE_TOKEN": ("write_token", lambda v: v or None),
            "MDKG_CORS_ORIGINS": ("cors_origins", _comma_separated),
            "MDKG_CORS_ALLOW_CREDENTIALS": ("cors_allow_credentials", _flag),
            "MDKG_MAX_BODY_BYTES": ("max_body_bytes", int),
            "MDKG_RATE_LIMIT_PER_S": ("rate_limit_per_s", float),
            "MDKG_RATE_LIMIT_BURST": ("rate_limit_burst", int),
            "MDKG_RATE_LIMIT_CLIENTS": ("rate_limit_clients", int),
        }
        for variable, (name, convert) in mapping.items():
            if variable in os.environ:
                env[name] = convert(os.environ[variable])
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
