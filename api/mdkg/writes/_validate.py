"""The SHACL check of a write: the nodes it affects, validated against the whole post-write dataset.

Validating only the written data (or a subgraph cut around it) would report false ``sh:class``
violations for nodes described elsewhere; so the focus nodes are those
:func:`mdkg.validation.affected_focus_nodes` finds, and :func:`mdkg.validation.validate_focus`
judges them against the whole dataset as it would be after the write.

Before building that rdflib graph (seconds for hundreds of thousands of quads), a cheaper look at
the pyoxigraph copy decides whether any node a shape targets is affected at all. It follows
exactly the links ``affected_focus_nodes`` follows, from the other end, so it never skips a write
the full check would judge: data that no shape targets (the W3C tests' FOAF documents, say) pass
without pyshacl.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL

from mdkg.namespaces import SH
from mdkg.settings import Settings
from mdkg.store._terms import from_ox, to_ox
from mdkg.validation import (
    ValidationReport,
    affected_focus_nodes,
    load_ontology,
    load_shapes,
    validate_focus,
)
from mdkg.writes._staging import Delta

__all__ = ["Verdict", "WriteValidator"]

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS_OF = ox.NamedNode(str(RDFS.subClassOf))
_CLASS_TYPES = (RDFS.Class, OWL.Class)


@dataclass(frozen=True)
class Verdict:
    report: ValidationReport
    focus_nodes: int = 0
    """Nodes pyshacl judged (0 when no node a shape targets was affected)."""
    shapes_ran: bool = False


@dataclass(frozen=True)
class _Targets:
    """What the shapes target, in pyoxigraph terms."""

    classes: frozenset[ox.NamedNode] = frozenset()
    nodes: frozenset[ox.NamedNode | ox.BlankNode | ox.Literal] = frozenset()
    subjects_of: frozenset[ox.NamedNode] = frozenset()
    objects_of: frozenset[ox.NamedNode] = frozenset()
    custom: bool = False
    """A SHACL-AF ``sh:target``: its focus nodes are known only to pyshacl."""

    @classmethod
    def of(cls, shapes: Graph) -> _Targets:
        def iris(predicate: URIRef) -> frozenset[ox.NamedNode]:
            return frozenset(ox.NamedNode(str(o)) for o in shapes.objects(None, predicate)
                             if isinstance(o, URIRef))

        implicit = {s for c in _CLASS_TYPES for s in shapes.subjects(RDF.type, c)
                    if isinstance(s, URIRef) and ((s, RDF.type, SH.NodeShape) in shapes
                                                  or (s, RDF.type, SH.PropertyShape) in shapes)}
        return cls(
            classes=iris(SH.targetClass) | {ox.NamedNode(str(s)) for s in implicit},
            nodes=frozenset(to_ox(o) for o in shapes.objects(None, SH.targetNode)),  # type: ignore[arg-type]
            subjects_of=iris(SH.targetSubjectsOf),
            objects_of=iris(SH.targetObjectsOf),
            custom=any(True for _ in shapes.triples((None, SH.target, None))),
        )


@dataclass
class WriteValidator:
    """The project's shapes and ontology (moved to the deployment's base IRI), loaded once."""

    settings: Settings
    shapes: Graph = field(init=False)
    ontology: Graph = field(init=False)
    _targets: _Targets = field(init=False)
    _ontology_subclasses: dict[ox.NamedNode, set[ox.NamedNode]] = field(init=False)
    _nothing_to_report: ValidationReport = field(init=False)

    def __post_init__(self) -> None:
        base = self.settings.base_iri
        self.shapes = load_shapes(self.settings, base)
        self.ontology = load_ontology(self.settings, base)
        self._targets = _Targets.of(self.shapes)
        # No focus node: an empty report with the deployment's prefixes.
        self._nothing_to_report = validate_focus(Graph(), (), shapes=self.shapes, base_iri=base)
        self._ontology_subclasses = {}
        for sub, sup in self.ontology.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                subclasses = self._ontology_subclasses.setdefault(ox.NamedNode(str(sup)), set())
                subclasses.add(ox.NamedNode(str(sub)))

    def check(self, after: ox.Store, delta: Delta) -> Verdict:
        """Judge the dataset ``after`` the write whose changes are ``delta``."""
        if not delta:
            return Verdict(self._nothing_to_report)
        changed = delta.added | delta.removed
        touched: set[object] = set()
        for quad in changed:
            touched.add(quad.subject)
            if not isinstance(quad.object, ox.Literal):
                touched.add(quad.object)
        if not self._targets.custom and not any(
                _reaches(after, node, touched) for node in self._targeted(after)):
            return Verdict(self._nothing_to_report)
        graph = _rdflib_graph(after)
        focus = affected_focus_nodes(graph, [(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                                             for q in changed])
        report = validate_focus(graph, focus, shapes=self.shapes, ontology=self.ontology,
                                base_iri=self.settings.base_iri)
        return Verdict(report, focus_nodes=len(focus), shapes_ran=True)

    def _targeted(self, store: ox.Store) -> set[object]:
        """Every node of ``store`` some shape targets."""
        targets = self._targets
        found: set[object] = set(targets.nodes)
        for cls in self._with_subclasses(store, targets.classes):
            found.update(q.subject for q in store.quads_for_pattern(None, _RDF_TYPE, cls, None))
        for predicate in targets.subjects_of:
            found.update(q.subject for q in store.quads_for_pattern(None, predicate, None, None))
        for predicate in targets.objects_of:
            found.update(q.object for q in store.quads_for_pattern(None, predicate, None, None)
                         if not isinstance(q.object, ox.Literal))
        return found

    def _with_subclasses(self, store: ox.Store, classes: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
        found = set(classes)
        pending = list(found)
        while pending:
            cls = pending.pop()
            subclasses = set(self._ontology_subclasses.get(cls, ()))
            subclasses.update(q.subject for q in store.quads_for_pattern(None, _SUBCLASS_OF, cls, None)
                              if isinstance(q.subject, ox.NamedNode))
            for sub in subclasses - found:
                found.add(sub)
                pending.append(sub)
        return found


def _reaches(store: ox.Store, start: object, touched: set[object]) -> bool:
    """Whether ``affected_focus_nodes`` would count ``start`` as affected by a change of ``touched``.

    That function walks from each touched node to the nodes that point at it, and on from there
    while either end of the link is a blank node. Walked forward from ``start``: its own links
    count, and a link further on counts while one of its ends is a blank node.
    """
    if start in touched:
        return True
    pending: list[tuple[object, bool]] = [(start, True)]
    seen = {start}
    while pending:
        node, is_start = pending.pop()
        for quad in store.quads_for_pattern(node, None, None, None):  # type: ignore[arg-type]
            target = quad.object
            if isinstance(target, ox.Literal):
                continue
            if not (is_start or isinstance(node, ox.BlankNode) or isinstance(target, ox.BlankNode)):
                continue
            if target in touched:
                return True
            if target not in seen:
                seen.add(target)
                pending.append((target, False))
    return False


def _rdflib_graph(store: ox.Store) -> Graph:
    """The union of every graph of ``store`` as one rdflib graph (blank nodes keep their labels)."""
    graph = Graph()
    for quad in store.quads_for_pattern(None, None, None, None):
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return graph
