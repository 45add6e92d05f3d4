"""``/queries``: the named queries of ``queries/*.rq`` as web pages, REST endpoints and OpenAPI operations.

* ``GET /queries`` lists them (HTML, or JSON by ``Accept`` or at ``/queries.json``).
* ``GET /queries/{name}`` runs one: an HTML page with a form, the SPARQL text and the result table,
  or the result itself by ``Accept`` or by suffix (``.json``, ``.csv``, ``.tsv``...).
* :func:`install_query_routes` gives each query its own documented operation at app creation.

Also serves ``/static/*`` for ``templates/base.html``, the layout every HTML page extends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from rdflib import URIRef

from mdkg import results
from mdkg.errors import NotAcceptable, NotFound, ParameterError
from mdkg.execution import truncation_headers
from mdkg.namespaces import PREFIXES
from mdkg.queries import (
    NamedQuery,
    NamedQueryLibrary,
    QueryParameter,
    answer_named_query,
    compact_iri,
    fetch_labels,
    present,
)
from mdkg.queries._library import normalized_base
from mdkg.settings import CANONICAL_BASE_IRI
from mdkg.store import SelectResult, Store
from mdkg.web._charts import chart_for, editor_link, pandas_line
from mdkg.web.negotiation import choose
from mdkg.web.state import AppState, app_state

__all__ = ["install_query_routes", "library_for", "router", "templates_for"]

log = logging.getLogger("mdkg.web.queries")

HTML = "text/html"
JSON = "application/json"
CSV = "text/csv"
TSV = "text/tab-separated-values"
HTML_ROW_LIMIT = 1000
CLASS_OPTION_LIMIT = 500
GENERIC_PATH = "/queries/{name}"
_LIBRARY_KEY = "named_queries.library"
_TEMPLATES_KEY = "named_queries.templates"
_WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = _WEB_DIR / "templates"
STATIC_DIR = _WEB_DIR / "static"

_TABLE_SUFFIXES = {"json": "application/sparql-results+json", "srj": "application/sparql-results+json",
                   "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
                   "csv": CSV, "tsv": TSV}
_GRAPH_SUFFIXES = {"json": "application/ld+json", "jsonld": "application/ld+json", "ttl": "text/turtle",
                   "nt": "application/n-triples", "rdf": "application/rdf+xml", "csv": CSV, "tsv": TSV}
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png",
                 ".ico": "image/x-icon", ".woff2": "font/woff2"}

router = APIRouter(tags=["named queries"])


# --- per-app caches ----------------------------------------------------------------------------------

def _fingerprint(directory: Path) -> tuple[tuple[str, int, int], ...]:
    if not directory.is_dir():
        return ()
    stamps = []
    for path in sorted(directory.glob("*.rq")):
        stat = path.stat()
        stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def _library(state: AppState) -> NamedQueryLibrary:
    """The app's library, read again when a file of ``queries/`` changes (edits show without restart)."""
    settings = state.settings
    fingerprint = _fingerprint(settings.queries_dir)
    cached = state.extras.get(_LIBRARY_KEY)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    library = NamedQueryLibrary.from_dir(settings.queries_dir, settings.base_iri, strict=False)
    for error in library.errors.values():
        log.warning("named query not loaded: %s", error.message)
    state.extras[_LIBRARY_KEY] = (fingerprint, library)
    return library


def library_for(request: Request) -> NamedQueryLibrary:
    return _library(app_state(request))


def templates_for(request: Request) -> Jinja2Templates:
    """The app's Jinja2 templates (``web/templates``, where ``base.html`` lives)."""
    extras = app_state(request).extras
    templates = extras.get(_TEMPLATES_KEY)
    if templates is None:
        templates = extras[_TEMPLATES_KEY] = Jinja2Templates(directory=str(TEMPLATES_DIR))
    return templates


# --- request helpers ---------------------------------------------------------------------------------

def _raw_params(request: Request) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    return values


def _is_graph(named_query: NamedQuery) -> bool:
    return named_query.form in ("CONSTRUCT", "DESCRIBE")


def _deployment_prefixes(base_iri: str) -> dict[str, str]:
    return {name: (base_iri + ns[len(CANONICAL_BASE_IRI):] if ns.startswith(CANONICAL_BASE_IRI) else ns)
            for name, ns in PREFIXES.items()}


def _resolve(library: NamedQueryLibrary, name: str) -> tuple[NamedQuery, str | None]:
    """``name`` or ``name.suffix``; the suffix, when there is one, picks the format."""
    if name in library:
        return library.get(name), None
    stem, dot, suffix = name.rpartition(".")
    if dot and (stem in library or stem in library.errors):
        named_query = library.get(stem)
        suffixes = _GRAPH_SUFFIXES if _is_graph(named_query) else _TABLE_SUFFIXES
        if suffix.lower() not in suffixes:
            raise NotAcceptable(f"unknown format suffix .{suffix}; use one of "
                                + ", ".join(f".{s}" for s in suffixes), detail={"available": list(suffixes)})
        return named_query, suffix.lower()
    return library.get(name), None


def _media_type(request: Request, named_query: NamedQuery, suffix: str | None) -> str:
    graph = _is_graph(named_query)
    if suffix is not None:
        return (_GRAPH_SUFFIXES if graph else _TABLE_SUFFIXES)[suffix]
    offered = [HTML, *results.offered_media_types(graph=graph)]
    chosen = choose(request.headers.get("accept"), offered)
    if chosen is None:
        raise NotAcceptable("none of the formats of this query is acceptable",
                            detail={"available": [HTML, *results.offered_media_types(graph=graph)[:6]]})
    return chosen


def _store(request: Request) -> Store:
    return app_state(request).require_store()


# --- responses ---------------------------------------------------------------------------------------

def _respond(request: Request, named_query: NamedQuery, suffix: str | None) -> Response:
    media_type = _media_type(request, named_query, suffix)
    raw_params = _raw_params(request)
    if media_type == HTML:
        return _page(request, named_query, raw_params)
    settings = app_state(request).settings
    # Written by the engine itself on Oxigraph (no row becomes Python objects), cut at the row cap.
    answer = answer_named_query(_store(request), named_query, raw_params, media_type,
                                settings.max_result_rows,
                                prefixes=_deployment_prefixes(normalized_base(settings.base_iri)))
    return Response(answer.body, media_type=results.content_type(media_type),
                    headers={"Vary": "Accept", **truncation_headers(answer)})


@dataclass
class FormField:
    """One input of a query's form."""

    name: str
    label: str
    kind: str
    """``checkbox``, ``select`` or an ``<input type>``."""
    help: str = ""
    value: str = ""
    checked: bool = False
    required: bool = False
    placeholder: str = ""
    step: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)


def _class_options(store: Store, parameter: QueryParameter, base_iri: str) -> list[tuple[str, str]] | None:
    """Instances of the parameter's class as ``(value, label)``; ``None`` when there are too many."""
    assert parameter.class_iri is not None
    found = store.select(
        "SELECT DISTINCT ?s ?class WHERE { { ?s a ?class } UNION { GRAPH ?g { ?s a ?class } } } "
        f"LIMIT {CLASS_OPTION_LIMIT + 1}",
        bindings={"class": URIRef(parameter.class_iri)},
    )
    instances = [row[0] for row in found.rows if isinstance(row[0], URIRef)]
    if len(instances) > CLASS_OPTION_LIMIT:
        return None
    labels = fetch_labels(store, instances)
    options = [(_short_id(str(iri), parameter), labels.get(iri) or compact_iri(str(iri), base_iri))
               for iri in instances]
    return sorted(options, key=lambda option: option[1].casefold())


def _short_id(value: str, parameter: QueryParameter) -> str:
    """``japan`` for ``<prefix>japan``: what a reader would type (canonical IRIs count as the prefix's)."""
    if not parameter.prefix:
        return value
    namespaces = [parameter.prefix]
    if parameter.prefix.startswith(parameter.base_iri):
        namespaces.append(CANONICAL_BASE_IRI + parameter.prefix[len(parameter.base_iri):])
    for namespace in namespaces:
        local = value[len(namespace):]
        if value.startswith(namespace) and local and "://" not in local and not local.startswith("urn:"):
            return local
    return value


def _form_fields(named_query: NamedQuery, raw_params: dict[str, list[str]], store: Store, base_iri: str
                 ) -> list[FormField]:
    fields = []
    for parameter in named_query.parameters:
        given = [v for v in raw_params.get(parameter.name, []) if v != ""]
        value = given[-1] if given else (parameter.default or "")
        if parameter.type == "iri" and parameter.prefix:
            value = _short_id(value, parameter)
        form_field = FormField(name=parameter.name, label=parameter.display_label,
                               kind=parameter.param_type.input_type, help=parameter.description,
                               value=value, required=parameter.required)
        if parameter.type == "boolean":
            form_field.kind = "checkbox"
            form_field.checked = value.lower() in ("true", "1")
        elif parameter.enum:
            form_field.kind = "select"
            form_field.options = [(v, v) for v in parameter.enum]
        elif parameter.type == "iri" and parameter.class_iri:
            options = _class_options(store, parameter, base_iri)
            if options is not None:
                form_field.kind = "select"
                form_field.options = options
        if form_field.kind == "select" and value and value not in {v for v, _ in form_field.options}:
            form_field.options.append((value, value))  # keep what the reader asked for visible
        if form_field.kind not in ("checkbox", "select"):
            form_field.placeholder = parameter.expected()
            form_field.step = {"integer": "1", "decimal": "any"}.get(parameter.type, "")
        fields.append(form_field)
    return fields


def _downloads(request: Request, named_query: NamedQuery) -> list[tuple[str, str]]:
    query_string = request.url.query
    suffixes = ("json", "ttl", "nt", "csv") if _is_graph(named_query) else ("json", "csv", "tsv")
    names = {"json": "JSON-LD" if _is_graph(named_query) else "JSON", "ttl": "Turtle", "nt": "N-Triples",
             "csv": "CSV", "tsv": "TSV"}
    path = f"/queries/{quote(named_query.name)}"
    return [(names[s], f"{path}.{s}" + (f"?{query_string}" if query_string else "")) for s in suffixes]


def _page(request: Request, named_query: NamedQuery, raw_params: dict[str, list[str]]) -> Response:
    store = _store(request)
    base = normalized_base(app_state(request).settings.base_iri)
    error = None
    table = None
    chart = None
    status = 200
    try:
        bindings = named_query.bind(raw_params)
    except ParameterError as problem:
        error, status = problem.message, problem.status
    else:
        result = store.query(named_query.executable_sparql, bindings=bindings)
        table = present(result, store, base_iri=base, max_rows=HTML_ROW_LIMIT)
        chart = chart_for(named_query, result.variables if isinstance(result, SelectResult) else (), table,
                          base)
    context: dict[str, Any] = {
        "page_title": named_query.summary,
        "nav_active": "Queries",
        "query": named_query,
        "fields": _form_fields(named_query, raw_params, store, base),
        "error": error,
        "table": table,
        "downloads": _downloads(request, named_query),
        "sparql": named_query.executable_sparql,
        "rebased": named_query.executable_sparql != named_query.sparql,
        "chart": chart,
        "pandas_line": pandas_line(request, named_query),
        "editor_link": editor_link(named_query.executable_sparql),
    }
    return templates_for(request).TemplateResponse(request, "named_query.html", context, status_code=status,
                                                   headers={"Vary": "Accept"})


def _index_document(library: NamedQueryLibrary) -> dict[str, Any]:
    return {
        "queries": [{**q.describe(), "url": f"/queries/{quote(q.name)}"} for q in library],
        "errors": [{"name": name, "file": e.file, "line": e.line, "message": e.message}
                   for name, e in library.errors.items()],
    }


# --- routes ------------------------------------------------------------------------------------------

_RESULT_CONTENT: dict[str, Any] = {
    "application/sparql-results+json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}},
    "text/tab-separated-values": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
}
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter is missing, unknown or not of its declared type"},
    404: {"description": "No such named query"},
    406: {"description": "No acceptable format"},
}


@router.get("/queries", summary="List the named queries", response_model=None,
            responses={200: {"content": {"text/html": {}}}})
def queries_index(request: Request) -> Response:
    """Every named query with its summary and parameters: an HTML page, or JSON by ``Accept``."""
    chosen = choose(request.headers.get("accept"), [HTML, JSON])
    if chosen is None:
        raise NotAcceptable("the list of queries is available as text/html or application/json",
                            detail={"available": [HTML, JSON]})
    library = library_for(request)
    if chosen == JSON:
        return JSONResponse(_index_document(library), headers={"Vary": "Accept"})
    context = {"page_title": "Named queries", "nav_active": "Queries", "queries": list(library),
               "errors": list(library.errors.values())}
    return templates_for(request).TemplateResponse(request, "queries_index.html", context,
                                                   headers={"Vary": "Accept"})


@router.get("/queries.json", summary="List the named queries (JSON)")
def queries_index_json(request: Request) -> JSONResponse:
    return JSONResponse(_index_document(library_for(request)))


@router.get(GENERIC_PATH, summary="Run a named query by name", response_model=None,
            responses={200: {"content": _RESULT_CONTENT}, **_ERROR_RESPONSES})
def run_query(request: Request, name: str) -> Response:
    """Run the named query ``name`` with its parameters from the query string.

    The format follows ``Accept`` (HTML page, SPARQL JSON, CSV, TSV...) or a suffix of the name:
    ``/queries/NAME.json``, ``.csv``, ``.tsv``. Each query is also listed as its own operation, with
    its typed parameters.
    """
    named_query, suffix = _resolve(library_for(request), name)
    return _respond(request, named_query, suffix)


@router.get("/static/{filename}", include_in_schema=False)
def static_file(filename: str) -> FileResponse:
    path = (STATIC_DIR / filename).resolve()
    if path.parent != STATIC_DIR or not path.is_file():
        raise NotFound(f"no static file {filename!r}")
    return FileResponse(path, media_type=_STATIC_TYPES.get(path.suffix, "application/octet-stream"))


# --- one documented operation per query --------------------------------------------------------------

def _endpoint_for(name: str) -> Callable[[Request], Response]:
    def run_this_query(request: Request) -> Response:
        # Looked up on each request so that an edited file is used without a restart.
        return _respond(request, library_for(request).get(name), None)

    return run_this_query


def _operation_id(name: str, taken: set[str]) -> str:
    base = "named_query_" + "".join(c if c.isalnum() else "_" for c in name)
    operation_id, counter = base, 1
    while operation_id in taken:
        counter += 1
        operation_id = f"{base}_{counter}"
    taken.add(operation_id)
    return operation_id


def _operation_description(named_query: NamedQuery) -> str:
    formats = ("JSON-LD, Turtle, N-Triples" if _is_graph(named_query)
               else "SPARQL JSON, CSV (`.csv`), TSV (`.tsv`)")
    parts = [named_query.description,
             f"A {named_query.form} query. Results as an HTML page or, by `Accept` or suffix, as {formats}.",
             f"```sparql\n{named_query.sparql.strip()}\n```"]
    return "\n\n".join(p for p in parts if p)


def install_query_routes(app: FastAPI) -> None:
    """Add ``GET /queries/<name>`` for each named query of the app's settings, before the generic route,
    so that the OpenAPI document lists every query with its typed parameters."""
    state: AppState = app.state.mdkg
    library = _library(state)
    taken: set[str] = set()
    added: list[APIRoute] = []
    for named_query in library:
        app.router.add_api_route(
            f"/queries/{named_query.name}",
            _endpoint_for(named_query.name),
            methods=["GET"],
            summary=named_query.summary,
            description=_operation_description(named_query),
            tags=["named queries", *named_query.tags],
            operation_id=_operation_id(named_query.name, taken),
            response_model=None,
            responses={200: {"description": "The result", "content": _RESULT_CONTENT}, **_ERROR_RESPONSES},
            openapi_extra={"parameters": [p.openapi_parameter() for p in named_query.parameters]},
        )
        route = app.router.routes.pop()
        assert isinstance(route, APIRoute)
        added.append(route)
    routes = app.router.routes
    position = next((i for i, route in enumerate(routes) if getattr(route, "path", None) == GENERIC_PATH),
                    len(routes))
    routes[position:position] = added
    app.openapi_schema = None
