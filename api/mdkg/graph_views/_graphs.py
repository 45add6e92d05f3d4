"""Views of whole graphs: the ontology as a readable list of terms, and a named graph's description."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, VOID, XSD

from mdkg.graph_views._model import NodeIndex, SourceRef, TermRef
from mdkg.graph_views._vocab import GraphRef, Vocab, local_name
from mdkg.store import Store

_ONTOLOGY_TERMS = """
SELECT ?term ?key ?value WHERE {
  VALUES ?key { rdf:type rdfs:label skos:definition rdfs:subClassOf rdfs:subPropertyOf rdfs:domain
                rdfs:range skos:inScheme dcterms:title dcterms:description owl:versionInfo skos:altLabel }
  GRAPH ?graph { ?term ?key ?value }
  FILTER(isIRI(?term))
}"""

_GRAPH_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) WHERE { GRAPH ?graph { ?s ?p ?o } }"""

_GRAPH_FACTS = """
SELECT (COUNT(DISTINCT ?fact) AS ?facts) (COUNT(DISTINCT ?quote) AS ?quotes) WHERE {
  GRAPH ?graph {
    ?fact prov:wasDerivedFrom ?source . FILTER(isIRI(?source))
    OPTIONAL { ?fact mdo:evidence ?quote }
  }
}"""

_GRAPH_DOCUMENTS = """
SELECT DISTINCT ?document ?key ?value WHERE {
  GRAPH ?graph { ?document rdf:type mdo:SourceDocument . ?document ?key ?value }
  VALUES ?key { rdfs:label dcterms:issued dcterms:publisher }
}"""


@dataclass(frozen=True)
class OntologyTerm:
    iri: str
    anchor: str | None
    """The fragment of an ``mdo:`` term (``State``), so that ``/ontology#State`` lands on it."""
    label: str
    definition: str | None
    parents: tuple[TermRef, ...]
    domain: tuple[TermRef, ...]
    range: tuple[TermRef, ...]
    alt_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class TermSection:
    title: str
    kind: str
    terms: tuple[OntologyTerm, ...]


@dataclass(frozen=True)
class OntologyOverview:
    iri: str
    title: str
    description: str | None
    version: str | None
    sections: tuple[TermSection, ...]


_SECTIONS = (
    ("Classes", "class", (OWL.Class, RDFS.Class)),
    ("Object properties", "object-property", (OWL.ObjectProperty,)),
    ("Data properties", "datatype-property", (OWL.DatatypeProperty,)),
    ("Annotation properties", "annotation-property", (OWL.AnnotationProperty,)),
    ("Concept schemes", "concept-scheme", (SKOS.ConceptScheme,)),
    ("Concepts", "concept", (SKOS.Concept,)),
)


def ontology_overview(store: Store, vocab: Vocab) -> OntologyOverview | None:
    """Classes, properties and concepts of the ontology graph, ``mdo:`` terms first; ``None`` if empty."""
    values: dict[URIRef, dict[URIRef, list[Any]]] = defaultdict(lambda: defaultdict(list))
    index = NodeIndex(vocab)
    for term, key, value in store.select(vocab.sparql_prologue() + _ONTOLOGY_TERMS,
                                         bindings={"graph": vocab.ontology_graph}).rows:
        if isinstance(term, URIRef) and isinstance(key, URIRef) and value is not None:
            values[term][key].append(value)
            index.add(term, key, value)
    if not values:
        return None

    def refs(term: URIRef, key: URIRef) -> tuple[TermRef, ...]:
        return tuple(sorted((index.term(v) for v in values[term].get(key, []) if isinstance(v, URIRef)),
                            key=lambda ref: ref.label.casefold()))

    def first_text(term: URIRef, key: URIRef) -> str | None:
        texts = [v for v in values[term].get(key, []) if isinstance(v, Literal)]
        english = [v for v in texts if (v.language or "en").startswith("en")]
        return str((english or texts)[0]) if texts else None

    mdo = str(vocab.mdo)
    sections = []
    for title, kind, classes in _SECTIONS:
        members = [t for t, v in values.items() if set(v.get(RDF.type, [])) & set(classes)]
        terms = tuple(
            OntologyTerm(
                iri=str(t), anchor=str(t)[len(mdo):] if str(t).startswith(mdo) else None,
                label=index.label(t), definition=first_text(t, SKOS.definition),
                parents=refs(t, RDFS.subClassOf) + refs(t, RDFS.subPropertyOf) + refs(t, SKOS.inScheme),
                domain=refs(t, RDFS.domain), range=refs(t, RDFS.range),
                alt_labels=tuple(sorted(str(v) for v in values[t].get(SKOS.altLabel, []))),
            )
            for t in sorted(members, key=lambda t: (not str(t).startswith(mdo), index.label(t).casefold()))
        )
        if terms:
            sections.append(TermSection(title, kind, terms))
    header = vocab.ontology
    return OntologyOverview(
        iri=str(header),
        title=first_text(header, DCTERMS.title) or local_name(str(header)),
        description=first_text(header, DCTERMS.description),
        version=first_text(header, OWL.versionInfo),
        sections=tuple(sections),
    )


@dataclass(frozen=True)
class GraphDescription:
    graph: GraphRef
    triples: int
    subjects: int
    facts: int
    quotations: int
    documents: tuple[SourceRef, ...]
    dump_path: str
    """Where the whole graph is downloaded (a path on this server)."""

    def as_json(self) -> dict[str, Any]:
        return {"graph": self.graph.as_json(), "triples": self.triples, "subjects": self.subjects,
                "facts": self.facts, "quotations": self.quotations,
                "documents": [d.as_json() for d in self.documents], "dump": self.dump_path}

    def as_void(self, dump_iri: str, vocab: Vocab) -> Graph:
        """A VoID description: the graph as a dataset with its size, its documents and its dump."""
        graph = Graph()
        for prefix, namespace in vocab.prefixes.items():
            graph.bind(prefix, namespace, override=True, replace=True)
        me = URIRef(self.graph.iri)
        graph.add((me, RDF.type, VOID.Dataset))
        title = f"{self.graph.kind} graph {local_name(self.graph.iri)}"
        graph.add((me, RDFS.label, Literal(title, lang="en")))
        graph.add((me, VOID.triples, Literal(self.triples, datatype=XSD.integer)))
        graph.add((me, VOID.distinctSubjects, Literal(self.subjects, datatype=XSD.integer)))
        graph.add((me, VOID.dataDump, URIRef(dump_iri)))
        for document in self.documents:
            graph.add((me, DCTERMS.source, URIRef(document.iri)))
            graph.add((URIRef(document.iri), RDFS.label, Literal(document.label, lang="en")))
        return graph


def graph_description(store: Store, vocab: Vocab, graph_iri: str, dump_path: str) -> GraphDescription | None:
    """Counts and documents of one named graph; ``None`` if the store has no such graph."""
    if graph_iri not in store.graphs():
        return None
    name = URIRef(graph_iri)
    prologue = vocab.sparql_prologue()
    counts = store.select(prologue + _GRAPH_COUNTS, bindings={"graph": name}).dicts()[0]
    facts = store.select(prologue + _GRAPH_FACTS, bindings={"graph": name}).dicts()[0]
    index = NodeIndex(vocab)
    documents: set[URIRef] = set()
    for document, key, value in store.select(prologue + _GRAPH_DOCUMENTS, bindings={"graph": name}).rows:
        if isinstance(document, URIRef) and isinstance(key, URIRef):
            documents.add(document)
            index.add(document, key, value)
    return GraphDescription(
        graph=vocab.graph_ref(graph_iri),
        triples=int(counts.get("triples", 0)), subjects=int(counts.get("subjects", 0)),
        facts=int(facts.get("facts", 0)), quotations=int(facts.get("quotes", 0)),
        documents=tuple(index.source(d) for d in sorted(documents)),
        dump_path=dump_path,
    )
