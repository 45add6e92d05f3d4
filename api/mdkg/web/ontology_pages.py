"""The ontology's documentation at its own IRI, and the shapes' at theirs.

* ``GET /ontology`` in a browser: the generated documentation (pyLODE's entry for every class and
  property, a diagram of the main classes, the vocabularies and a summary of the shapes); programs get
  the ontology as RDF from the linked-data router, as before (``Accept`` or a suffix);
* ``GET /shapes``: every SHACL shape with its targets, constraints and messages; ``/shapes.ttl`` (or
  ``Accept: text/turtle``) the shapes themselves, so that their IRIs dereference too.

The documentation is generated from the ontology graph the store holds (so it follows the deployment's
base IRI) and the shapes files, once, then kept in the app until either changes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph

from mdkg.errors import NotFound
from mdkg.formats import RdfFormat
from mdkg.ontology_docs import SITE_LINKS, OntologyDocs, build_ontology_docs
from mdkg.web._graph_pages import HTML, JSON, alternate_links, html_error, negotiate, render, vocab_for
from mdkg.web.negotiation import choose
from mdkg.web.state import app_state, get_store

router = APIRouter(tags=["ontology"])

_CACHE_KEY = "ontology_docs.cache"
_LOCK_KEY = "ontology_docs.lock"
TURTLE = "text/turtle"


@router.api_route("/ontology", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_page(request: Request) -> Response:
    """The documentation for browsers; the ontology's RDF for everyone else."""
    from mdkg.web.resources import RDF_FORMATS, dereference  # it answers whatever is not the page

    offered = (*(fmt.media_type for fmt in RDF_FORMATS), HTML, JSON)
    if choose(request.headers.get("accept"), offered) != HTML:
        return dereference(request, "ontology")
    return _ontology(request)


@router.api_route("/ontology.html", methods=["GET", "HEAD"], include_in_schema=False)
def ontology_page_html(request: Request) -> Response:
    return _ontology(request)


def _ontology(request: Request) -> Response:
    from mdkg.web.resources import RDF_FORMATS, dereference

    docs = docs_for(request)
    if docs is None:
        return dereference(request, "ontology.html")  # nothing loaded: the linked-data router says so
    context = {"page_title": docs.title, "nav_active": "Ontology", "docs": docs, "page": "ontology",
               "alternates": alternate_links("/ontology", RDF_FORMATS)}
    return render(request, "ontology_docs.html", context, headers=_headers("/ontology", RDF_FORMATS))


@router.api_route("/shapes", methods=["GET", "HEAD"], response_model=None,
                  summary="The SHACL shapes that data is validated against",
                  responses={200: {"content": {HTML: {}, TURTLE: {}}}})
def shapes_page(request: Request) -> Response:
    """Every shape with what it applies to, its constraints and its messages (HTML), or the shapes
    graph itself (``Accept: text/turtle`` or ``/shapes.ttl``)."""
    if negotiate(request, (TURTLE, HTML), "the shapes") == TURTLE:
        return _shapes_turtle(request)
    return _shapes(request)


@router.api_route("/shapes.html", methods=["GET", "HEAD"], include_in_schema=False)
def shapes_page_html(request: Request) -> Response:
    return _shapes(request)


@router.api_route("/shapes.ttl", methods=["GET", "HEAD"], include_in_schema=False)
def shapes_turtle(request: Request) -> Response:
    return _shapes_turtle(request)


def _shapes(request: Request) -> Response:
    docs = docs_for(request)
    if docs is None:
        return html_error(request, NotFound("the ontology is not loaded in the store"))
    context = {"page_title": "SHACL shapes", "nav_active": "Ontology", "docs": docs, "page": "shapes",
               "alternates": [("Turtle", "/shapes.ttl")]}
    return render(request, "ontology_docs.html", context,
                  headers={"Vary": "Accept", "Link": f'</shapes.ttl>; rel="alternate"; type="{TURTLE}"'})


def _shapes_turtle(request: Request) -> Response:
    from mdkg.validation import load_shapes

    settings = app_state(request).settings
    body = load_shapes(settings, settings.base_iri).serialize(format="turtle", encoding="utf-8")
    return Response(body, media_type=f"{TURTLE}; charset=utf-8",
                    headers={"Vary": "Accept", "Link": f'</shapes.html>; rel="alternate"; type="{HTML}"'})


def _headers(path: str, formats: Sequence[RdfFormat]) -> dict[str, str]:
    links = [f'<{href}>; rel="alternate"' for _, href in alternate_links(path, formats)]
    return {"Vary": "Accept", "Link": ", ".join(links)}


def docs_for(request: Request) -> OntologyDocs | None:
    """The app's documentation, regenerated when the ontology graph or a shapes file has changed;
    ``None`` when the store holds no ontology."""
    from mdkg.validation import load_shapes

    state = app_state(request)
    store = get_store(request)
    vocab = vocab_for(request)
    if store.quad_count(str(vocab.ontology_graph)) == 0:
        return None
    data = store.export(media_type=TURTLE, graph=str(vocab.ontology_graph))
    shapes_files = sorted(state.settings.shapes_dir.glob("*.ttl"))
    key = (hashlib.sha256(data).hexdigest(),
           tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in shapes_files))
    lock = state.extras.setdefault(_LOCK_KEY, threading.Lock())
    with lock:  # one generation per app at a time; the others wait for its result
        cached = state.extras.get(_CACHE_KEY)
        if cached is not None and cached[0] == key:
            return cached[1]
        ontology = Graph().parse(data=data, format="turtle")
        shapes = load_shapes(state.settings, state.settings.base_iri)
        docs = build_ontology_docs(ontology, shapes, state.settings.base_iri, SITE_LINKS)
        state.extras[_CACHE_KEY] = (key, docs)
        return docs
