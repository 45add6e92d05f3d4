"""Linked data: every IRI of the dataset dereferences on this server.

A request for path ``P`` describes the IRI ``<base>P`` (``/id/japan`` -> ``<base>id/japan``); with
``MDKG_BASE_IRI`` set to the server's own URL the data is rebased on load, so its IRIs resolve here.

* a browser (``Accept: text/html``) gets a page: labels, types, the entity's own source and quotes,
  its values, and its outgoing and incoming links as local links, each with the quote and source of
  the fact that asserts it;
* a program gets RDF by ``Accept`` or by suffix: Turtle (``.ttl``, the default), JSON-LD
  (``.jsonld``, also for ``Accept: application/json``), N-Triples (``.nt``), RDF/XML (``.rdf``),
  and, keeping the named graph of each triple, TriG (``.trig``) and N-Quads (``.nq``). The
  description is every triple with the IRI as subject or object across graphs, the blank nodes they
  lead to (quotations, amounts), the source and quotes of the facts that point at it, and the
  labels of everything it links to. JSON-LD and the triple formats merge the graphs.
* ``/ontology`` serves the whole ontology graph (``/ontology#Term`` fragments stay in the browser,
  which the page's anchors answer); ``/graph/...`` names a graph and gets its size, its documents
  and a link to its dump at ``/export/...``.

Unknown IRIs give 404: the JSON envelope, or a small page for browsers. Every answer carries
``Vary: Accept`` and a ``Link`` header to its alternate representations (no 303 redirects).
The route is the app's last and matches any path except those of the other routers' prefixes, so
that routes mounted after it (or their 404s) are not swallowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from rdflib import Dataset, Graph, URIRef
from starlette.routing import Match
from starlette.types import Scope

from mdkg.errors import NotFound, ParameterError
from mdkg.formats import RdfFormat, rdf_format
from mdkg.graph_views import (
    Vocab,
    check_iri,
    describe,
    entity_relations,
    graph_description,
    is_known,
    ontology_overview,
)
from mdkg.store import Store
from mdkg.web._graph_pages import (
    HTML,
    JSON,
    alternate_links,
    html_error,
    negotiate,
    prefers_html,
    render,
    vocab_for,
)
from mdkg.web._quotes import quote_finder_for
from mdkg.web.state import get_store

RESERVED_PREFIXES = frozenset({
    "sparql", "queries", "queries.json", "entities", "paths", "export", "docs", "redoc", "openapi.json",
    "healthz", "metrics", ".well-known", "static", "dist", "sources", "sources.json", "shapes",
    "store", "update",
})
"""First path segments owned by other routers: never dataset IRIs, never described here."""

RDF_FORMATS: tuple[RdfFormat, ...] = tuple(
    rdf_format(name) for name in ("turtle", "jsonld", "ntriples", "rdfxml", "trig", "nquads"))
"""In order of preference: Turtle is what a client that accepts anything gets."""
_BY_MEDIA_TYPE = {fmt.media_type: fmt for fmt in RDF_FORMATS}
_SUFFIXES = {**{fmt.suffix: fmt.media_type for fmt in RDF_FORMATS}, "html": HTML}
_OFFERED = (*(fmt.media_type for fmt in RDF_FORMATS), HTML, JSON)


class _LinkedDataRoute(APIRoute):
    """Declines the other routers' path prefixes, so the catch-all never hides them."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("type") == "http":
            path: str = scope.get("path", "")
            root = scope.get("root_path", "")
            if root and path.startswith(root):
                path = path[len(root):]
            if path.lstrip("/").split("/", 1)[0] in RESERVED_PREFIXES:
                return Match.NONE, {}
        return super().matches(scope)


router = APIRouter(tags=["linked data"], route_class=_LinkedDataRoute)


@dataclass(frozen=True)
class _Target:
    iri: str
    kind: str
    """``ontology``, ``graph`` or ``resource``."""
    path: str
    """The local path of the IRI, without suffix: the stem of the alternates' links."""
    media_type: str | None
    """Fixed by a suffix, else negotiated."""


@router.get(
    "/{resource_path:path}", response_model=None, operation_id="dereference",
    summary="Dereference a dataset IRI (linked data)",
    responses={200: {"content": {fmt.media_type: {} for fmt in RDF_FORMATS} | {HTML: {}}},
               404: {"description": "No such IRI in the dataset"},
               406: {"description": "No acceptable format"}},
)
def dereference(request: Request, resource_path: str) -> Response:
    """Describe the IRI ``<base>{resource_path}``: an HTML page for browsers, RDF for programs (by
    ``Accept`` or by suffix ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.trig``, ``.nq``)."""
    vocab = vocab_for(request)
    store = get_store(request)
    try:
        target = _resolve(store, vocab, resource_path)
    except NotFound as error:
        if prefers_html(request):
            return html_error(request, error)
        raise
    if target.kind == "ontology":
        return _ontology(request, store, vocab, target)
    if target.kind == "graph":
        return _named_graph(request, store, vocab, target)
    return _resource(request, store, vocab, target)


router.add_api_route("/{resource_path:path}", dereference, methods=["HEAD"], include_in_schema=False)


# --- resolution ------------------------------------------------------------------------------------

def _resolve(store: Store, vocab: Vocab, resource_path: str) -> _Target:
    """The IRI a path names; an IRI that itself ends in ``.ttl`` wins over the suffix reading."""
    candidates: list[tuple[str, str | None]] = [(resource_path, None)]
    stem, dot, suffix = resource_path.rpartition(".")
    if dot and stem and suffix.lower() in _SUFFIXES:
        candidates.append((stem, _SUFFIXES[suffix.lower()]))
    graphs = set(store.graphs())
    for path, media_type in candidates:
        iri = vocab.base + path
        if iri == str(vocab.ontology):
            kind = "ontology"
        elif iri in graphs:
            kind = "graph"
        elif path and _known(store, iri):
            kind = "resource"
        else:
            continue
        return _Target(iri, kind, "/" + path, media_type)
    raise NotFound(f"no resource {vocab.base + resource_path} in the dataset",
                   detail={"iri": vocab.base + resource_path})


def _known(store: Store, iri: str) -> bool:
    try:
        check_iri(iri)
    except ParameterError:
        return False  # a path with a space or a quote names no IRI of the dataset
    return is_known(store, URIRef(iri))


def _media_type(request: Request, target: _Target, offered: Sequence[str], what: str) -> str:
    if target.media_type is not None:
        return target.media_type
    return negotiate(request, offered, what)


def _headers(target: _Target, formats: Sequence[RdfFormat]) -> dict[str, str]:
    alternates = [f'<{target.path}.{fmt.suffix}>; rel="alternate"; type="{fmt.media_type}"'
                  for fmt in formats]
    alternates.append(f'<{target.path}.html>; rel="alternate"; type="{HTML}"')
    return {"Vary": "Accept", "Link": ", ".join(alternates)}


def _rdf_response(body: bytes, fmt: RdfFormat, headers: dict[str, str]) -> Response:
    text_like = fmt.media_type.startswith("text/") or fmt.name in ("ntriples", "nquads", "trig", "jsonld")
    media_type = f"{fmt.media_type}; charset=utf-8" if text_like else fmt.media_type
    return Response(body, media_type=media_type, headers=headers)


def _serialize(data: Graph | Dataset, fmt: RdfFormat, vocab: Vocab) -> bytes:
    if fmt.quads and not isinstance(data, Dataset) and fmt.name != "jsonld":
        dataset = Dataset()
        for triple in data:
            dataset.add(triple)
        for prefix, namespace in data.namespaces():
            dataset.bind(prefix, namespace, override=True, replace=True)
        data = dataset
    options: dict[str, object] = {}
    if fmt.name == "jsonld":
        options = {"context": {k: v for k, v in vocab.prefixes.items()}, "auto_compact": True}
    text = data.serialize(format=fmt.rdflib_name, encoding="utf-8", **options)
    return text if isinstance(text, bytes) else text.encode("utf-8")


def _format_of(media_type: str) -> RdfFormat:
    return _BY_MEDIA_TYPE.get(media_type) or rdf_format("jsonld")  # application/json reads JSON-LD


# --- the three kinds of target ---------------------------------------------------------------------

def _resource(request: Request, store: Store, vocab: Vocab, target: _Target) -> Response:
    media_type = _media_type(request, target, _OFFERED, "this resource")
    hood = describe(store, vocab, URIRef(target.iri))
    if not hood.exists:
        raise NotFound(f"no resource {target.iri} in the dataset", detail={"iri": target.iri})
    headers = _headers(target, RDF_FORMATS)
    if media_type == HTML:
        relations = entity_relations(hood)
        context = {"page_title": relations.entity.label, "nav_active": "Entities", "view": relations,
                   "alternates": alternate_links(target.path, RDF_FORMATS),
                   "quotes": quote_finder_for(request)}
        return render(request, "resource.html", context, headers=headers)
    fmt = _format_of(media_type)
    data: Graph | Dataset = hood.as_dataset() if fmt.quads and fmt.name != "jsonld" else hood.as_graph()
    return _rdf_response(_serialize(data, fmt, vocab), fmt, headers)


def _ontology(request: Request, store: Store, vocab: Vocab, target: _Target) -> Response:
    media_type = _media_type(request, target, _OFFERED, "the ontology")
    headers = _headers(target, RDF_FORMATS)
    if media_type == HTML:
        overview = ontology_overview(store, vocab)
        if overview is None:
            return html_error(request, NotFound("the ontology is not loaded in the store"))
        context = {"page_title": overview.title, "nav_active": "Ontology", "ontology": overview,
                   "alternates": alternate_links(target.path, RDF_FORMATS)}
        return render(request, "ontology.html", context, headers=headers)
    fmt = _format_of(media_type)
    body = store.export(media_type=fmt.media_type, graph=str(vocab.ontology_graph))
    return _rdf_response(body, fmt, headers)


def _named_graph(request: Request, store: Store, vocab: Vocab, target: _Target) -> Response:
    media_type = _media_type(request, target, _OFFERED, "this graph's description")
    dump_path = "/export/" + target.iri[len(str(vocab.iris.graph)):]
    description = graph_description(store, vocab, target.iri, dump_path)
    if description is None:
        raise NotFound(f"no graph {target.iri}", detail={"iri": target.iri})
    headers = _headers(target, RDF_FORMATS)
    if media_type == HTML:
        context = {"page_title": f"Graph {target.path}", "nav_active": "Export", "graph": description,
                   "alternates": alternate_links(target.path, RDF_FORMATS)}
        return render(request, "named_graph.html", context, headers=headers)
    fmt = _format_of(media_type)
    void = description.as_void(str(request.base_url).rstrip("/") + dump_path, vocab)
    return _rdf_response(_serialize(void, fmt, vocab), fmt, headers)

