"""``/sparql``: the SPARQL 1.1 Protocol endpoint.

* Queries by GET (``query=``), by POST form (``application/x-www-form-urlencoded``) and by POST
  direct (``application/sparql-query``); ``default-graph-uri`` / ``named-graph-uri`` build the
  dataset, which then replaces any FROM / FROM NAMED of the query.
* Results by content negotiation, or by the ``format`` / ``output`` / ``results`` parameter that
  common clients send (it wins over ``Accept``).
* GET without a query returns the SPARQL 1.1 Service Description.
* Updates pass :func:`authorize_update` (403 read-only without a write token, else a bearer token),
  then go through the validated write path of :mod:`mdkg.web.writes`.

Queries run through the app's executor (:mod:`mdkg.execution`): a deadline, a row cap stated in the
response, and worker processes that are killed when a query overruns; other store calls run in threads
so that the event loop never waits on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import URL

from mdkg import results
from mdkg.errors import (
    BadRequest,
    MethodNotAllowed,
    NotAcceptable,
    PayloadTooLarge,
    QuerySyntaxError,
    UnsupportedMediaType,
)
from mdkg.execution import QueryAnswer, QueryRequest, query_executor, truncation_headers
from mdkg.guard import StoreNeeded, inspect_request
from mdkg.namespaces import PREFIXES, DatasetIris
from mdkg.settings import Settings
from mdkg.store import QueryDataset, Store
from mdkg.web.auth import require_write_access, writes_enabled
from mdkg.web.editor import editor_page, wants_editor
from mdkg.web.negotiation import choose
from mdkg.web.service_description import SERVICE_DESCRIPTION_PREFIXES, describe_service
from mdkg.web.state import app_state
from mdkg.web.writes import commit_update

__all__ = ["ENDPOINT_PATH", "authorize_update", "query_route", "router"]

ENDPOINT_PATH = "/sparql"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
FORMAT_PARAMETERS = ("format", "output", "results")
"""Parameters that name the result format: Virtuoso and SPARQLWrapper use format, others output."""

router = APIRouter(tags=["SPARQL"])

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_POSITION = re.compile(r"error at (\d+):(\d+):\s*")


@dataclass(frozen=True)
class Operation:
    """What one protocol request asks for, once the transport details are read away."""

    kind: Literal["query", "update", "describe"]
    text: str = ""
    dataset: QueryDataset | None = None
    using: QueryDataset | None = None
    format_values: tuple[str, ...] = field(default=())


def authorize_update(request: Request) -> None:
    """The one gate on SPARQL Update: read-only without a write token, else a bearer token (mdkg.web.auth)."""
    require_write_access(request)


# --- reading the request -----------------------------------------------------------------------------

def _media_type_and_charset(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.strip():
        return None, None
    media_type, *parameters = header.split(";")
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


def _decode_utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the {what} is not valid UTF-8 (byte {error.start})") from error


def _graph_iris(params: list[tuple[str, str]], name: str) -> list[str]:
    iris = [value for key, value in params if key == name]
    for iri in iris:
        if not _ABSOLUTE_IRI.fullmatch(iri):
            raise BadRequest(f"{name} must be an absolute IRI, got {iri!r}", detail={"parameter": name})
    return iris


def _dataset(params: list[tuple[str, str]], default_name: str, named_name: str) -> QueryDataset | None:
    default_graphs, named_graphs = _graph_iris(params, default_name), _graph_iris(params, named_name)
    if not default_graphs and not named_graphs:
        return None
    return QueryDataset(default_graphs=tuple(default_graphs), named_graphs=tuple(named_graphs))


async def _read_body(request: Request, settings: Settings) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_body_bytes:
        raise PayloadTooLarge(f"the request body exceeds {settings.max_body_bytes} bytes")
    body = await request.body()
    if len(body) > settings.max_body_bytes:
        raise PayloadTooLarge(f"the request body exceeds {settings.max_body_bytes} bytes")
    return body


async def read_operation(request: Request, settings: Settings) -> Operation:
    """Read a protocol request into an :class:`Operation`, rejecting what the protocol forbids."""
    # What request.query_params holds, without building the multi-dict around it.
    params = parse_qsl(request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    direct: tuple[Literal["query", "update"], str] | None = None
    if request.method == "POST":
        media_type, charset = _media_type_and_charset(request.headers.get("content-type"))
        accepted = f"{FORM}, {QUERY_BODY} or {UPDATE_BODY}"
        if media_type is None:
            raise UnsupportedMediaType(f"a POST to {ENDPOINT_PATH} needs a Content-Type: {accepted}")
        if media_type not in (FORM, QUERY_BODY, UPDATE_BODY):
            raise UnsupportedMediaType(f"cannot read a {media_type} body; send {accepted}")
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType(f"the body must be UTF-8, not {charset}")
        body = await _read_body(request, settings)
        if media_type == FORM:
            try:
                params += parse_qsl(_decode_utf8(body, "form body"), keep_blank_values=True,
                                    encoding="utf-8", errors="strict")
            except UnicodeDecodeError as error:
                raise BadRequest("a form parameter is not valid percent-encoded UTF-8") from error
        else:
            direct = ("query" if media_type == QUERY_BODY else "update", _decode_utf8(body, "request body"))

    queries = [value for key, value in params if key == "query"]
    updates = [value for key, value in params if key == "update"]
    if direct is not None:
        (queries if direct[0] == "query" else updates).append(direct[1])
    if queries and updates:
        raise BadRequest("a request carries either a query or an update, not both")
    if len(queries) > 1 or len(updates) > 1:
        raise BadRequest(f"a request carries exactly one {'query' if queries else 'update'}, "
                         f"got {max(len(queries), len(updates))}")
    if updates and request.method != "POST":
        raise BadRequest("SPARQL Update must be sent with POST")

    format_values = tuple(value.replace(" ", "+")  # an unescaped "+" in a URL reads as a space
                          for name in FORMAT_PARAMETERS for key, value in params if key == name)
    if updates:
        return Operation("update", updates[0], using=_dataset(params, "using-graph-uri",
                                                              "using-named-graph-uri"))
    if not queries:
        if request.method == "POST":
            raise BadRequest(f"a POST to {ENDPOINT_PATH} needs a query (query= or {QUERY_BODY} body)")
        return Operation("describe", format_values=format_values)
    text = queries[0]
    if not text.strip():
        raise BadRequest("the query is empty")
    if len(text) > settings.max_query_chars:
        raise PayloadTooLarge(f"the query exceeds {settings.max_query_chars} characters")
    return Operation("query", text, dataset=_dataset(params, "default-graph-uri", "named-graph-uri"),
                     format_values=format_values)


# --- choosing the response format --------------------------------------------------------------------

def _format_from_parameters(values: tuple[str, ...], *, graph: bool) -> str | None:
    """The first parameter value that names a format for this kind of result (values may be lists)."""
    lookup = results.graph_format if graph else results.tabular_format
    for value in values:
        for candidate in value.split(","):
            if candidate.strip() and (found := lookup(candidate)) is not None:
                return found
    return None


def _check_acceptable(operation: Operation, accept: str | None) -> None:
    """Refuse before running the query when no result form could satisfy the client."""
    if operation.format_values:
        if not any(_format_from_parameters(operation.format_values, graph=g) for g in (False, True)):
            raise NotAcceptable(f"unknown result format {', '.join(operation.format_values)!r}",
                                detail={"tabular": list(results.TABULAR_MEDIA_TYPES),
                                        "graph": list(results.GRAPH_MEDIA_TYPES)})
    elif choose(accept, (*results.offered_media_types(graph=False),
                         *results.offered_media_types(graph=True))) is None:
        raise NotAcceptable(f"no result format matches Accept: {accept}",
                            detail={"tabular": list(results.TABULAR_MEDIA_TYPES),
                                    "graph": list(results.GRAPH_MEDIA_TYPES)})


def _response_media_type(format_values: tuple[str, ...], accept: str | None, *, graph: bool) -> str:
    offered = results.offered_media_types(graph=graph)
    available = list(results.GRAPH_MEDIA_TYPES if graph else results.TABULAR_MEDIA_TYPES)
    kind = "graph" if graph else "SELECT/ASK"
    if format_values:
        chosen = _format_from_parameters(format_values, graph=graph)
        if chosen is None:
            raise NotAcceptable(f"{kind} results cannot be written as {', '.join(format_values)!r}",
                                detail={"available": available})
        return chosen
    chosen = choose(accept, offered)
    if chosen is None:
        raise NotAcceptable(f"{kind} results are not available as Accept: {accept}",
                            detail={"available": available})
    canonical = results.graph_format(chosen) if graph else results.tabular_format(chosen)
    assert canonical is not None  # every offered type is a known format
    return canonical


# --- running -----------------------------------------------------------------------------------------

def _endpoint_url(request: Request, settings: Settings) -> str:
    scope = request.scope
    server = scope.get("server")
    url = _url_without_query(scope.get("scheme", "http"), tuple(server) if server else None, scope["path"],
                             request.headers.get("host"))
    # The Host header comes from the client; fall back to the configured base if it makes no IRI.
    return url if _ABSOLUTE_IRI.fullmatch(url) else settings.base_iri.rstrip("/") + ENDPOINT_PATH


@lru_cache(maxsize=256)
def _url_without_query(scheme: str, server: tuple[str, int | None] | None, path: str,
                       host: str | None) -> str:
    """The request's URL as Starlette reads it from the scope, without its query: the same few values
    arrive again and again, and building the URL costs more than the rest of a cheap query's routing."""
    headers = [(b"host", host.encode("latin-1"))] if host is not None else []
    scope = {"type": "http", "scheme": scheme, "server": server, "path": path, "headers": headers}
    return str(URL(scope=scope))


def _in_users_text(error: QuerySyntaxError) -> QuerySyntaxError:
    """The parser's complaint with line and column in the user's text (a BASE line was put before it)."""
    line, column, reason = error.detail.get("line"), error.detail.get("column"), error.detail.get("message")
    if not isinstance(line, int):
        match = _POSITION.search(error.message)
        if match is None:
            return QuerySyntaxError(error.message,
                                    detail={**error.detail, "message": reason or error.message})
        line, column, reason = int(match.group(1)), int(match.group(2)), error.message[match.end():]
    line -= 1
    return QuerySyntaxError(f"SPARQL syntax error at line {line}, column {column}: {reason}",
                            detail={**error.detail, "message": reason, "line": line, "column": column})


def _acceptable(format_values: tuple[str, ...], accept: str | None, *, graph: bool) -> str | None:
    try:
        return _response_media_type(format_values, accept, graph=graph)
    except NotAcceptable:
        return None


async def _run_query(request: Request, operation: Operation) -> QueryAnswer:
    """Run by the app's executor (deadline, row cap, worker processes: see mdkg.execution), serialized
    there in the format chosen for whichever kind of result the query gives."""
    state = app_state(request)
    accept = request.headers.get("accept")
    # The protocol lets the service pick the base IRI: the endpoint itself.
    base = _endpoint_url(request, state.settings)
    graph_media_type = _acceptable(operation.format_values, accept, graph=True)
    query = QueryRequest(f"BASE <{base}>\n{operation.text}", operation.dataset,
                         tabular_media_type=_acceptable(operation.format_values, accept, graph=False),
                         graph_media_type=graph_media_type,
                         # Sent to the worker only when the chosen format can use them.
                         prefixes=_prefixes(state.settings) if graph_media_type in _PREFIXED_FORMATS else {})
    try:
        return await query_executor(state).run(query)
    except QuerySyntaxError as error:
        raise _in_users_text(error) from None


_PREFIXED_FORMATS = frozenset({"text/turtle", "application/trig", "application/rdf+xml"})
"""The graph formats whose writers abbreviate IRIs with prefixes (mdkg.results.serialize_graph)."""


def _prefixes(settings: Settings) -> dict[str, str]:
    return dict(_prefixes_under(settings.base_iri))


@lru_cache(maxsize=8)
def _prefixes_under(base_iri: str) -> tuple[tuple[str, str], ...]:
    iris = DatasetIris(base_iri)
    return tuple({**PREFIXES, "mdo": str(iris.mdo), "id": str(iris.id)}.items())


def _respond(request: Request, body: bytes, media_type: str) -> Response:
    return Response(b"" if request.method == "HEAD" else body,
                    media_type=results.content_type(media_type),
                    headers={"Vary": "Accept", "Content-Length": str(len(body))})


async def _service_description(request: Request, operation: Operation) -> Response:
    state = app_state(request)
    accept = request.headers.get("accept")
    if operation.format_values:
        media_type = _format_from_parameters(operation.format_values, graph=True)
        if media_type is None:
            raise NotAcceptable(f"the service description is not available as "
                                f"{', '.join(operation.format_values)!r}",
                                detail={"available": list(results.GRAPH_MEDIA_TYPES)})
    else:
        chosen = choose(accept, results.offered_media_types(graph=True))
        if chosen is None and choose(accept, ("text/html",)) is None:
            raise NotAcceptable(f"the service description is not available as Accept: {accept}",
                                detail={"available": list(results.GRAPH_MEDIA_TYPES)})
        # A client ranking HTML first gets the query editor before this (mdkg.web.editor); Turtle otherwise.
        media_type = results.graph_format(chosen) if chosen else "text/turtle"
        assert media_type is not None
    store = state.require_store()
    endpoint = _endpoint_url(request, state.settings)
    triples = await run_in_threadpool(lambda: describe_service(endpoint, store,
                                                               read_only=not writes_enabled(state.settings)))
    body = await run_in_threadpool(results.serialize_graph, triples, media_type,
                                   prefixes=SERVICE_DESCRIPTION_PREFIXES)
    return _respond(request, body, media_type)


async def _update(request: Request, operation: Operation) -> Response:
    authorize_update(request)
    # Parsed, tried on a copy, validated against the shapes, then committed whole (mdkg.writes).
    return await commit_update(request, operation.text, operation.using)


_OPENAPI = {
    "parameters": [
        {"name": "query", "in": "query", "schema": {"type": "string"},
         "description": "A SPARQL 1.1 query. Without one, GET returns the service description."},
        {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "description": "Graphs merged into the default graph (overrides FROM)."},
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
         "description": "Graphs available to GRAPH patterns (overrides FROM NAMED)."},
        {"name": "format", "in": "query", "schema": {"type": "string"},
         "description": "Result format by name or media type (json, xml, csv, tsv, turtle, ...); "
                        "wins over Accept. output= and results= are read the same way."},
    ],
    "requestBody": {"required": False, "content": {
        FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}}},
        QUERY_BODY: {"schema": {"type": "string"}},
    }},
    "responses": {"200": {"description": "Query results", "content": {
        t: {} for t in (*results.TABULAR_MEDIA_TYPES, *results.GRAPH_MEDIA_TYPES)}}},
}


_INLINE_GUARD_CHARS = 4096
"""Texts up to this length are inspected on the event loop: reading them takes tens to a few hundred
microseconds, less than handing them to a thread and back. Longer ones go to a thread."""


async def _guard(operation: Operation, store: Store, settings: Settings) -> None:
    kind: Literal["query", "update"] = "update" if operation.kind == "update" else "query"
    dataset = operation.using if kind == "update" else operation.dataset
    if len(operation.text) <= _INLINE_GUARD_CHARS:
        try:
            inspect_request(operation.text, kind=kind, store=store, settings=settings, dataset=dataset,
                            ask_store=False)
            return
        except StoreNeeded:
            pass  # the text names a graph: the store is asked in a thread (a remote one answers slowly)
    await run_in_threadpool(inspect_request, operation.text, kind=kind, store=store, settings=settings,
                            dataset=dataset)


@router.api_route(ENDPOINT_PATH, methods=["GET", "HEAD", "POST"], openapi_extra=_OPENAPI,
                  summary="SPARQL 1.1 query endpoint", response_class=Response)
async def sparql(request: Request) -> Response:
    state = app_state(request)
    operation = await read_operation(request, state.settings)
    if operation.kind != "describe":
        # mdkg.guard: size, nesting, SERVICE/LOAD and graphs the store does not hold, refused before
        # any engine (or worker) sees the text.
        await _guard(operation, state.require_store(), state.settings)
    if operation.kind == "describe":
        if not operation.format_values and wants_editor(request.headers.get("accept")):
            return editor_page(request)  # a browser gets the query editor (mdkg.web.editor)
        return await _service_description(request, operation)
    if operation.kind == "update":
        return await _update(request, operation)
    accept = request.headers.get("accept")
    _check_acceptable(operation, accept)
    answer = await _run_query(request, operation)
    # No media type: the client accepts none for this kind of result, which raises NotAcceptable here.
    media_type = answer.media_type or _response_media_type(operation.format_values, accept,
                                                           graph=answer.is_graph)
    response = _respond(request, answer.body, media_type)
    response.headers.update(truncation_headers(answer))
    return response


def query_route() -> APIRoute:
    """The route of :func:`sparql`, which the app calls directly for GET, HEAD and POST (mdkg.web._direct)."""
    return next(route for route in router.routes
                if isinstance(route, APIRoute) and route.endpoint is sparql)


@router.api_route(ENDPOINT_PATH, methods=["OPTIONS"], include_in_schema=False)
async def sparql_options() -> Response:
    return Response(status_code=204, headers={"Allow": ", ".join(ALLOWED_METHODS)})


@router.api_route(ENDPOINT_PATH, methods=["PUT", "DELETE", "PATCH", "TRACE", "CONNECT"],
                  include_in_schema=False)
async def sparql_other_methods(request: Request) -> Response:
    error = MethodNotAllowed(f"{request.method} is not supported on {ENDPOINT_PATH}; use GET or POST",
                             detail={"allowed": list(ALLOWED_METHODS)})
    error.headers = {"Allow": ", ".join(ALLOWED_METHODS)}  # type: ignore[attr-defined]
    raise error
