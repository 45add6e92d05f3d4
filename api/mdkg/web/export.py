"""Dumps of the live store and its VoID description.

* ``GET /export`` -- the whole dataset; ``?format=`` (trig, nquads, turtle, ntriples, jsonld, rdfxml)
  or ``Accept``; TriG by default. TriG, N-Quads and JSON-LD keep the named graphs; Turtle, N-Triples
  and RDF/XML hold the union of the graphs.
* ``GET /export/{graph}`` -- one named graph, ``{graph}`` being its IRI below ``<base>graph/``
  (``/export/source/000_x``, ``/export/reference``, ``/export/ontology``).
* ``GET /.well-known/void`` -- the VoID description (Turtle by default), counted from the store.
* ``GET /dist/{name}`` -- the files of the last ``mdkg build`` (the dumps ``dist/void.ttl`` links to);
  only the names ``mdkg build`` writes are served.

Every representation is sorted (the same content gives the same bytes), carries a strong ``ETag``
(hash of its bytes) and a ``Last-Modified`` (when this app first saw that content), answers
``If-None-Match`` / ``If-Modified-Since`` with 304, and is gzipped for clients that accept it.
Graph names are only ever compared with the store's graph IRIs, and ``/dist`` serves a fixed list
of names: no request path is ever turned into a file path.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request, Response

from mdkg import void
from mdkg.build import CHECKSUMS_FILE, DUMPS, VOID_FILE, canonical_quads, dump_prefixes, serialize_quads
from mdkg.errors import BadRequest, NotAcceptable, NotFound, ParameterError, UnsupportedMediaType
from mdkg.formats import RdfFormat, rdf_format
from mdkg.namespaces import DatasetIris
from mdkg.store import Store
from mdkg.web.state import AppState, app_state

router = APIRouter(tags=["export"])

_DUMP_FORMATS: tuple[RdfFormat, ...] = tuple(
    rdf_format(name) for name in ("trig", "nquads", "turtle", "ntriples", "jsonld", "rdfxml"))
"""In order of preference: the first is the default."""
_VOID_FORMATS: tuple[RdfFormat, ...] = tuple(
    rdf_format(name) for name in ("turtle", "ntriples", "jsonld", "rdfxml", "trig", "nquads"))
_GRAPH_PATH = re.compile(r"^[A-Za-z0-9._~:@!$&'()*+,;=-]+(/[A-Za-z0-9._~:@!$&'()*+,;=-]+)*$")
_STATE_KEY = "mdkg.export"
_CACHE_SIZE = 64
_VOID_FORMAT_HELP = "turtle (default), ntriples, jsonld, rdfxml, trig or nquads"
_FORMAT_HELP = "trig, nquads, turtle, ntriples, jsonld or rdfxml (default: from Accept, else trig)"


# --------------------------------------------------------------------------- per-app state


@dataclass
class _Representation:
    fingerprint: str
    body: bytes
    etag_hash: str
    gzipped: bytes | None = None


@dataclass
class _ExportState:
    """What one app remembers between requests: when it first saw each content, and recent bodies."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    first_seen: OrderedDict[tuple[str, str], datetime] = field(default_factory=OrderedDict)
    latest: datetime | None = None
    bodies: OrderedDict[tuple[str, str], _Representation] = field(default_factory=OrderedDict)

    def modified(self, scope: str, fingerprint: str) -> datetime:
        """When this content was first seen; each new content gets a strictly later second, so that
        ``If-Modified-Since`` (one-second resolution) never mistakes a new content for an old one."""
        key = (scope, fingerprint)
        with self.lock:
            if key not in self.first_seen:
                now = datetime.now(UTC).replace(microsecond=0)
                if self.latest is not None and now <= self.latest:
                    now = self.latest + timedelta(seconds=1)
                self.latest = now
                self.first_seen[key] = now
                while len(self.first_seen) > 4 * _CACHE_SIZE:
                    self.first_seen.popitem(last=False)
            return self.first_seen[key]

    def cached(self, key: tuple[str, str], fingerprint: str) -> _Representation | None:
        with self.lock:
            found = self.bodies.get(key)
            return found if found is not None and found.fingerprint == fingerprint else None

    def keep(self, key: tuple[str, str], representation: _Representation) -> None:
        with self.lock:
            self.bodies[key] = representation
            self.bodies.move_to_end(key)
            while len(self.bodies) > _CACHE_SIZE:
                self.bodies.popitem(last=False)


def _export_state(state: AppState) -> _ExportState:
    found = state.extras.get(_STATE_KEY)
    if not isinstance(found, _ExportState):
        found = state.extras.setdefault(_STATE_KEY, _ExportState())
    return found


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class _Content:
    """A sorted N-Quads snapshot of the store (or of one graph) and its fingerprint."""

    nquads: bytes
    fingerprint: str

    def quads(self) -> list[ox.Quad]:
        return canonical_quads(ox.parse(self.nquads, format=ox.RdfFormat.N_QUADS))


def _snapshot(store: Store, graph: str | None) -> _Content:
    if graph is None:
        raw = store.export(media_type="application/n-quads")
    else:
        # Exported as triples and named here: backends differ on what a quads format of one graph holds.
        triples = store.export(media_type="application/n-triples", graph=graph)
        name = ox.NamedNode(graph)
        raw = ox.serialize([ox.Quad(t.subject, t.predicate, t.object, name)
                            for t in ox.parse(triples, format=ox.RdfFormat.N_TRIPLES)],
                           format=ox.RdfFormat.N_QUADS) or b""
    lines = sorted({line for line in raw.splitlines() if line.strip()})
    nquads = b"\n".join(lines) + (b"\n" if lines else b"")
    return _Content(nquads, hashlib.sha256(nquads).hexdigest())


def _graph_iri(state: AppState, path: str) -> str:
    if "\x00" in path or path.startswith("/") or not _GRAPH_PATH.match(path) or any(
            segment in (".", "..") for segment in path.split("/")):
        raise BadRequest(f"not a graph name: {path!r}; use the graph IRI's path below <base>graph/, "
                         "e.g. source/<source-id>, reference or ontology")
    iri = f"{DatasetIris(state.settings.base_iri).graph}{path}"
    if iri not in state.require_store().graphs():
        raise NotFound(f"no named graph <{iri}>", detail={"graph": iri})
    return iri


# --------------------------------------------------------------------------- HTTP


def _choose(request: Request, format_param: str | None, offered: tuple[RdfFormat, ...]) -> RdfFormat:
    if format_param:
        try:
            fmt = rdf_format(format_param)
        except UnsupportedMediaType as error:
            raise ParameterError(f"unknown format {format_param!r}; use {_FORMAT_HELP}") from error
        if fmt not in offered:
            raise ParameterError(f"format {fmt.name} is not offered here")
        return fmt
    from mdkg.web.negotiation import choose

    media_type = choose(request.headers.get("accept"), [f.media_type for f in offered])
    if media_type is None:
        raise NotAcceptable(
            "none of the formats offered matches the Accept header",
            detail={"offered": [f.media_type for f in offered]},
        )
    return rdf_format(media_type)


def _accepts_gzip(request: Request) -> bool:
    for coding in request.headers.get("accept-encoding", "").split(","):
        name, _, params = coding.partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().lower()
            if quality.startswith("q="):
                try:
                    return float(quality[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _matches(header: str, etag: str) -> bool:
    """``If-None-Match`` uses the weak comparison: opaque tags equal, ``W/`` ignored."""
    wanted = etag.removeprefix("W/")
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


def _not_modified_since(header: str, modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return modified <= since


def _respond(
    request: Request,
    *,
    state: AppState,
    scope: str,
    content: _Content,
    media_type: str,
    render: Callable[[], bytes],
    filename: str,
    cache_name: str | None = None,
    disposition: str = "attachment",
) -> Response:
    """``scope`` names what changes together (``*`` = the dataset, or one graph IRI) for Last-Modified."""
    exports = _export_state(state)
    key = (cache_name or scope, media_type)
    representation = exports.cached(key, content.fingerprint)
    if representation is None:
        body = render()
        representation = _Representation(content.fingerprint, body, hashlib.sha256(body).hexdigest()[:32])
        exports.keep(key, representation)
    modified = exports.modified(scope, content.fingerprint)
    use_gzip = _accepts_gzip(request)
    etag = f'"{representation.etag_hash}{"-gzip" if use_gzip else ""}"'
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(modified, usegmt=True),
        "Vary": "Accept, Accept-Encoding",
        "Cache-Control": "no-cache",
        "Content-Disposition": f'{disposition}; filename="{filename}"',
    }
    if_none_match = request.headers.get("if-none-match")
    if_modified_since = request.headers.get("if-modified-since")
    if (if_none_match is not None and _matches(if_none_match, etag)) or (
            if_none_match is None and if_modified_since and _not_modified_since(if_modified_since, modified)):
        del headers["Content-Disposition"]
        return Response(status_code=304, headers=headers)
    body = representation.body
    if use_gzip:
        if representation.gzipped is None:
            representation.gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        body = representation.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(content=body, media_type=media_type, headers=headers)


def _filename(path: str) -> str:
    return "mdkg-" + re.sub(r"[^A-Za-z0-9._-]+", "-", path).strip("-")


_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {f.media_type: {} for f in _DUMP_FORMATS}, "description": "The dump"},
    304: {"description": "Not modified (ETag or Last-Modified revalidation)"},
}


@router.api_route("/export", methods=["GET", "HEAD"], summary="Download the whole dataset",
                  response_class=Response, responses=_RESPONSES)
def export_dataset(
    request: Request,
    format: str | None = Query(None, description=_FORMAT_HELP),
) -> Response:
    """Every named graph of the store. TriG, N-Quads and JSON-LD keep the graph names; Turtle,
    N-Triples and RDF/XML hold the union of the graphs."""
    state = app_state(request)
    fmt = _choose(request, format, _DUMP_FORMATS)
    content = _snapshot(state.require_store(), None)

    def render() -> bytes:
        quads = content.quads()
        return serialize_quads(quads, fmt, dump_prefixes(state.settings.base_iri, quads))[0]

    return _respond(request, state=state, scope="*", content=content, media_type=fmt.media_type,
                    render=render, filename=f"mdkg.{fmt.suffix}")


@router.api_route("/export/{graph:path}", methods=["GET", "HEAD"], summary="Download one named graph",
                  response_class=Response, responses=_RESPONSES)
def export_graph(
    request: Request,
    graph: str,
    format: str | None = Query(None, description=_FORMAT_HELP),
) -> Response:
    """One named graph, ``{graph}`` being the path of its IRI below ``<base>graph/``."""
    state = app_state(request)
    fmt = _choose(request, format, _DUMP_FORMATS)
    iri = _graph_iri(state, graph)
    content = _snapshot(state.require_store(), iri)

    def render() -> bytes:
        quads = content.quads()
        return serialize_quads(quads, fmt, dump_prefixes(state.settings.base_iri, quads))[0]

    return _respond(request, state=state, scope=iri, content=content, media_type=fmt.media_type,
                    render=render, filename=f"{_filename(graph)}.{fmt.suffix}")


@router.api_route("/.well-known/void", methods=["GET", "HEAD"], summary="VoID description of the dataset",
                  response_class=Response,
                  responses={200: {"content": {f.media_type: {} for f in _VOID_FORMATS},
                                   "description": "The VoID description"}})
def void_description(
    request: Request,
    format: str | None = Query(None, description=_VOID_FORMAT_HELP),
) -> Response:
    """Counts, partitions, named graphs and dump links of the live dataset (``void:Dataset``)."""
    state = app_state(request)
    fmt = _choose(request, format, _VOID_FORMATS)
    store = state.require_store()
    content = _snapshot(store, None)
    base = state.settings.base_iri
    iris = DatasetIris(base)

    def graph_dump(graph: str) -> str | None:
        return f"{iris.base}export/{graph[len(iris.graph):]}" if graph.startswith(str(iris.graph)) else None

    def render() -> bytes:
        dumps = [void.Dump(f"{iris.base}export?format={f.name}", f.media_type, _dump_description(f))
                 for f in _DUMP_FORMATS]
        description = void.describe(
            void.statistics(store),
            base_iri=base,
            modified=_export_state(state).modified("*", content.fingerprint),
            dumps=dumps,
            graph_dump=graph_dump,
        )
        return void.serialize(description, fmt.media_type, base_iri=base)

    return _respond(request, state=state, scope="*", cache_name="void", content=content,
                    media_type=fmt.media_type, render=render, filename=f"void.{fmt.suffix}",
                    disposition="inline")


_DIST_MEDIA_TYPES = {name: rdf_format(fmt).media_type for name, fmt in DUMPS} | {
    VOID_FILE: "text/turtle", CHECKSUMS_FILE: "text/plain"}


@router.api_route("/dist/{name}", methods=["GET", "HEAD"], summary="Download a file of the last build",
                  response_class=Response)
def dist_file(request: Request, name: str) -> Response:
    """The files ``mdkg build`` wrote (the ``void:dataDump`` links of ``dist/void.ttl``): only those
    names are served, read from the configured ``dist/`` folder."""
    state = app_state(request)
    media_type = _DIST_MEDIA_TYPES.get(name)
    if media_type is None:
        raise NotFound(f"no file {name!r} in a build; the files are {', '.join(sorted(_DIST_MEDIA_TYPES))}")
    path = state.settings.dist_dir / name
    try:
        data = path.read_bytes()
    except OSError as error:
        raise NotFound(f"{name} has not been built (run `mdkg build`)") from error
    content = _Content(data, hashlib.sha256(data).hexdigest())
    return _respond(request, state=state, scope=f"dist/{name}", content=content, media_type=media_type,
                    render=lambda: data, filename=name)


def _dump_description(fmt: RdfFormat) -> str:
    if fmt.quads:
        return f"{fmt.name}: every named graph of the dataset, graph names kept"
    return f"{fmt.name}: the union of all named graphs, graph names dropped"
