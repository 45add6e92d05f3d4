"""The write endpoints, all through one :class:`mdkg.writes.Writer` per app.

* ``POST /update`` -- SPARQL 1.1 Update (``update=`` form or ``application/sparql-update`` body,
  ``using-graph-uri``/``using-named-graph-uri``); ``/sparql`` takes updates the same way.
* ``/store`` -- the SPARQL 1.1 Graph Store HTTP Protocol, indirect identification:
  ``/store?graph=<iri>`` names a graph, ``/store?default`` the default graph. ``GET``/``HEAD`` read
  (anyone), ``PUT`` replaces, ``POST`` merges, ``DELETE`` drops (token holders). Bodies are Turtle,
  N-Triples, RDF/XML or JSON-LD.
* ``POST /sources`` -- one source document's transcription (Turtle) as the new named graph
  ``<base>graph/source/<id>``, the id from its ``mdo:SourceDocument`` or ``?id=``; 409 if that graph
  exists. ``PUT /sources/{id}`` adds or replaces it.

Writes need the bearer token (:mod:`mdkg.web.auth`). A refused write leaves the store untouched:
400 for syntax (line and message), 422 with the SHACL report for violations. After a write the
query workers load the new data before their next query (:func:`mdkg.execution.store_changed`).
"""

from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mdkg import results
from mdkg.errors import (
    BadRequest,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from mdkg.execution import store_changed
from mdkg.formats import rdf_format
from mdkg.store import QueryDataset
from mdkg.store._terms import check_iri
from mdkg.web.auth import require_write_access
from mdkg.web.negotiation import choose
from mdkg.web.state import AppState, app_state
from mdkg.writes import SOURCE_ID, Writer, WriteResult

__all__ = ["SOURCES_PATH", "STORE_PATH", "UPDATE_PATH", "commit_update", "router", "writer_for"]

UPDATE_PATH = "/update"
STORE_PATH = "/store"
SOURCES_PATH = "/sources"
WARNINGS_HEADER = "MDKG-Validation-Warnings"
ADDED_HEADER = "MDKG-Quads-Added"
REMOVED_HEADER = "MDKG-Quads-Removed"
_GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
_STORE_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS")
_WRITER_KEY = "writes.writer"
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")

router = APIRouter(tags=["writes"])


def writer_for(state: AppState) -> Writer:
    """The app's one writer (writes are serialized on it)."""
    writer: Writer | None = state.extras.get(_WRITER_KEY)
    store = state.require_store()
    if writer is None or writer.store is not store:
        writer = state.extras[_WRITER_KEY] = Writer(store, state.settings)
    return writer


async def _after_write(request: Request, result: WriteResult) -> None:
    if result.added or result.removed:
        await store_changed(app_state(request))


async def _read_body(request: Request) -> bytes:
    limit = app_state(request).settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLarge(f"the request body exceeds {limit} bytes")
    return body


def _method_not_allowed(request: Request, allowed: tuple[str, ...]) -> MethodNotAllowed:
    error = MethodNotAllowed(f"{request.method} is not supported on {request.url.path}",
                             detail={"allowed": list(allowed)})
    error.headers = {"Allow": ", ".join(allowed)}  # type: ignore[attr-defined]
    return error


# --------------------------------------------------------------------------- SPARQL Update


async def commit_update(request: Request, text: str, using: QueryDataset | None, *,
                        summary: bool = False) -> Response:
    """Run one SPARQL update through the writer, for a caller that has checked the write access.

    204 with the counts in headers (``/sparql``, as SPARQL stores answer), or 200 with the JSON
    summary, validation warnings included (``summary=True``, ``/update``).
    """
    state = app_state(request)
    base = str(request.url.replace(query="", fragment=""))
    if not _ABSOLUTE_URL.fullmatch(base):  # the Host header comes from the client
        base = state.settings.base_iri.rstrip("/") + request.url.path
    writer = writer_for(state)
    result = await run_in_threadpool(writer.update, text, using=using, base_iri=base)
    await _after_write(request, result)
    return _summary(result) if summary else Response(status_code=204, headers=_count_headers(result))


def _count_headers(result: WriteResult) -> dict[str, str]:
    return {ADDED_HEADER: str(result.added), REMOVED_HEADER: str(result.removed),
            WARNINGS_HEADER: str(len(result.warnings))}


def _summary(result: WriteResult, status: int = 200) -> JSONResponse:
    return JSONResponse(result.summary(), status_code=status, headers=_count_headers(result))


_UPDATE_OPENAPI = {
    "requestBody": {"required": True, "content": {
        "application/sparql-update": {"schema": {"type": "string"}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object",
                                                         "properties": {"update": {"type": "string"}}}},
    }},
    "parameters": [
        {"name": "using-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
        {"name": "using-named-graph-uri", "in": "query",
         "schema": {"type": "array", "items": {"type": "string"}}},
    ],
}


@router.post(UPDATE_PATH, summary="SPARQL 1.1 Update (needs the write token)", openapi_extra=_UPDATE_OPENAPI,
             response_class=JSONResponse)
async def update(request: Request) -> Response:
    from mdkg.web.sparql import read_operation  # the protocol's request reading, shared with /sparql

    require_write_access(request)
    operation = await read_operation(request, app_state(request).settings)
    if operation.kind != "update":
        raise BadRequest(f"{UPDATE_PATH} takes a SPARQL update (update= or an application/sparql-update "
                         "body); send queries to /sparql")
    return await commit_update(request, operation.text, operation.using, summary=True)


@router.api_route(UPDATE_PATH, methods=["OPTIONS"], include_in_schema=False)
async def update_options() -> Response:
    return Response(status_code=204, headers={"Allow": "POST, OPTIONS"})


@router.api_route(UPDATE_PATH, methods=["GET", "HEAD", "PUT", "DELETE", "PATCH"], include_in_schema=False)
async def update_other_methods(request: Request) -> Response:
    raise _method_not_allowed(request, ("POST", "OPTIONS"))


# --------------------------------------------------------------------------- Graph Store Protocol


def _target_graph(request: Request) -> str | None:
    """``?graph=<iri>`` or ``?default`` (exactly one of them)."""
    params = request.query_params
    graphs = params.getlist("graph")
    default = "default" in params
    if default == bool(graphs) or len(graphs) > 1:
        raise BadRequest(f"name one graph: {STORE_PATH}?graph=<absolute IRI> or {STORE_PATH}?default",
                         detail={"graph": graphs, "default": default})
    return None if default else check_iri(graphs[0])


def _body_media_type(request: Request) -> str:
    header = request.headers.get("content-type")
    if not header or not header.strip():
        raise UnsupportedMediaType(f"send the graph with a Content-Type: {', '.join(_GRAPH_TYPES)}")
    media_type, *parameters = header.split(";")
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise UnsupportedMediaType(f"the body must be UTF-8, not {value.strip()}")
    return rdf_format(media_type).media_type


_GRAPH_PARAMETERS = [
    {"name": "graph", "in": "query", "schema": {"type": "string"}, "description": "IRI of a named graph"},
    {"name": "default", "in": "query", "schema": {"type": "string"}, "allowEmptyValue": True,
     "description": "the default graph (give graph or default)"},
]
_GRAPH_BODY = {"required": True, "content": {t: {"schema": {"type": "string"}} for t in _GRAPH_TYPES}}


@router.api_route(STORE_PATH, methods=["GET", "HEAD"], summary="Read one graph (Graph Store Protocol)",
                  openapi_extra={"parameters": _GRAPH_PARAMETERS}, response_class=Response)
async def read_graph(request: Request) -> Response:
    state = app_state(request)
    graph = _target_graph(request)
    store = state.require_store()
    if graph is not None and graph not in await run_in_threadpool(store.graphs):
        raise NotFound(f"no graph <{graph}> in the store", detail={"graph": graph})
    accept = request.headers.get("accept")
    media_type = choose(accept, _GRAPH_TYPES)
    if media_type is None:
        raise NotAcceptable(f"a graph is not available as Accept: {accept}",
                            detail={"available": list(_GRAPH_TYPES)})
    body = await run_in_threadpool(lambda: store.export(media_type=media_type, graph=graph))
    headers = {"Vary": "Accept", "Content-Length": str(len(body))}
    return Response(b"" if request.method == "HEAD" else body, media_type=results.content_type(media_type),
                    headers=headers)


async def _write_graph(request: Request, how: Literal["replace", "merge"]) -> Response:
    require_write_access(request)
    graph = _target_graph(request)
    media_type = _body_media_type(request)
    body = await _read_body(request)
    writer = writer_for(app_state(request))
    write = writer.replace_graph if how == "replace" else writer.merge_graph
    result = await run_in_threadpool(write, graph, body, media_type)
    await _after_write(request, result)
    status = 201 if result.created else 204
    headers = _count_headers(result)
    if result.created and graph is not None:
        headers["Location"] = f"{STORE_PATH}?{request.url.query}"
    return Response(status_code=status, headers=headers)


@router.put(STORE_PATH, summary="Replace one graph (Graph Store Protocol; needs the write token)",
            openapi_extra={"parameters": _GRAPH_PARAMETERS, "requestBody": _GRAPH_BODY},
            status_code=204, response_class=Response)
async def replace_graph(request: Request) -> Response:
    return await _write_graph(request, "replace")


@router.post(STORE_PATH, summary="Add triples to one graph (Graph Store Protocol; needs the write token)",
             openapi_extra={"parameters": _GRAPH_PARAMETERS, "requestBody": _GRAPH_BODY},
             status_code=204, response_class=Response)
async def merge_graph(request: Request) -> Response:
    return await _write_graph(request, "merge")


@router.delete(STORE_PATH, summary="Drop one graph (Graph Store Protocol; needs the write token)",
               openapi_extra={"parameters": _GRAPH_PARAMETERS}, status_code=204, response_class=Response)
async def delete_graph(request: Request) -> Response:
    require_write_access(request)
    graph = _target_graph(request)
    result = await run_in_threadpool(writer_for(app_state(request)).delete_graph, graph)
    await _after_write(request, result)
    return Response(status_code=204, headers=_count_headers(result))


@router.api_route(STORE_PATH, methods=["OPTIONS"], include_in_schema=False)
async def store_options() -> Response:
    return Response(status_code=204, headers={"Allow": ", ".join(_STORE_METHODS)})


@router.api_route(STORE_PATH, methods=["PATCH", "TRACE", "CONNECT"], include_in_schema=False)
async def store_other_methods(request: Request) -> Response:
    raise _method_not_allowed(request, _STORE_METHODS)


# --------------------------------------------------------------------------- source documents

_SOURCE_BODY = {"required": True, "content": {"text/turtle": {"schema": {"type": "string"}}}}


async def _write_source(request: Request, source_id: str | None, *, replace: bool) -> Response:
    require_write_access(request)
    header = request.headers.get("content-type")
    media_type = _body_media_type(request) if header and header.strip() else "text/turtle"
    body = await _read_body(request)
    writer = writer_for(app_state(request))
    result = await run_in_threadpool(lambda: writer.add_source(body, media_type, source_id=source_id,
                                                               replace=replace))
    await _after_write(request, result)
    response = _summary(result, status=201 if result.created else 200)
    response.headers["Location"] = str(result.graph)
    return response


@router.post(SOURCES_PATH, summary="Add one source document's transcription as a new named graph "
                                   "(needs the write token)",
             openapi_extra={"requestBody": _SOURCE_BODY, "parameters": [
                 {"name": "id", "in": "query", "schema": {"type": "string", "pattern": SOURCE_ID.pattern},
                  "description": "the source id, if the document has no mdo:SourceDocument"}]},
             status_code=201, response_class=JSONResponse)
async def add_source(request: Request) -> Response:
    return await _write_source(request, request.query_params.get("id"), replace=False)


@router.put(SOURCES_PATH + "/{source_id}", summary="Add or replace one source document's transcription "
                                                   "(needs the write token)",
            openapi_extra={"requestBody": _SOURCE_BODY}, response_class=JSONResponse)
async def put_source(request: Request, source_id: str) -> Response:
    return await _write_source(request, source_id, replace=True)
