"""pyLODE's documentation of the ontology's classes and properties, as a fragment for our own pages.

pyLODE 3.3.4 (its ``OntPub`` profile) does the work; four things are adjusted around it:

* it reads every ``skos:ConceptScheme`` as a second ontology header and merges their titles into the
  ontology's, so the schemes are hidden from it (the page lists the vocabularies itself);
* its fragment ids come from labels (``#fact``, ``#party1``), while an ontology term's IRI is
  ``/ontology#Fact``: ids are given beforehand, the IRI's fragment for each ``mdo:`` term and
  ``prefix-Local`` for the terms it reuses, so every ``/ontology#Term`` link lands on its term;
* a functional property is listed twice (with its kind and again as functional): the second entry's id
  is renamed so that ids stay unique;
* only the body sections are kept (no head, stylesheet, floating logo or table of contents): the page
  around them is ours, offline, and builds its own table of contents from pyLODE's.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

PYLODE_VERSION = "3.3.4"

_SECTION_TITLES = {
    "classes": "Classes",
    "properties": "Properties",
    "objectproperties": "Object properties",
    "datatypeproperties": "Datatype properties",
    "annotationproperties": "Annotation properties",
    "functionalproperties": "Functional properties",
}
_FUNCTIONAL_PREFIX = "functional-"
# dominate (pyLODE's HTML builder) keeps the element being built per thread, but pyLODE also loads and
# caches its background ontologies on first use: one generation at a time.
_LOCK = threading.Lock()


class PylodeUnavailable(RuntimeError):
    """pyLODE is not installed, or it refused the ontology (for instance without a title)."""


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    label: str
    vocabulary: str | None = None
    """The prefix of a term reused from another vocabulary (``prov``), ``None`` for the ontology's own."""


@dataclass(frozen=True)
class TocSection:
    anchor: str
    title: str
    entries: tuple[TocEntry, ...]


@dataclass(frozen=True)
class PylodeDocs:
    html: str
    """The sections pyLODE wrote (metadata, classes, properties, namespaces, legend), as HTML."""
    toc: tuple[TocSection, ...]
    version: str


def fragment_ids(ontology: Graph, namespace: str) -> dict[str, str]:
    """The HTML id of each term the documentation shows: the IRI's fragment for the ontology's own
    terms, ``prefix-Local`` for terms of other vocabularies (never equal to an ontology fragment)."""
    ids: dict[str, str] = {}
    prefixes = sorted(((str(ns), prefix) for prefix, ns in ontology.namespaces() if prefix),
                      key=lambda pair: -len(pair[0]))
    taken: set[str] = set()
    subjects = sorted({s for s in ontology.subjects() if isinstance(s, URIRef)}, key=str)
    for subject in subjects:
        iri = str(subject)
        if iri.startswith(namespace) and len(iri) > len(namespace):
            ids[iri] = iri[len(namespace):]
            taken.add(ids[iri])
    for subject in subjects:
        iri = str(subject)
        if iri in ids:
            continue
        candidate = next((f"{prefix}-{iri[len(ns):]}" for ns, prefix in prefixes
                          if iri.startswith(ns) and len(iri) > len(ns)), None)
        if candidate is None:
            continue
        candidate = re.sub(r"[^A-Za-z0-9_.:-]", "_", candidate)
        while candidate in taken:
            candidate += "_"
        ids[iri] = candidate
        taken.add(candidate)
    return ids


def _for_pylode(ontology: Graph, namespace: str) -> Graph:
    """A copy without concept-scheme typing, its triples added subject by subject: the ontology's own
    terms first, each group by label, since pyLODE lists terms in the order the graph yields them."""
    # Only the prefixes the terms use: pyLODE compares every term with every bound namespace, and
    # rdflib binds dozens by default.
    copy = Graph(bind_namespaces="core")
    used = {str(t) for triple in ontology for t in triple if isinstance(t, URIRef)}
    for prefix, ns in ontology.namespaces():
        if prefix and any(iri.startswith(str(ns)) for iri in used):
            copy.bind(prefix, ns, override=True, replace=True)

    def order(subject: Node) -> tuple[bool, str, str]:
        label = ontology.value(subject, RDFS.label)
        text = str(subject)
        return not text.startswith(namespace), str(label or text).casefold(), text

    for subject in sorted(set(ontology.subjects()), key=order):
        for predicate, value in sorted(ontology.predicate_objects(subject)):
            if predicate == RDF.type and value == SKOS.ConceptScheme:
                continue
            copy.add((subject, predicate, value))
    return copy


def pylode_docs(ontology: Graph, namespace: str) -> PylodeDocs:
    """Run pyLODE on ``ontology`` (whose own terms are under ``namespace``)."""
    ids = fragment_ids(ontology, namespace)
    with _LOCK, _root_logging_kept():
        pylode, OntPub, PylodeError = _import_pylode()
        try:
            publication: Any = OntPub(_for_pylode(ontology, namespace))
        except PylodeError as error:
            raise PylodeUnavailable(str(error)) from error
        publication.fids.update(ids)
        publication._make_metadata()
        publication._make_main_sections()
        publication._make_namespaces()
        publication._make_legend()
        _rename_functional_duplicates(publication.content)
        html = publication.content.render()
        toc = _table_of_contents(publication.toc, ids, namespace)
    return PylodeDocs(html=html, toc=toc, version=getattr(pylode, "__version__", PYLODE_VERSION))


@contextmanager
def _root_logging_kept() -> Iterator[None]:
    """Undo what pyLODE does to the root logger: one of its modules calls
    ``logging.basicConfig(level=DEBUG)`` when imported, and it logs with ``logging.info``, which
    configures the root logger when nothing has. Either would make a server log every library's
    messages to standard error."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # basicConfig does nothing to a root logger that has a handler: give it one meanwhile.
    placeholder = logging.NullHandler()
    root.addHandler(placeholder)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def _import_pylode() -> tuple[Any, Any, type[Exception]]:
    """pyLODE's module, its OntPub profile and its error."""
    try:
        import pylode
        from pylode.profiles.ontpub import OntPub
        from pylode.utils import PylodeError
    except ImportError as error:  # pragma: no cover - pylode is a dependency
        raise PylodeUnavailable(f"pyLODE is not installed: {error}") from error
    return pylode, OntPub, PylodeError


def _rename_functional_duplicates(content: Any) -> None:
    for section in content.get(id="functionalproperties"):
        for element in section.children:
            element_id = getattr(element, "attributes", {}).get("id")
            if element_id:
                element.attributes["id"] = _FUNCTIONAL_PREFIX + element_id


def _table_of_contents(toc: dict[str, list[tuple[str, Any]]], ids: dict[str, str],
                       namespace: str) -> tuple[TocSection, ...]:
    """pyLODE's table of contents, each section's own terms first, then reused ones, by label."""
    reused = {fragment: fragment.split("-", 1)[0] for iri, fragment in ids.items()
              if not iri.startswith(namespace) and "-" in fragment}
    sections = []
    for key, title in _SECTION_TITLES.items():
        entries = [TocEntry(href.lstrip("#"), _label(label), reused.get(href.lstrip("#")))
                   for href, label in toc.get(key) or []]
        if entries:
            entries.sort(key=lambda e: (e.vocabulary is not None, e.label.casefold(), e.anchor))
            sections.append(TocSection(key, title, tuple(entries)))
    return tuple(sections)


def _label(label: Any) -> str:
    if isinstance(label, list | tuple):
        return str(label[0]) if label else ""
    return str(label)
