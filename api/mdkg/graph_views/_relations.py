"""The relationships of one entity, grouped by property and direction, each with its provenance.

A link ``s p o`` found in graph ``g`` is backed by ``s`` when ``s`` is a fact node there: the fact's
``prov:wasDerivedFrom`` documents and ``mdo:evidence/oa:exact`` quotes. So Japan's incoming ``party``
link from the US-Japan framework carries the framework's source and quote, while a link found in the
reference graph (``org:subOrganizationOf``) carries none and says ``graph.kind == "reference"``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import PROV, RDF

from mdkg.graph_views._describe import Neighbourhood
from mdkg.graph_views._model import NodeRef, Provenance, TermRef
from mdkg.graph_views._vocab import GraphRef

OUT = "out"
IN = "in"


@dataclass(frozen=True)
class Link:
    other: NodeRef
    graph: GraphRef
    provenance: Provenance | None

    def as_json(self) -> dict[str, Any]:
        return {"other": self.other.as_json(), "graph": self.graph.as_json(),
                "provenance": None if self.provenance is None else self.provenance.as_json()}


@dataclass(frozen=True)
class RelationGroup:
    """All links of one kind: one property, one direction (``out``: entity -> other)."""

    property: TermRef
    direction: str
    links: tuple[Link, ...]

    def as_json(self) -> dict[str, Any]:
        return {"property": self.property.as_json(), "direction": self.direction, "count": len(self.links),
                "links": [link.as_json() for link in self.links]}


@dataclass(frozen=True)
class Value:
    """A literal value, or a structured one (a blank node such as an amount) as its fields."""

    text: str
    graph: GraphRef
    language: str | None = None
    datatype: str | None = None
    fields: tuple[tuple[TermRef, str], ...] = ()

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"value": self.text, "graph": self.graph.as_json()}
        if self.language:
            body["language"] = self.language
        if self.datatype:
            body["datatype"] = self.datatype
        if self.fields:
            body["fields"] = [{"property": p.as_json(), "value": v} for p, v in self.fields]
        return body


@dataclass(frozen=True)
class Attribute:
    property: TermRef
    values: tuple[Value, ...]

    def as_json(self) -> dict[str, Any]:
        return {"property": self.property.as_json(), "values": [v.as_json() for v in self.values]}


@dataclass(frozen=True)
class EntityRelations:
    entity: NodeRef
    provenance: tuple[Provenance, ...]
    """The entity's own source and quotes when it is a fact node (one per graph that asserts it)."""
    graphs: tuple[GraphRef, ...]
    attributes: tuple[Attribute, ...]
    groups: tuple[RelationGroup, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity.as_json(),
            "provenance": [p.as_json() for p in self.provenance],
            "graphs": [g.as_json() for g in self.graphs],
            "attributes": [a.as_json() for a in self.attributes],
            "relations": [g.as_json() for g in self.groups],
        }


def entity_relations(hood: Neighbourhood) -> EntityRelations:
    """Group the neighbourhood's links; the entity's own provenance triples are shown once, apart."""
    vocab, index, entity = hood.vocab, hood.index, hood.entity
    shown_apart = {RDF.type, PROV.wasDerivedFrom, vocab.evidence}
    groups: dict[tuple[str, URIRef], list[Link]] = defaultdict(list)
    attributes: dict[URIRef, list[Value]] = defaultdict(list)
    own_graphs: set[URIRef] = set()

    for s, p, o, g in hood.outgoing():
        own_graphs.add(g)
        if p in shown_apart:
            continue
        if isinstance(o, URIRef):
            groups[(OUT, p)].append(Link(index.node(o), vocab.graph_ref(str(g)), hood.provenance(s, g)))
        elif isinstance(o, Literal):
            attributes[p].append(_literal_value(o, vocab.graph_ref(str(g))))
        elif isinstance(o, BNode):
            attributes[p].append(_structured_value(hood, o, g))
    for s, p, _, g in hood.incoming():
        if isinstance(s, URIRef):  # blank subjects are quotations, shown with the fact they support
            groups[(IN, p)].append(Link(index.node(s), vocab.graph_ref(str(g)), hood.provenance(s, g)))

    provenance = tuple(p for g in sorted(own_graphs) if (p := hood.provenance(entity, g)) is not None)
    return EntityRelations(
        entity=index.node(entity),
        provenance=provenance,
        graphs=tuple(vocab.graph_ref(str(g)) for g in hood.graphs()),
        attributes=tuple(
            Attribute(index.term(p), tuple(sorted(values, key=lambda v: (v.text, v.graph.iri))))
            for p, values in sorted(attributes.items(), key=lambda item: _term_order(hood, item[0]))
        ),
        groups=tuple(
            RelationGroup(index.term(p), direction,
                          tuple(sorted(links, key=lambda link: (link.other.label.casefold(), link.other.iri,
                                                                 link.graph.iri))))
            for (direction, p), links in sorted(groups.items(),
                                                key=lambda item: (item[0][0] != OUT,
                                                                  *_term_order(hood, item[0][1])))
        ),
    )


def _term_order(hood: Neighbourhood, iri: URIRef) -> tuple[str, str]:
    return hood.index.label(iri).casefold(), str(iri)


def _literal_value(literal: Literal, graph: GraphRef) -> Value:
    datatype = str(literal.datatype) if literal.datatype is not None else None
    return Value(str(literal), graph, literal.language, datatype)


def _structured_value(hood: Neighbourhood, node: BNode, graph: URIRef) -> Value:
    fields: list[tuple[TermRef, str]] = []
    for p, o in hood.fields_of(node, graph):
        if p == RDF.type and isinstance(o, URIRef):
            continue
        text = hood.index.label(o) if isinstance(o, URIRef) else str(o)
        fields.append((hood.index.term(p), text))
    types = [hood.index.label(o) for p, o in hood.fields_of(node, graph) if p == RDF.type]
    summary = "; ".join(f"{p.label}: {v}" for p, v in fields)
    text = f"{types[0]} ({summary})" if types and summary else summary or (types[0] if types else "")
    return Value(text, hood.vocab.graph_ref(str(graph)), fields=tuple(fields))

