"""``GET /``: what the dataset covers, counts by type, the sources, and example questions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mdkg.errors import NotAcceptable
from mdkg.store import Store
from mdkg.web.named_queries import library_for, templates_for
from mdkg.web.negotiation import choose
from mdkg.web.state import app_state

router = APIRouter(tags=["home"])

_COUNTS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?type (SAMPLE(?label) AS ?typeLabel) (COUNT(DISTINCT ?thing) AS ?n) WHERE {
  { SELECT DISTINCT ?thing ?type WHERE {
      GRAPH ?g { ?thing a ?type }
      FILTER(?g != <https://w3id.org/mdkg/graph/ontology> && !isBlank(?thing))
  } }
  OPTIONAL { GRAPH <https://w3id.org/mdkg/graph/ontology> { ?type rdfs:label ?label } }
} GROUP BY ?type ORDER BY DESC(?n) ?type
"""

_SOURCES = """
PREFIX mdo: <https://w3id.org/mdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?source ?label ?publisher ?issued ?graph WHERE {
  GRAPH ?graph { ?source a mdo:SourceDocument ; rdfs:label ?label ;
                 dcterms:publisher ?publisher ; dcterms:issued ?issued }
} ORDER BY ?issued ?source
"""


def _overview(store: Store, base_iri: str) -> dict[str, Any]:
    # The base IRI is configuration, not user input, so it may be written into the query text.
    mdo = base_iri + "ontology#"
    counts = store.select(_COUNTS.replace("https://w3id.org/mdkg/", base_iri))
    sources = store.select(_SOURCES.replace("https://w3id.org/mdkg/", base_iri))
    return {
        "counts": [
            {"type": str(row["type"]), "label": str(row.get("typeLabel", row["type"])),
             "count": int(row["n"]), "ontology_term": str(row["type"]).startswith(mdo)}
            for row in counts.dicts()
        ],
        "sources": [{k: str(v) for k, v in row.items()} for row in sources.dicts()],
        "quads": store.quad_count(),
    }


@router.get("/", summary="Home: what the dataset covers", response_model=None,
            responses={200: {"description": "The overview, as a page or as JSON",
                             "content": {"text/html": {}, "application/json": {}}}})
async def home(request: Request) -> Response:
    state = app_state(request)
    wanted = choose(request.headers.get("accept"), ["text/html", "application/json"])
    if wanted is None:
        raise NotAcceptable("the home page is available as text/html or application/json")
    overview = await run_in_threadpool(_overview, state.require_store(), state.settings.base_iri)
    library = library_for(request)
    overview["queries"] = [
        {"name": q.name, "summary": q.summary, "url": f"/queries/{q.name}"} for q in library
    ]
    if wanted == "application/json":
        return JSONResponse(overview)
    return templates_for(request).TemplateResponse(
        request, "home.html", {"overview": overview, "nav_active": "Home", "page_title": "Home"})
