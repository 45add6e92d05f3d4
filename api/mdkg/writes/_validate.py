"""The SHACL check of a write: the nodes it affects, validated on the part of the dataset their shapes read.

The nodes are those :meth:`mdkg.shape_reach.ShapeReach.affected` derives from the shapes: the
subjects of the changed quads, objects the shapes target, and the nodes whose shapes read a
changed subject along their paths. Of those, the ones some shape targets are judged by pyshacl on
their neighbourhood, cut from the post-write pyoxigraph store
(:func:`mdkg.validation.validate_focus`): never a conversion of the whole store. A write none of
whose affected nodes is targeted (data no shape cares about: the W3C tests' FOAF documents, say)
passes without pyshacl. Shapes that read without bound, or a change of ``rdfs:subClassOf``, need
the whole dataset: then it is validated whole, and the verdict says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import OWL

from mdkg.namespaces import SH
from mdkg.settings import Settings
from mdkg.shape_reach import OxigraphTriples, QuadSource, ShapeReach
from mdkg.store._protocol import Term
from mdkg.store._terms import from_ox, to_ox
from mdkg.validation import (
    ValidationReport,
    _store_graph,
    load_ontology,
    load_shapes,
    validate_focus,
    validate_graph,
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
    full_validation: str | None = None
    """Why the whole dataset was validated instead of the affected nodes (``None``: it was not)."""
    neighbourhood_triples: int = 0
    """Size of the graph pyshacl ran on (the whole dataset's for a full validation)."""
    focus: frozenset[Term] = frozenset()
    """The nodes judged (empty for a full validation, which judges every node)."""


@dataclass(frozen=True)
class _Targets:
    """What the shapes target, in pyoxigraph terms."""

    classes: frozenset[ox.NamedNode] = frozenset()
    nodes: frozenset[ox.NamedNode | ox.BlankNode | ox.Literal] = frozenset()
    subjects_of: frozenset[ox.NamedNode] = frozenset()
    objects_of: frozenset[ox.NamedNode] = frozenset()

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
        )


@dataclass
class WriteValidator:
    """The project's shapes and ontology (moved to the deployment's base IRI), loaded once."""

    settings: Settings
    shapes: Graph = field(init=False)
    ontology: Graph = field(init=False)
    reach: ShapeReach = field(init=False)
    _targets: _Targets = field(init=False)
    _ontology_subclasses: dict[ox.NamedNode, set[ox.NamedNode]] = field(init=False)
    _nothing_to_report: ValidationReport = field(init=False)

    def __post_init__(self) -> None:
        base = self.settings.base_iri
        self.shapes = load_shapes(self.settings, base)
        self.ontology = load_ontology(self.settings, base)
        self._targets = _Targets.of(self.shapes)
        self.reach = ShapeReach.of(self.shapes)
        # No focus node: an empty report with the deployment's prefixes.
        self._nothing_to_report = validate_focus(Graph(), (), shapes=self.shapes, base_iri=base)
        self._ontology_subclasses = {}
        for sub, sup in self.ontology.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef):
                subclasses = self._ontology_subclasses.setdefault(ox.NamedNode(str(sup)), set())
                subclasses.add(ox.NamedNode(str(sub)))

    def check(self, after: QuadSource, delta: Delta) -> Verdict:
        """Judge the dataset ``after`` the write whose changes are ``delta``."""
        if not delta:
            return Verdict(self._nothing_to_report)
        changed = [(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                   for q in delta.added | delta.removed]
        base = self.settings.base_iri
        why = self.reach.needs_full_validation(changed)
        if why is not None:
            graph = _store_graph(after)
            size = len(graph)
            report = validate_graph(graph, self.shapes, ontology=self.ontology, base_iri=base, inplace=True)
            return Verdict(report, shapes_ran=True, full_validation=why, neighbourhood_triples=size)
        affected = self.reach.affected(OxigraphTriples(after), changed)
        focus = self._targeted_among(after, affected)
        if not focus:
            return Verdict(self._nothing_to_report)
        report = validate_focus(after, focus, shapes=self.shapes, ontology=self.ontology, base_iri=base,
                                reach=self.reach)
        return Verdict(report, focus_nodes=len(focus), shapes_ran=True,
                       neighbourhood_triples=report.data_triples, focus=frozenset(focus))

    def _targeted_among(self, store: QuadSource, nodes: Iterable[Term]) -> set[Term]:
        """The ``nodes`` some shape targets in ``store`` (pyshacl would judge no other)."""
        targets = self._targets
        classes = self._with_subclasses(store, targets.classes)
        found: set[Term] = set()
        for node in nodes:
            term = to_ox(node)
            # A literal is targeted only as a node or an object (sh:targetObjectsOf).
            as_subject = not isinstance(term, ox.Literal) and (
                any(q.object in classes for q in store.quads_for_pattern(term, _RDF_TYPE, None, None))
                or any(_exists(store, term, p, None) for p in targets.subjects_of))
            if as_subject or term in targets.nodes or any(_exists(store, None, p, term)
                                                          for p in targets.objects_of):
                found.add(node)
        return found

    def _with_subclasses(self, store: QuadSource, classes: Iterable[ox.NamedNode]) -> set[ox.NamedNode]:
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


def _exists(store: QuadSource, subject: object, predicate: ox.NamedNode, obj: object) -> bool:
    return next(iter(store.quads_for_pattern(subject, predicate, obj, None)), None) is not None  # type: ignore[arg-type]
