"""What the views hand out: nodes with labels and types, sources, provenance. Each has ``as_json``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from mdkg.graph_views._vocab import LABEL_PROPERTIES, GraphRef, Vocab, best_label, local_name


@dataclass(frozen=True)
class TermRef:
    """A class or property with its label."""

    iri: str
    label: str

    def as_json(self) -> dict[str, Any]:
        return {"iri": self.iri, "label": self.label}


@dataclass(frozen=True)
class NodeRef:
    """A resource as a reader meets it: IRI, short id below ``<base>id/``, label, asserted types."""

    iri: str
    id: str | None
    label: str
    types: tuple[TermRef, ...] = ()
    path: str | None = None
    """Where this server dereferences it (``/id/japan``), ``None`` for IRIs of other sites."""

    def as_json(self) -> dict[str, Any]:
        return {"iri": self.iri, "id": self.id, "label": self.label,
                "types": [t.as_json() for t in self.types]}


@dataclass(frozen=True)
class SourceRef:
    """A source document: the one a fact was transcribed from."""

    iri: str
    label: str
    publisher: str | None = None
    issued: str | None = None
    path: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"iri": self.iri, "label": self.label, "publisher": self.publisher, "issued": self.issued}


@dataclass(frozen=True)
class Provenance:
    """Why a link is there: the fact node that asserts it, in which graph, from which document,
    with the verbatim quotes (``mdo:evidence/oa:exact``) that support it."""

    fact: NodeRef
    graph: GraphRef
    sources: tuple[SourceRef, ...]
    quotes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"fact": {"iri": self.fact.iri, "id": self.fact.id, "label": self.fact.label},
                "graph": self.graph.as_json(),
                "sources": [s.as_json() for s in self.sources],
                "quotes": list(self.quotes)}


@dataclass
class NodeIndex:
    """Labels, types and source-document details of the IRIs a view shows, gathered from the store."""

    vocab: Vocab
    labels: dict[URIRef, set[tuple[URIRef, Literal]]] = field(default_factory=lambda: defaultdict(set))
    types: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    values: dict[tuple[URIRef, URIRef], set[Literal]] = field(default_factory=lambda: defaultdict(set))

    def add(self, subject: URIRef, predicate: URIRef, value: object) -> None:
        """Record one annotation triple (label, type, issued date, publisher)."""
        if predicate in LABEL_PROPERTIES and isinstance(value, Literal):
            self.labels[subject].add((predicate, value))
        elif predicate == RDF.type and isinstance(value, URIRef):
            self.types[subject].add(value)
        elif isinstance(value, Literal):
            self.values[(subject, predicate)].add(value)

    def label(self, iri: URIRef) -> str:
        return best_label(self.labels.get(iri, ())) or local_name(str(iri))

    def value(self, iri: URIRef, predicate: URIRef) -> str | None:
        found = sorted(str(v) for v in self.values.get((iri, predicate), ()))
        return found[0] if found else None

    def term(self, iri: URIRef) -> TermRef:
        return TermRef(str(iri), self.label(iri))

    def type_refs(self, iri: URIRef) -> tuple[TermRef, ...]:
        return tuple(sorted((TermRef(str(t), self.label(t)) for t in self.types.get(iri, ())),
                            key=lambda t: (t.label.casefold(), t.iri)))

    def node(self, iri: URIRef) -> NodeRef:
        text = str(iri)
        return NodeRef(text, self.vocab.local_id(text), self.label(iri), self.type_refs(iri),
                       self.vocab.local_path(text))

    def source(self, iri: URIRef) -> SourceRef:
        text = str(iri)
        return SourceRef(text, self.label(iri), self.value(iri, DCTERMS.publisher),
                         self.value(iri, DCTERMS.issued), self.vocab.local_path(text))
