"""The documentation put together: pyLODE's term list, the diagram, the vocabularies and the shapes;
and written out as static files for ``dist/``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL

from mdkg.namespaces import PREFIXES, DatasetIris
from mdkg.ontology_docs._diagram import Diagram, class_diagram
from mdkg.ontology_docs._pylode import PylodeDocs, PylodeUnavailable, fragment_ids, pylode_docs
from mdkg.ontology_docs._shapes import ShapeDoc, shape_docs
from mdkg.ontology_docs._vocabularies import Vocabulary, vocabularies
from mdkg.settings import CANONICAL_BASE_IRI, Settings

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"
STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"
STYLESHEETS = ("mdkg.css", "ontology-docs.css")

# An asset the browser would fetch by itself: stylesheets, scripts, images, fonts, frames. Links a reader
# may follow (<a href>) are not assets.
_REMOTE_ASSET = re.compile(
    r"""<(?:script|img|iframe|source|embed|audio|video)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>"""
    r"""(?:\s*</script>)?"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//[^;]*;"""
    r"""|url\(\s*["']?(?:https?:)?//[^)]*\)""",
    re.IGNORECASE,
)


def remote_assets(html: str) -> list[str]:
    """The pieces of ``html`` that would make a browser fetch something from another site."""
    return [match.group(0) for match in _REMOTE_ASSET.finditer(html)]


def strip_remote_assets(html: str) -> str:
    """``html`` without anything a browser would fetch from another site, so the page works offline."""
    return _REMOTE_ASSET.sub("", html)


@dataclass(frozen=True)
class DocLinks:
    """Where the two documentation pages are, seen from each other (site paths or file names)."""

    ontology: str
    shapes: str


SITE_LINKS = DocLinks(ontology="/ontology", shapes="/shapes")
FILE_LINKS = DocLinks(ontology="index.html", shapes="shapes.html")


@dataclass(frozen=True)
class OntologyDocs:
    iri: str
    title: str
    description: str | None
    version: str | None
    version_iri: str | None
    pylode: PylodeDocs | None
    pylode_error: str | None
    """Why pyLODE's part is missing, when it is."""
    diagram: Diagram
    vocabularies: tuple[Vocabulary, ...]
    shapes: tuple[ShapeDoc, ...]
    links: DocLinks

    @property
    def severity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for shape in self.shapes:
            counts[shape.severity] = counts.get(shape.severity, 0) + 1
        return counts


def _text(graph: Graph, term: URIRef, predicate: URIRef) -> str | None:
    values = [v for v in graph.objects(term, predicate) if isinstance(v, Literal)]
    english = sorted(str(v) for v in values if (v.language or "en").startswith("en"))
    return (english or sorted(str(v) for v in values) or [None])[0]


def build_ontology_docs(ontology: Graph, shapes: Graph, base_iri: str = CANONICAL_BASE_IRI,
                        links: DocLinks = SITE_LINKS) -> OntologyDocs:
    """Document ``ontology`` (with its IRIs under ``base_iri``) and the ``shapes`` that check data."""
    iris = DatasetIris(base_iri)
    namespace = str(iris.mdo)
    header = URIRef(iris.ontology)
    prefixes = {prefix: iris.base + ns[len(CANONICAL_BASE_IRI):] if ns.startswith(CANONICAL_BASE_IRI) else ns
                for prefix, ns in PREFIXES.items()}
    for prefix, ns in prefixes.items():  # the same prefixes whether read from a file or from a store
        ontology.bind(prefix, ns, override=True, replace=True)
    ids = fragment_ids(ontology, namespace)
    shapes_namespace = iris.base + "shapes#"

    def term_link(iri: str) -> str | None:
        if iri in ids:
            return f"{links.ontology}#{ids[iri]}"
        if iri.startswith(shapes_namespace):
            return f"{links.shapes}#{iri[len(shapes_namespace):]}"
        return None

    try:
        pylode: PylodeDocs | None = pylode_docs(ontology, namespace)
        error = None
    except PylodeUnavailable as failure:
        pylode, error = None, str(failure)
    if pylode is not None:
        pylode = PylodeDocs(strip_remote_assets(pylode.html), pylode.toc, pylode.version)
    in_page = {iri: f"#{fragment}" for iri, fragment in ids.items()}
    prefixes["mds"] = shapes_namespace
    version_iri = ontology.value(header, OWL.versionIRI)
    return OntologyDocs(
        iri=str(header),
        title=_text(ontology, header, DCTERMS.title) or "The ontology",
        description=_text(ontology, header, DCTERMS.description),
        version=_text(ontology, header, OWL.versionInfo),
        version_iri=str(version_iri) if version_iri is not None else None,
        pylode=pylode, pylode_error=error,
        diagram=class_diagram(ontology, namespace, href=in_page, shapes=shapes),
        vocabularies=tuple(vocabularies(ontology, namespace)),
        shapes=tuple(shape_docs(shapes, term_link, prefixes)),
        links=links,
    )


def load_documented_graphs(settings: Settings) -> tuple[Graph, Graph]:
    """The ontology and the shapes as the files have them, moved to ``settings.base_iri``."""
    from mdkg.validation import load_ontology, load_shapes  # pyshacl loads slowly: only when building

    return load_ontology(settings, settings.base_iri), load_shapes(settings, settings.base_iri)


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)),
                       autoescape=select_autoescape(["html"]), trim_blocks=False)


def _stylesheet() -> str:
    return "\n".join((STATIC_DIR / name).read_text(encoding="utf-8") for name in STYLESHEETS)


def _write(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.partial")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)


def write_ontology_docs(settings: Settings, out_dir: Path) -> list[Path]:
    """Write ``index.html`` (the ontology), ``shapes.html`` and ``diagram.svg`` into ``out_dir``: pages
    that need nothing but themselves (styles inlined, no script, nothing fetched from elsewhere)."""
    ontology, shapes = load_documented_graphs(settings)
    docs = build_ontology_docs(ontology, shapes, settings.base_iri, FILE_LINKS)
    environment = _environment()
    common = {"docs": docs, "stylesheet": _stylesheet(), "standalone": True}
    pages = {
        "index.html": environment.get_template("ontology_standalone.html").render(
            page="ontology", alternates=[], **common),
        "shapes.html": environment.get_template("ontology_standalone.html").render(
            page="shapes", alternates=[], **common),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, html in pages.items():
        _write(out_dir / name, strip_remote_assets(html))
        written.append(out_dir / name)
    namespace = str(DatasetIris(settings.base_iri).mdo)
    on_index = {iri: f"{FILE_LINKS.ontology}#{fragment}"
                for iri, fragment in fragment_ids(ontology, namespace).items()}
    svg = class_diagram(ontology, namespace, href=on_index, shapes=shapes).svg
    _write(out_dir / "diagram.svg", '<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n")
    written.append(out_dir / "diagram.svg")
    return written
