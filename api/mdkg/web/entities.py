"""The relationship questions: find an entity, list its relations, find how two are connected.

* ``GET /entities?q=&type=&limit=`` - entities whose label (``rdfs:label``, ``skos:prefLabel``,
  ``skos:altLabel``) contains ``q``, ignoring case and accents; ``type`` (``State``, ``mdo:Agreement``,
  ``foaf:Person`` or a full IRI) keeps instances of that class and its subclasses. An empty ``q`` with
  a ``type`` lists the type's instances; with neither it is a 400. JSON (a list of
  ``{iri, id, label, types: [{iri, label}], matched_label}``), or an HTML page for browsers.
* ``GET /entities/{id}/relations`` - every link to and from the entity, grouped by property and
  direction, each with its graph and the source and quote of the fact that asserts it. ``{id}`` is
  the path below ``<base>id/`` (``japan``, ``source/000_x``) or a whole IRI, URL-encoded.
* ``GET /paths?from=&to=&max_hops=&limit=`` - shortest-first connections between two entities
  (see :mod:`mdkg.graph_views._paths` for the links a path may not use), each step with provenance.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from mdkg.errors import MdkgError, NotFound, ParameterError
from mdkg.graph_views import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_HOPS,
    LIMIT_CAP,
    MAX_HOPS_CAP,
    describe,
    entity_relations,
    find_paths,
    search_entities,
)
from mdkg.web._graph_pages import (
    HTML,
    JSON,
    alternate_links,
    html_error,
    json_response,
    negotiate,
    render,
    vocab_for,
)
from mdkg.web.resources import RDF_FORMATS
from mdkg.web.state import get_store

router = APIRouter(tags=["entities and paths"])

SEARCH_LIMIT_DEFAULT = 50
SEARCH_LIMIT_CAP = 500
_OFFERED = (JSON, HTML)


@router.get("/entities", summary="Find entities by name", response_model=None,
            responses={200: {"content": {JSON: {}, HTML: {}}},
                       400: {"description": "Neither q nor type, or an unknown type"}})
def find_entities(
    request: Request,
    q: Annotated[str | None, Query(description="A name or part of one; case and accents are ignored")] = None,
    type: Annotated[str | None, Query(description="A class: State, mdo:Agreement, foaf:Person or an IRI; "
                                                  "its subclasses are included")] = None,
    limit: Annotated[int, Query(ge=1, le=SEARCH_LIMIT_CAP)] = SEARCH_LIMIT_DEFAULT,
) -> Response:
    """Entities whose label contains ``q``: exact matches first, then word starts, then the rest."""
    media_type = negotiate(request, _OFFERED, "the entity search")
    store = get_store(request)
    vocab = vocab_for(request)
    if media_type == JSON:
        hits = search_entities(store, vocab, q, type, limit)
        return json_response([hit.as_json() for hit in hits])
    context: dict[str, Any] = {"page_title": "Entities", "nav_active": "Entities", "q": q or "",
                               "type": type or "", "hits": None, "error": None}
    status = 200
    if q or type:
        try:
            context["hits"] = search_entities(store, vocab, q, type, limit)
        except MdkgError as error:
            context["error"], status = error.message, error.status
    return render(request, "entities.html", context, status_code=status, headers={"Vary": "Accept"})


@router.get("/entities/{entity_id:path}/relations", summary="Every relation of an entity, with provenance",
            response_model=None,
            responses={200: {"content": {JSON: {}, HTML: {}}}, 404: {"description": "No such entity"}})
def relations(request: Request, entity_id: str) -> Response:
    """Outgoing and incoming links, grouped by property and direction, each with the named graph it
    comes from and, when a fact node asserts it, that fact's source documents and quotes."""
    media_type = negotiate(request, _OFFERED, "an entity's relations")
    vocab = vocab_for(request)
    try:
        iri = vocab.entity_iri(entity_id)
        hood = describe(get_store(request), vocab, iri)
        if not hood.exists:
            raise NotFound(f"no entity {iri}", detail={"id": entity_id, "iri": str(iri)})
    except MdkgError as error:
        if media_type == HTML:
            return html_error(request, error)
        raise
    view = entity_relations(hood)
    if media_type == JSON:
        return json_response(view.as_json())
    path = vocab.local_path(str(iri)) or ""
    context = {"page_title": view.entity.label, "nav_active": "Entities", "view": view,
               "alternates": alternate_links(path, RDF_FORMATS) if path else []}
    return render(request, "resource.html", context, headers={"Vary": "Accept"})


@router.get("/paths", summary="How two entities are connected", response_model=None,
            responses={200: {"content": {JSON: {}, HTML: {}}},
                       400: {"description": "A missing or out-of-range parameter"},
                       404: {"description": "No such entity"}})
def paths(
    request: Request,
    source: Annotated[str | None, Query(alias="from", description="Entity id (japan) or IRI")] = None,
    target: Annotated[str | None, Query(alias="to", description="Entity id (mexico) or IRI")] = None,
    max_hops: Annotated[int, Query(description=f"Longest path, 1 to {MAX_HOPS_CAP}")] = DEFAULT_MAX_HOPS,
    limit: Annotated[int, Query(description=f"Most paths returned, 1 to {LIMIT_CAP}")] = DEFAULT_LIMIT,
) -> Response:
    """Simple paths over links between entities (in the source and reference graphs), shortest first,
    then those through the fewest hubs; each step lists its links with their facts' sources and
    quotes."""
    media_type = negotiate(request, _OFFERED, "the path finder")
    store = get_store(request)
    vocab = vocab_for(request)
    context: dict[str, Any] = {"page_title": "Paths", "nav_active": "Entities", "source": source or "",
                               "target": target or "", "max_hops": max_hops, "limit": limit,
                               "max_hops_cap": MAX_HOPS_CAP, "result": None, "error": None}
    if media_type == HTML and not source and not target:
        return render(request, "paths.html", context, headers={"Vary": "Accept"})
    try:
        if not source or not target:
            missing = [name for name, value in (("from", source), ("to", target)) if not value]
            raise ParameterError(f"give both from and to (missing: {', '.join(missing)}), "
                                 "e.g. /paths?from=japan&to=mexico", detail={"missing": missing})
        result = find_paths(store, vocab, vocab.entity_iri(source), vocab.entity_iri(target), max_hops, limit)
    except MdkgError as error:
        if media_type == JSON:
            raise
        context["error"] = error.message
        return render(request, "paths.html", context, status_code=error.status, headers={"Vary": "Accept"})
    if media_type == JSON:
        return json_response(result.as_json())
    context["result"] = result
    return render(request, "paths.html", context, headers={"Vary": "Accept"})
