"""How two entities are connected: the shortest chains of links between them, each step with the
fact node that asserts it (its source document and verbatim quotes).

The graph walked is undirected and made of links between IRIs found in the source and reference
graphs (the ontology graph is not walked). Left out, because they would make every path trivial or
lead nowhere a reader cares about:

* ``rdf:type`` (everything would meet at its class);
* provenance links: ``prov:wasDerivedFrom``, ``prov:wasQuotedFrom``, ``mdo:yearSuppliedFrom``,
  ``mdo:evidence`` and ``dcterms:source`` (every fact shares its source document; every state
  shares the reference-data record);
* geography from the reference data: ``mdo:continent`` and ``mdo:unRegion`` (two Asian states are
  not thereby related in diplomacy);
* links to other sites' identifiers (``skos:exactMatch``, ``skos:closeMatch``) and to the ontology's
  own terms (``mdo:countedClass``, ``skos:inScheme``, and any link to a class or to a concept of a
  scheme, such as ``mdo:status mdo:Signed`` that every signed agreement shares);
* nodes typed ``mdo:SourceDocument``, ``skos:Concept`` (``mdo:Region`` included) or
  ``skos:ConceptScheme``.

Paths are simple (no node twice) and listed shortest first; among paths of one length, the most
specific first (the lowest sum of the log-degrees of their inner nodes, so that a path through a
hub such as the United States, party to every US agreement, comes after one through nodes with few
links). All links between two consecutive nodes form one step. Paths of each length are enumerated
in turn, only along nodes from which the target is still reachable within the hops left, until
``limit`` paths are found or a fixed amount of work is spent (``truncated`` then says so).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from mdkg.errors import NotFound, ParameterError
from mdkg.graph_views._describe import is_known
from mdkg.graph_views._model import NodeRef, Provenance, SourceRef, TermRef
from mdkg.graph_views._search import EntityCatalogue, load_catalogue
from mdkg.graph_views._vocab import GraphRef, Vocab
from mdkg.store import Store

DEFAULT_MAX_HOPS = 4
MAX_HOPS_CAP = 6
DEFAULT_LIMIT = 10
LIMIT_CAP = 50
_WORK_BUDGET = 200_000
"""Partial paths extended before giving up; a bound on time, not a tuning knob for results."""

# Every link between two IRIs; the excluded properties are dropped in Python (they are few and cheap
# to skip, and the query text then holds nothing but constants).
_EDGES = """
SELECT DISTINCT ?g ?s ?p ?o WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(isIRI(?s) && isIRI(?o))
}"""

_PROVENANCE = """
SELECT ?g ?source ?quote WHERE {
  GRAPH ?g {
    ?fact prov:wasDerivedFrom ?source .
    OPTIONAL { ?fact mdo:evidence ?quotation . ?quotation oa:exact ?quote }
  }
}"""

_SOURCE_DETAILS = """
SELECT ?key ?value WHERE {
  VALUES ?key { rdfs:label dcterms:issued dcterms:publisher }
  GRAPH ?g { ?source ?key ?value }
}"""


def excluded_classes(vocab: Vocab) -> tuple[URIRef, ...]:
    return (vocab.source_document, SKOS.Concept, SKOS.ConceptScheme, OWL.Class, RDFS.Class)


def excluded_properties(vocab: Vocab) -> tuple[URIRef, ...]:
    mdo = vocab.mdo
    return (RDF.type, PROV.wasDerivedFrom, PROV.wasQuotedFrom, mdo.yearSuppliedFrom, mdo.evidence,
            DCTERMS.source, mdo.continent, mdo.unRegion, mdo.countedClass, SKOS.exactMatch,
            SKOS.closeMatch, SKOS.inScheme, SKOS.topConceptOf, RDFS.subClassOf, RDFS.seeAlso)


@dataclass(frozen=True)
class Edge:
    subject: URIRef
    predicate: URIRef
    object: URIRef
    graph: URIRef


@dataclass(frozen=True)
class StepLink:
    """One link of a step: ``subject predicate object``, walked along (``forward``) or against it."""

    subject: str
    property: TermRef
    object: str
    direction: str
    graph: GraphRef
    provenance: Provenance | None

    def as_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "property": self.property.as_json(), "object": self.object,
                "direction": self.direction, "graph": self.graph.as_json(),
                "provenance": None if self.provenance is None else self.provenance.as_json()}


@dataclass(frozen=True)
class Step:
    source: NodeRef
    target: NodeRef
    links: tuple[StepLink, ...]

    def as_json(self) -> dict[str, Any]:
        return {"from": self.source.iri, "to": self.target.iri,
                "links": [link.as_json() for link in self.links]}


@dataclass(frozen=True)
class Path:
    nodes: tuple[NodeRef, ...]
    steps: tuple[Step, ...]

    @property
    def hops(self) -> int:
        return len(self.steps)

    def as_json(self) -> dict[str, Any]:
        return {"hops": self.hops, "nodes": [n.as_json() for n in self.nodes],
                "steps": [s.as_json() for s in self.steps]}


@dataclass(frozen=True)
class PathResult:
    source: NodeRef
    target: NodeRef
    max_hops: int
    limit: int
    paths: tuple[Path, ...]
    truncated: bool
    excluded_properties: tuple[str, ...]
    excluded_classes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.source.as_json(), "to": self.target.as_json(),
            "max_hops": self.max_hops, "limit": self.limit, "count": len(self.paths),
            "truncated": self.truncated,
            "paths": [p.as_json() for p in self.paths],
            "excluded": {"properties": list(self.excluded_properties),
                         "classes": list(self.excluded_classes)},
        }


@dataclass
class _Adjacency:
    neighbours: dict[URIRef, dict[URIRef, list[Edge]]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, edge: Edge) -> None:
        self.neighbours[edge.subject].setdefault(edge.object, []).append(edge)
        self.neighbours[edge.object].setdefault(edge.subject, []).append(edge)


def _adjacency(store: Store, vocab: Vocab, catalogue: EntityCatalogue) -> _Adjacency:
    walked_kinds = {"source", "reference"}
    banned_classes = set(excluded_classes(vocab))
    for cls in list(banned_classes):
        banned_classes |= catalogue.subclasses_of(cls)

    def walkable(node: URIRef) -> bool:
        if vocab.is_vocabulary_term(str(node)):
            return False
        return not (catalogue.index.types.get(node, set()) & banned_classes)

    adjacency = _Adjacency()
    excluded = set(excluded_properties(vocab))
    for g, s, p, o in store.select(_EDGES).rows:
        if not (isinstance(g, URIRef) and isinstance(s, URIRef) and isinstance(p, URIRef)
                and isinstance(o, URIRef)) or s == o or p in excluded:
            continue
        if vocab.graph_ref(str(g)).kind in walked_kinds and walkable(s) and walkable(o):
            adjacency.add(Edge(s, p, o, g))
    return adjacency


def _distances(adjacency: _Adjacency, target: URIRef, max_hops: int) -> dict[URIRef, int]:
    distance = {target: 0}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        if distance[node] == max_hops:
            continue
        for neighbour in adjacency.neighbours.get(node, {}):
            if neighbour not in distance:
                distance[neighbour] = distance[node] + 1
                queue.append(neighbour)
    return distance


def _enumerate(adjacency: _Adjacency, source: URIRef, target: URIRef, max_hops: int, limit: int,
               order: dict[URIRef, str]) -> tuple[list[list[URIRef]], bool]:
    """Simple paths from ``source`` to ``target``: by length, then most specific first; at most
    ``limit``. Also says whether the work budget ran out (the list may then miss some paths)."""
    distance = _distances(adjacency, target, max_hops)
    if source not in distance:
        return [], False
    found: list[list[URIRef]] = []
    budget = _Budget(_WORK_BUDGET)
    for length in range(max(distance[source], 1), max_hops + 1):
        of_length: list[list[URIRef]] = []
        _paths_of_length(adjacency, distance, [source], {source}, target, length, of_length, budget)
        of_length.sort(key=lambda path: (_specificity(adjacency, path), [order.get(n, "") for n in path]))
        found.extend(of_length[:limit - len(found)])
        if len(found) >= limit or budget.exhausted:
            break
    return found, budget.exhausted


@dataclass
class _Budget:
    left: int
    exhausted: bool = False

    def spend(self) -> bool:
        self.left -= 1
        self.exhausted = self.left < 0
        return not self.exhausted


def _paths_of_length(adjacency: _Adjacency, distance: dict[URIRef, int], path: list[URIRef],
                     on_path: set[URIRef], target: URIRef, length: int, found: list[list[URIRef]],
                     budget: _Budget) -> None:
    """Depth-first, only towards nodes from which ``target`` stays reachable in the hops left."""
    hops_after_move = len(path)
    for neighbour in adjacency.neighbours.get(path[-1], {}):
        if neighbour in on_path or hops_after_move + distance.get(neighbour, length + 1) > length:
            continue
        if not budget.spend():
            return
        if neighbour == target:
            if hops_after_move == length:
                found.append([*path, neighbour])
            continue  # a path never passes through its end
        path.append(neighbour)
        on_path.add(neighbour)
        _paths_of_length(adjacency, distance, path, on_path, target, length, found, budget)
        path.pop()
        on_path.discard(neighbour)
        if budget.exhausted:
            return


def _specificity(adjacency: _Adjacency, path: list[URIRef]) -> float:
    """Sum of the log-degrees of the inner nodes: a path through a hub (a state party to everything,
    an event everyone attended) says less than one through a node with few links."""
    return sum(math.log(len(adjacency.neighbours.get(node, {})) or 1) for node in path[1:-1])


def _provenance(store: Store, vocab: Vocab, catalogue: EntityCatalogue, fact: URIRef,
                cache: dict[URIRef, dict[URIRef, Provenance]],
                sources: dict[URIRef, SourceRef]) -> dict[URIRef, Provenance]:
    """Provenance of ``fact`` per graph (empty for a node that is not a fact)."""
    if fact in cache:
        return cache[fact]
    prologue = vocab.sparql_prologue()
    by_graph: dict[URIRef, tuple[set[URIRef], set[str]]] = {}
    for g, source, quote in store.select(prologue + _PROVENANCE, bindings={"fact": fact}).rows:
        if not isinstance(g, URIRef) or not isinstance(source, URIRef):
            continue
        documents, quotes = by_graph.setdefault(g, (set(), set()))
        documents.add(source)
        if isinstance(quote, Literal):
            quotes.add(str(quote))
    result: dict[URIRef, Provenance] = {}
    for g, (documents, quotes) in by_graph.items():
        refs = []
        for document in sorted(documents):
            if document not in sources:
                sources[document] = _source_ref(store, vocab, catalogue, document)
            refs.append(sources[document])
        result[g] = Provenance(catalogue.index.node(fact), vocab.graph_ref(str(g)), tuple(refs),
                               tuple(sorted(quotes)))
    cache[fact] = result
    return result


def _source_ref(store: Store, vocab: Vocab, catalogue: EntityCatalogue, document: URIRef) -> SourceRef:
    details: dict[str, str] = {}
    for key, value in store.select(vocab.sparql_prologue() + _SOURCE_DETAILS,
                                   bindings={"source": document}).rows:
        if isinstance(key, URIRef) and value is not None:
            name = {RDFS.label: "label", DCTERMS.issued: "issued", DCTERMS.publisher: "publisher"}[key]
            details.setdefault(name, str(value))
    return SourceRef(str(document), catalogue.index.label(document), details.get("publisher"),
                     details.get("issued"), vocab.local_path(str(document)))


@dataclass
class _StepDescriber:
    """Turns a pair of consecutive nodes into a :class:`Step`, fetching each fact's provenance once."""

    store: Store
    vocab: Vocab
    catalogue: EntityCatalogue
    adjacency: _Adjacency
    provenance: dict[URIRef, dict[URIRef, Provenance]] = field(default_factory=dict)
    sources: dict[URIRef, SourceRef] = field(default_factory=dict)

    def __call__(self, here: URIRef, there: URIRef) -> Step:
        index = self.catalogue.index
        links = []
        for edge in sorted(self.adjacency.neighbours[here][there],
                           key=lambda e: (str(e.predicate), str(e.subject), str(e.graph))):
            provenance = _provenance(self.store, self.vocab, self.catalogue, edge.subject, self.provenance,
                                     self.sources).get(edge.graph)
            links.append(StepLink(str(edge.subject), index.term(edge.predicate), str(edge.object),
                                  "forward" if edge.subject == here else "backward",
                                  self.vocab.graph_ref(str(edge.graph)), provenance))
        return Step(index.node(here), index.node(there), tuple(links))


def find_paths(store: Store, vocab: Vocab, source: URIRef, target: URIRef,
               max_hops: int = DEFAULT_MAX_HOPS, limit: int = DEFAULT_LIMIT) -> PathResult:
    """Shortest-first simple paths between two entities, each step with its provenance."""
    if not 1 <= max_hops <= MAX_HOPS_CAP:
        raise ParameterError(f"max_hops must be between 1 and {MAX_HOPS_CAP}",
                             detail={"parameter": "max_hops"})
    if not 1 <= limit <= LIMIT_CAP:
        raise ParameterError(f"limit must be between 1 and {LIMIT_CAP}", detail={"parameter": "limit"})
    if source == target:
        raise ParameterError("from and to are the same entity", detail={"from": str(source)})
    catalogue = load_catalogue(store, vocab)
    for name, iri in (("from", source), ("to", target)):
        if not is_known(store, iri):
            raise NotFound(f"no entity {iri} (parameter {name!r})",
                           detail={"parameter": name, "iri": str(iri)})
    adjacency = _adjacency(store, vocab, catalogue)
    order = {node: catalogue.index.label(node).casefold() for node in adjacency.neighbours}
    node_paths, truncated = _enumerate(adjacency, source, target, max_hops, limit, order)

    describe_step = _StepDescriber(store, vocab, catalogue, adjacency)
    paths = [Path(tuple(catalogue.index.node(n) for n in node_path),
                  tuple(describe_step(here, there) for here, there in itertools.pairwise(node_path)))
             for node_path in node_paths]
    return PathResult(catalogue.index.node(source), catalogue.index.node(target), max_hops, limit,
                      tuple(paths), truncated, tuple(str(p) for p in excluded_properties(vocab)),
                      tuple(str(c) for c in excluded_classes(vocab)))

