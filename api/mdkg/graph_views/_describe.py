"""The neighbourhood of one resource: every triple it is subject or object of, in every named graph,
with the blank nodes those triples lead to (quotations, amounts), the provenance of the fact nodes that
point at it, and the labels and types of everything it links to.

Two queries bound to the resource with ``bindings=`` (blank nodes are followed inside the query that
finds them, because a blank node cannot be named in a later query), and one for labels and types.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from mdkg.graph_views._model import NodeIndex, Provenance
from mdkg.graph_views._vocab import LABEL_PROPERTIES, Vocab
from mdkg.namespaces import OA
from mdkg.store import Store, Term

Quad = tuple[Term, URIRef, Term, URIRef]
"""subject, predicate, object, named graph."""

_OUTGOING = """
SELECT ?g ?p ?o ?bp ?bo ?cp ?co WHERE {
  GRAPH ?g {
    ?entity ?p ?o .
    OPTIONAL {
      ?o ?bp ?bo . FILTER(isBlank(?o))
      OPTIONAL { ?bo ?cp ?co . FILTER(isBlank(?bo)) }
    }
  }
}"""

# For an incoming link the subject's own provenance is kept (a fact node's source and quotes), and a
# blank subject (a quotation taken from a document) is described whole.
_INCOMING = """
SELECT ?g ?s ?p ?sp ?so ?cp ?co WHERE {
  GRAPH ?g {
    ?s ?p ?entity .
    OPTIONAL {
      ?s ?sp ?so .
      FILTER(isBlank(?s) || ?sp = prov:wasDerivedFrom || ?sp = mdo:evidence)
      OPTIONAL { ?so ?cp ?co . FILTER(isBlank(?so)) }
    }
  }
}"""

# Labels, types and document details of every IRI, filtered in Python to those the description
# mentions: one scan is faster on every backend than joining labels to a resource's surroundings
# (rdflib takes seconds for that join), and this dataset's label table is small.
_ANNOTATIONS = """
SELECT ?g ?x ?key ?value WHERE {
  GRAPH ?g { ?x ?key ?value }
  FILTER(isIRI(?x) && ?key IN (rdfs:label, skos:prefLabel, skos:altLabel, rdf:type, dcterms:issued,
                              dcterms:publisher))
}"""


@dataclass
class Neighbourhood:
    """What the store holds around ``entity``; empty ``quads`` means the store does not know it."""

    vocab: Vocab
    entity: URIRef
    quads: set[Quad] = field(default_factory=set)
    """Triples with the entity as subject or object, plus blank-node closure and incoming facts'
    provenance, each with its named graph."""
    annotations: set[Quad] = field(default_factory=set)
    """Labels, types and document details of the linked resources, with their graphs."""
    index: NodeIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = NodeIndex(self.vocab)

    @property
    def exists(self) -> bool:
        return bool(self.quads)

    # --- reading the quads ------------------------------------------------------------------------

    def outgoing(self) -> list[Quad]:
        return [q for q in self.quads if q[0] == self.entity]

    def incoming(self) -> list[Quad]:
        return [q for q in self.quads if q[2] == self.entity and q[0] != self.entity]

    def objects(self, subject: Term, predicate: URIRef, graph: URIRef | None = None) -> list[Term]:
        return [o for s, p, o, g in self.quads
                if s == subject and p == predicate and (graph is None or g == graph)]

    def fields_of(self, node: BNode, graph: URIRef) -> list[tuple[URIRef, Term]]:
        """The predicate/object pairs of a blank node (an amount, a quotation)."""
        return sorted(((p, o) for s, p, o, g in self.quads if s == node and g == graph),
                      key=lambda pair: (str(pair[0]), str(pair[1])))

    def graphs(self) -> list[URIRef]:
        return sorted({q[3] for q in self.quads if q[0] == self.entity or q[2] == self.entity})

    def provenance(self, fact: Term, graph: URIRef) -> Provenance | None:
        """The source documents and quotes a fact node carries in ``graph``; ``None`` for a non-fact."""
        if not isinstance(fact, URIRef):
            return None
        sources = [s for s in self.objects(fact, PROV.wasDerivedFrom, graph) if isinstance(s, URIRef)]
        if not sources:
            return None
        quotes = sorted({str(q) for node in self.objects(fact, self.vocab.evidence, graph)
                         for q in self.objects(node, OA.exact, graph) if isinstance(q, Literal)})
        return Provenance(self.index.node(fact), self.vocab.graph_ref(str(graph)),
                          tuple(self.index.source(s) for s in sorted(sources)), tuple(quotes))

    # --- as RDF -----------------------------------------------------------------------------------

    def _labelled_quads(self) -> set[Quad]:
        mentioned = {t for q in self.quads for t in (q[0], q[1], q[2]) if isinstance(t, URIRef)}
        mentioned.discard(self.entity)
        return {q for q in self.annotations if q[0] in mentioned and q[1] == RDFS.label}

    def _bind_prefixes(self, graph: Graph) -> None:
        for prefix, namespace in self.vocab.prefixes.items():
            graph.bind(prefix, namespace, override=True, replace=True)

    def as_dataset(self) -> Dataset:
        """The description with its named graphs (for TriG and N-Quads)."""
        dataset = Dataset()
        self._bind_prefixes(dataset)
        for s, p, o, g in self.quads | self._labelled_quads():
            dataset.graph(g).add((s, p, o))
        return dataset

    def as_graph(self) -> Graph:
        """The description merged into one graph (for the triple formats)."""
        graph = Graph()
        self._bind_prefixes(graph)
        for s, p, o, _ in self.quads | self._labelled_quads():
            graph.add((s, p, o))
        return graph


_KNOWN = "ASK { GRAPH ?g { { ?iri ?p ?o } UNION { ?s ?p ?iri } } }"


def is_known(store: Store, iri: URIRef) -> bool:
    """Whether any named graph has ``iri`` as a subject or an object."""
    return store.ask(_KNOWN, bindings={"iri": iri})


def describe(store: Store, vocab: Vocab, entity: URIRef) -> Neighbourhood:
    """Gather the neighbourhood of ``entity``."""
    hood = Neighbourhood(vocab, entity)
    prologue = vocab.sparql_prologue()
    bound = {"entity": entity}
    for g, p, o, bp, bo, cp, co in store.select(prologue + _OUTGOING, bindings=bound).rows:
        _add_chain(hood.quads, g, [(entity, p, o), (o, bp, bo), (bo, cp, co)])
    for g, s, p, sp, so, cp, co in store.select(prologue + _INCOMING, bindings=bound).rows:
        _add_chain(hood.quads, g, [(s, p, entity), (s, sp, so), (so, cp, co)])
    if hood.quads:
        hood.annotations = _annotations_of(store.select(prologue + _ANNOTATIONS).rows, hood.quads)
    _index(hood, hood.quads)
    _index(hood, hood.annotations)
    return hood


def _add_chain(quads: set[Quad], graph: Term | None, chain: Iterable[tuple[Term | None, ...]]) -> None:
    if not isinstance(graph, URIRef):
        return  # only named graphs hold the dataset (see docs/data-model.md)
    for s, p, o in chain:
        if s is None or o is None or not isinstance(p, URIRef):
            return  # the rest of an OPTIONAL chain is unbound too
        quads.add((s, p, o, graph))


def _annotations_of(rows: Iterable[tuple[Term | None, ...]], quads: set[Quad]) -> set[Quad]:
    """The annotation rows about IRIs the quads mention, and about the types of those IRIs."""
    by_subject: dict[URIRef, list[Quad]] = defaultdict(list)
    for g, x, key, value in rows:
        if isinstance(g, URIRef) and isinstance(x, URIRef) and isinstance(key, URIRef) and value is not None:
            by_subject[x].append((x, key, value, g))
    mentioned = {t for q in quads for t in q[:3] if isinstance(t, URIRef)}
    types = {q[2] for x in mentioned for q in by_subject.get(x, ()) if q[1] == RDF.type}
    return {q for x in mentioned | types for q in by_subject.get(x, ())}


def _index(hood: Neighbourhood, quads: Iterable[Quad]) -> None:
    wanted = {*LABEL_PROPERTIES, RDF.type, DCTERMS.issued, DCTERMS.publisher}
    for s, p, o, _ in quads:
        if isinstance(s, URIRef) and p in wanted:
            hood.index.add(s, p, o)
