"""The ontology's controlled vocabularies (SKOS concept schemes) and their concepts."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS


@dataclass(frozen=True)
class Concept:
    iri: str
    anchor: str | None
    label: str
    definition: str | None
    alt_labels: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    iri: str
    anchor: str | None
    label: str
    definition: str | None
    concepts: tuple[Concept, ...]


def _text(graph: Graph, term: URIRef, *predicates: URIRef) -> str | None:
    for predicate in predicates:
        values = [v for v in graph.objects(term, predicate) if isinstance(v, Literal)]
        english = sorted(str(v) for v in values if (v.language or "en").startswith("en"))
        if english or values:
            return (english or sorted(str(v) for v in values))[0]
    return None


def _anchor(iri: str, namespace: str) -> str | None:
    return iri[len(namespace):] if iri.startswith(namespace) and len(iri) > len(namespace) else None


def vocabularies(ontology: Graph, namespace: str) -> list[Vocabulary]:
    """Each concept scheme with its concepts, both ordered by label."""
    found = []
    for scheme in {s for s in ontology.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)}:
        members = {c for c in ontology.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)}
        members |= {c for c in ontology.subjects(SKOS.topConceptOf, scheme) if isinstance(c, URIRef)}
        concepts = tuple(sorted((
            Concept(iri=str(c), anchor=_anchor(str(c), namespace),
                    label=_text(ontology, c, SKOS.prefLabel, RDFS.label) or str(c),
                    definition=_text(ontology, c, SKOS.definition, RDFS.comment),
                    alt_labels=tuple(sorted(str(v) for v in ontology.objects(c, SKOS.altLabel))))
            for c in members), key=lambda c: (c.label.casefold(), c.iri)))
        found.append(Vocabulary(
            iri=str(scheme), anchor=_anchor(str(scheme), namespace),
            label=_text(ontology, scheme, DCTERMS.title, SKOS.prefLabel, RDFS.label) or str(scheme),
            definition=_text(ontology, scheme, SKOS.definition, DCTERMS.description, RDFS.comment),
            concepts=concepts))
    return sorted(found, key=lambda v: (v.label.casefold(), v.iri))
