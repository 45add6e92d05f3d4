"""The SPARQL query editor: YASGUI at ``/sparql`` for a browser, and the browser libraries it loads.

``GET /sparql`` without a query answers a browser (``Accept`` ranking ``text/html`` above every RDF
format, so ``*/*`` alone still gets the service description) with the editor page. With a query,
``/sparql`` stays the SPARQL protocol endpoint for every client, browsers included: shareable links
carry the query in the fragment (``/sparql#query=...``), which YASGUI reads and the server never sees.

The page is offline by construction: the libraries are served from ``/static/vendor/`` (copied from
npm at install, see ``web/vendor.mjs``), queries go to this server's ``/sparql`` only, the endpoint
list holds that endpoint alone, and the autocompleters that ask the web (Linked Open Vocabularies for
classes and properties) are replaced by ones that ask this server's ``/sparql`` (and complete mdkg's own
prefixes instead of a bundled list).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from mdkg import results
from mdkg.errors import NotFound
from mdkg.namespaces import PREFIXES
from mdkg.queries import NamedQuery
from mdkg.queries._library import normalized_base
from mdkg.settings import CANONICAL_BASE_IRI
from mdkg.web._graph_pages import render
from mdkg.web._vendor import EDITOR_BUNDLES, VENDOR_DIR, vendor_ready
from mdkg.web.named_queries import STATIC_DIR, library_for
from mdkg.web.negotiation import choose
from mdkg.web.state import app_state

__all__ = ["editor_page", "router", "wants_editor"]

_VENDOR_TYPES = {".js": "text/javascript", ".css": "text/css", ".json": "application/json",
                 ".txt": "text/plain"}

STARTER_QUERY = """\
PREFIX mdo: <https://w3id.org/mdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

# Agreements with their parties; every fact sits in the named graph of the source that states it.
SELECT ?agreement ?agreementLabel ?party ?partyLabel WHERE {
  GRAPH ?g { ?agreement mdo:party ?party }
  OPTIONAL { GRAPH ?la { ?agreement rdfs:label ?agreementLabel } }
  OPTIONAL { GRAPH ?lp { ?party rdfs:label ?partyLabel } }
}
ORDER BY ?agreementLabel ?partyLabel
LIMIT 100
"""

router = APIRouter(include_in_schema=False)


def wants_editor(accept: str | None) -> bool:
    """A browser: ``text/html`` ranked above every RDF format (``*/*`` alone prefers Turtle)."""
    offered = [*results.offered_media_types(graph=True), "text/html"]
    return choose(accept, offered) == "text/html"


def _rebase(namespace: str, base: str) -> str:
    if namespace.startswith(CANONICAL_BASE_IRI):
        return base + namespace[len(CANONICAL_BASE_IRI):]
    return namespace


def _example(named_query: NamedQuery) -> dict[str, Any]:
    header = [f"# {named_query.summary}", f"# Named query {named_query.name}: /queries/{named_query.name}"]
    if named_query.parameters:
        names = ", ".join(f"?{p.name}" for p in named_query.parameters)
        # On its page a parameter is bound before the query runs; here it stays a free variable.
        header.append(f"# Parameters ({names}) are unbound here, so the query runs over every value.")
    return {"name": named_query.name, "summary": named_query.summary,
            "page": f"/queries/{quote(named_query.name)}",
            "sparql": "\n".join(header) + "\n" + named_query.executable_sparql.strip() + "\n"}


def editor_page(request: Request) -> Response:
    state = app_state(request)
    base = normalized_base(state.settings.base_iri)
    library = library_for(request)
    examples = [_example(q) for q in library]
    prefixes = {name: _rebase(namespace, base) for name, namespace in PREFIXES.items()}
    config = {
        "endpoint": "/sparql",
        "prefixes": prefixes,
        "starterQuery": STARTER_QUERY.replace(CANONICAL_BASE_IRI, base),
        "examples": examples,
    }
    context = {"page_title": "SPARQL editor", "nav_active": "SPARQL", "editor_config": config,
               "examples": examples, "vendor_ready": vendor_ready(EDITOR_BUNDLES)}
    return render(request, "editor.html", context, headers={"Vary": "Accept"})


@router.get("/static/vendor/{filename}")
def vendor_file(filename: str) -> FileResponse:
    """The npm bundles (built at install, not committed); one flat folder, nothing above it."""
    path = (VENDOR_DIR / filename).resolve()
    if path.parent != VENDOR_DIR.resolve() or not path.is_file():
        raise NotFound(f"no vendored file {filename!r}"
                       + ("" if VENDOR_DIR.is_dir() else "; run `make install` to build the browser bundles"))
    return FileResponse(path, media_type=_VENDOR_TYPES.get(path.suffix, "application/octet-stream"),
                        headers={"Cache-Control": "public, max-age=3600"})


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask every site for one; an answer keeps a 404 out of every page's console."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
