"""Find entities by name: ``rdfs:label``, ``skos:prefLabel`` and ``skos:altLabel``, ignoring case and
accents (Unicode NFKD with combining marks dropped, then case folding, on both sides).

The folding runs in Python over the labels the store returns, so every backend gives the same answer
(SPARQL's ``LCASE`` knows no accents, and engines disagree on ``REPLACE`` with Unicode classes).
Only resources labelled in a source or reference graph are entities: the ontology's classes,
properties and concepts are not (they are listed at ``/ontology``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from mdkg.errors import ParameterError
from mdkg.graph_views._model import NodeIndex, NodeRef
from mdkg.graph_views._vocab import LABEL_PROPERTIES, Vocab, normalise_text
from mdkg.store import Store

MAX_QUERY_CHARS = 200

_LABELS = """
SELECT ?g ?x ?key ?value WHERE {
  VALUES ?key { rdfs:label skos:prefLabel skos:altLabel }
  GRAPH ?g { ?x ?key ?value }
  FILTER(isIRI(?x) && isLiteral(?value))
}"""

_TYPES = """
SELECT DISTINCT ?x ?type WHERE {
  GRAPH ?g { ?x rdf:type ?type }
  FILTER(isIRI(?x) && isIRI(?type))
}"""

_SUBCLASSES = """
SELECT DISTINCT ?sub ?super WHERE {
  GRAPH ?g { ?sub rdfs:subClassOf ?super }
  FILTER(isIRI(?sub) && isIRI(?super))
}"""


@dataclass(frozen=True)
class SearchHit:
    node: NodeRef
    matched_label: str | None
    """The label (as written in the data) that matched the query; ``None`` when listing by type."""

    def as_json(self) -> dict[str, Any]:
        return {**self.node.as_json(), "matched_label": self.matched_label}


@dataclass
class EntityCatalogue:
    """Every labelled resource with its types, and the class hierarchy: what search and paths need."""

    vocab: Vocab
    index: NodeIndex
    entities: set[URIRef]
    """Resources labelled outside the ontology graph."""
    superclasses: dict[URIRef, set[URIRef]]

    def subclasses_of(self, cls: URIRef) -> set[URIRef]:
        """``cls`` and every class below it (``rdfs:subClassOf`` read transitively)."""
        below: dict[URIRef, set[URIRef]] = defaultdict(set)
        for sub, supers in self.superclasses.items():
            for sup in supers:
                below[sup].add(sub)
        found, todo = {cls}, [cls]
        while todo:
            for sub in below.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return found

    def known_class(self, cls: URIRef) -> bool:
        used = any(cls in types for types in self.index.types.values())
        return used or cls in self.superclasses or any(cls in s for s in self.superclasses.values())


def load_catalogue(store: Store, vocab: Vocab) -> EntityCatalogue:
    """Three whole-dataset queries (labels, types, subclass axioms); fine for a dataset of this size."""
    prologue = vocab.sparql_prologue()
    index = NodeIndex(vocab)
    entities: set[URIRef] = set()
    for g, x, key, value in store.select(prologue + _LABELS).rows:
        if isinstance(x, URIRef) and isinstance(key, URIRef) and isinstance(value, Literal):
            index.add(x, key, value)
            if g != vocab.ontology_graph:
                entities.add(x)
    for x, type_iri in store.select(prologue + _TYPES).rows:
        if isinstance(x, URIRef) and isinstance(type_iri, URIRef):
            index.types[x].add(type_iri)
    superclasses: dict[URIRef, set[URIRef]] = defaultdict(set)
    for sub, sup in store.select(prologue + _SUBCLASSES).rows:
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            superclasses[sub].add(sup)
    return EntityCatalogue(vocab, index, entities, dict(superclasses))


def search_entities(store: Store, vocab: Vocab, q: str | None, type_name: str | None = None,
                    limit: int = 50) -> list[SearchHit]:
    """Entities whose label contains ``q`` (folded), best matches first; optionally only instances of
    ``type_name`` or its subclasses. An empty ``q`` lists the type's instances; with no type either it
    is a :class:`ParameterError`."""
    text = (q or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise ParameterError(f"q is longer than {MAX_QUERY_CHARS} characters", detail={"parameter": "q"})
    wanted = normalise_text(text)
    if text and not wanted:
        raise ParameterError("q has no letters or digits to search for", detail={"parameter": "q"})
    if not wanted and not type_name:
        raise ParameterError(
            "give q (a name or part of one, e.g. q=japan) or type (e.g. type=State) to list entities",
            detail={"parameter": "q"},
        )
    catalogue = load_catalogue(store, vocab)
    candidates: Iterable[URIRef] = catalogue.entities
    if type_name:
        cls = vocab.expand_class(type_name)
        if not catalogue.known_class(cls):
            raise ParameterError(f"unknown type {type_name!r} ({cls}); try State, Agreement, Fact...",
                                 detail={"parameter": "type", "iri": str(cls)})
        classes = catalogue.subclasses_of(cls)
        candidates = [e for e in candidates if catalogue.index.types.get(e, set()) & classes]

    scored: list[tuple[tuple[int, int, str, str], SearchHit]] = []
    for entity in candidates:
        node = catalogue.index.node(entity)
        if not wanted:
            scored.append(((0, 0, node.label.casefold(), node.iri), SearchHit(node, None)))
            continue
        match = _best_match(catalogue.index.labels.get(entity, set()), wanted)
        if match is not None:
            rank, label = match
            scored.append(((rank, len(label), node.label.casefold(), node.iri), SearchHit(node, label)))
    scored.sort(key=lambda item: item[0])
    return [hit for _, hit in scored[:limit]]


def _best_match(labels: Iterable[tuple[URIRef, Literal]], wanted: str) -> tuple[int, str] | None:
    """Rank 0: the whole label; 1: a word of it starts with the query; 2: anywhere inside."""
    best: tuple[int, int, str] | None = None
    for prop, literal in labels:
        if prop not in LABEL_PROPERTIES:
            continue
        folded = normalise_text(str(literal))
        if wanted not in folded:
            continue
        if folded == wanted:
            rank = 0
        elif folded.startswith(wanted) or f" {wanted}" in folded:
            rank = 1
        else:
            rank = 2
        key = (rank, 0 if prop == RDFS.label else 1, str(literal))
        if best is None or key < best:
            best = key
    return None if best is None else (best[0], best[2])
