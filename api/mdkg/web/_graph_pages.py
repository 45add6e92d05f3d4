"""What the linked-data, entity and path pages share: the deployment's IRIs, negotiation between
HTML and data, and rendering a template that extends ``base.html``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from mdkg.errors import MdkgError, NotAcceptable
from mdkg.formats import RdfFormat
from mdkg.graph_views import Vocab
from mdkg.web.negotiation import choose
from mdkg.web.state import app_state

HTML = "text/html"
JSON = "application/json"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_TEMPLATES_KEY = "graph_pages.templates"


def vocab_for(request: Request) -> Vocab:
    return Vocab(app_state(request).settings.base_iri)


def negotiate(request: Request, offered: Sequence[str], what: str) -> str:
    """The offered media type the client prefers; 406 (listing what there is) when none is acceptable."""
    chosen = choose(request.headers.get("accept"), offered)
    if chosen is None:
        raise NotAcceptable(f"{what} is available as " + ", ".join(offered),
                            detail={"available": list(offered)})
    return chosen


def prefers_html(request: Request) -> bool:
    """A browser (its ``Accept`` ranks HTML above JSON) rather than a program."""
    return choose(request.headers.get("accept"), [JSON, HTML]) == HTML


def _templates(request: Request) -> Jinja2Templates:
    extras = app_state(request).extras
    templates = extras.get(_TEMPLATES_KEY)
    if templates is None:
        templates = extras[_TEMPLATES_KEY] = Jinja2Templates(directory=str(TEMPLATES_DIR))
    return templates


class Linker:
    """Where a page links an IRI: its path on this server when the IRI is ours, else the IRI itself."""

    def __init__(self, vocab: Vocab) -> None:
        self._vocab = vocab

    def __call__(self, iri: str) -> str:
        return self._vocab.local_path(iri) or iri


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    vocab = vocab_for(request)
    full = {"link": Linker(vocab), "vocab": vocab, **context}
    return _templates(request).TemplateResponse(request, template, full, status_code=status_code,
                                                headers=headers)


def html_error(request: Request, error: MdkgError, *, title: str | None = None) -> HTMLResponse:
    """The small HTML page a browser gets instead of the JSON envelope."""
    page_title = title or ("Not found" if error.status == 404 else "Error")
    return render(request, "resource_error.html", {"page_title": page_title, "error": error},
                  status_code=error.status, headers={"Vary": "Accept"})


_FORMAT_NAMES = {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML",
                 "trig": "TriG", "nquads": "N-Quads"}


def alternate_links(path: str, formats: Sequence[RdfFormat]) -> list[tuple[str, str]]:
    """(name, link) of each RDF representation of the resource at ``path``, for a page's footer."""
    return [(_FORMAT_NAMES.get(fmt.name, fmt.name), f"{path}.{fmt.suffix}") for fmt in formats]


def json_response(body: object, *, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, headers={"Vary": "Accept", **(headers or {})})
