"""Source pages: each source document with its metadata and every quote taken from it.

* ``GET /sources`` - the documents the graph is transcribed from (HTML for browsers, else JSON);
* ``GET /sources/{id}`` - one document's page, or its JSON (``Accept`` or the ``.json`` suffix);
* a browser that dereferences a document's own IRI (``/id/source/{id}``) gets the same page, while
  programs asking for RDF get the linked-data description (the catch-all router answers them).

Quotes are in document order when the captured text (``settings.sources_dir``) is at hand and has
the digest the transcription records, else grouped by fact; each has an anchor (``#q-...``) that the
resource pages link to.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import URIRef

from mdkg.errors import NotFound, ParameterError
from mdkg.graph_views import check_iri
from mdkg.sources import SourceDocumentView, list_source_documents, source_document
from mdkg.web._graph_pages import (
    HTML,
    JSON,
    alternate_links,
    html_error,
    json_response,
    negotiate,
    prefers_html,
    render,
    vocab_for,
)
from mdkg.web._quotes import source_texts_for
from mdkg.web.negotiation import choose
from mdkg.web.state import get_store

router = APIRouter(tags=["sources"])

_SOURCE_IRI_PATH = "id/source/"
"""Where source documents' IRIs live below the base (``id:source/<identifier>``, docs/data-model.md)."""


@router.api_route("/sources", methods=["GET", "HEAD"], response_model=None,
                  summary="The source documents the graph is transcribed from",
                  responses={200: {"content": {JSON: {}, HTML: {}}}})
def sources_index(request: Request) -> Response:
    """Every source document with its publisher, date and how many facts and quotes come from it."""
    media_type = negotiate(request, (JSON, HTML), "the list of sources")
    documents = list_source_documents(get_store(request), vocab_for(request))
    if media_type == HTML:
        return render(request, "sources.html", {"page_title": "Sources", "nav_active": "Sources",
                                                 "documents": documents}, headers={"Vary": "Accept"})
    return json_response({"sources": [d.as_json() for d in documents]})


@router.api_route("/sources.json", methods=["GET", "HEAD"], include_in_schema=False)
def sources_index_json(request: Request) -> Response:
    documents = list_source_documents(get_store(request), vocab_for(request))
    return json_response({"sources": [d.as_json() for d in documents]})


@router.api_route("/sources/{source_id}", methods=["GET", "HEAD"], response_model=None,
                  summary="One source document with every quote taken from it",
                  responses={200: {"content": {JSON: {}, HTML: {}}},
                             404: {"description": "No such source document"}})
def source_by_id(request: Request, source_id: str) -> Response:
    """The document's metadata and every quote taken from it with the facts it supports, in document
    order when the captured text is available (``.json`` or ``Accept: application/json`` for JSON)."""
    forced: str | None = None
    stem, dot, suffix = source_id.rpartition(".")
    view = _view(request, source_id)
    if view is None and dot and suffix in ("json", "html"):
        forced = JSON if suffix == "json" else HTML
        view = _view(request, stem)
    if view is None:
        error = NotFound(f"no source document {source_id!r}", detail={"id": source_id})
        if forced == HTML or (forced is None and prefers_html(request)):
            return html_error(request, error)
        raise error
    media_type = forced or negotiate(request, (JSON, HTML), "a source document")
    if media_type == HTML:
        return _page(request, view)
    return json_response(view.as_json())


@router.api_route("/id/source/{source_id}", methods=["GET", "HEAD"], response_model=None,
                  include_in_schema=False)
def source_iri(request: Request, source_id: str) -> Response:
    """A source document's own IRI: its page for browsers, its RDF description for everyone else."""
    from mdkg.web.resources import RDF_FORMATS, dereference  # the catch-all answers all but the page

    resource_path = _SOURCE_IRI_PATH + source_id
    stem, dot, suffix = source_id.rpartition(".")
    view = _view(request, source_id)
    if view is None and dot and suffix == "html":
        view = _view(request, stem)
    elif view is not None:
        offered = (*(fmt.media_type for fmt in RDF_FORMATS), HTML, JSON)
        if choose(request.headers.get("accept"), offered) != HTML:
            view = None
    if view is None:
        return dereference(request, resource_path)
    return _page(request, view)


def _view(request: Request, source_id: str) -> SourceDocumentView | None:
    vocab = vocab_for(request)
    if not source_id or source_id.startswith("."):
        return None
    iri = vocab.base + _SOURCE_IRI_PATH + source_id
    try:
        check_iri(iri)
    except ParameterError:
        return None
    return source_document(get_store(request), vocab, URIRef(iri), source_texts_for(request))


def _page(request: Request, view: SourceDocumentView) -> Response:
    from mdkg.web.resources import RDF_FORMATS

    path = view.document.path or "/" + _SOURCE_IRI_PATH + (view.identifier or "")
    alternates = alternate_links(path, RDF_FORMATS)
    if view.document.id and view.document.id.startswith("source/"):
        alternates.append(("JSON (quotes and facts)", f"/sources/{view.document.id[len('source/'):]}.json"))
    context = {"page_title": view.document.label, "nav_active": "Sources", "source": view,
               "alternates": alternates}
    link_header = ", ".join(f'<{href}>; rel="alternate"' for _, href in alternates)
    return render(request, "source.html", context, headers={"Vary": "Accept", "Link": link_header})
