"""How far the shapes read from a focus node: which nodes a change can affect, and what to validate them on.

A SHACL shape judges its focus node by reading triples along its property paths (and nested
shapes, and the triple patterns of its SPARQL constraints), plus the ``rdf:type`` of the nodes it
reaches and the ``rdfs:subClassOf`` hierarchy above those types (``sh:class``, ``sh:targetClass``,
``rdf:type/rdfs:subClassOf*``). :meth:`ShapeReach.of` works that reading out of the shapes graph
once, as a tree of predicates (a :class:`Step` per path prefix). From it:

* :meth:`ShapeReach.affected`: the nodes whose verdict a changed triple ``s p o`` (added or
  removed) may alter: ``s``; ``o`` when a shape targets the objects of ``p``; and every node from
  which a shape reaches ``s`` along a path and then reads ``p`` there (walked back from ``s``, one
  predicate per step, so only as far as the shapes read). What points at ``o`` learns nothing from
  the triple: ``o``'s own triples are unchanged.
* :meth:`ShapeReach.neighbourhood`: the triples those shapes read from a set of focus nodes (the
  tree walked forward), the types of every node reached and the class hierarchy: a small graph on
  which pyshacl gives the focus nodes the verdict it gives them on the whole dataset.

Some shapes read without a bound (``sh:zeroOrMorePath``, ``sh:inversePath``, SPARQL that starts
anywhere but ``$this``, recursive ``sh:node``, custom targets, rules): then :attr:`ShapeReach.unbounded`
says why, and a write needs a full validation. So does a change to ``rdfs:subClassOf``, which
changes the targets and ``sh:class`` verdicts of every instance below the class.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue

from mdkg.namespaces import SH
from mdkg.store._protocol import Term
from mdkg.store._terms import from_ox, to_ox

__all__ = ["ANY_PREDICATE", "GraphTriples", "OxigraphTriples", "QuadSource", "ShapeReach", "Step", "Triples"]

ANY_PREDICATE = URIRef("urn:x-mdkg:any-predicate")
"""The edge of a :class:`Step` that reads every predicate of a node (``sh:closed``, ``?s ?p ?o``)."""

Triple = tuple[Term, Term, Term]

# Constraint parameters whose value is a shape evaluated on each value node, or a list of them.
_SHAPE_PARAMETERS = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_SHAPE_LIST_PARAMETERS = (SH["and"], SH["or"], SH.xone)
# Pair constraints: they compare the value nodes with the focus node's values of another property.
_PAIR_PARAMETERS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)


@dataclass(eq=False)
class Step:
    """The nodes a shape reaches from its focus node along ``path()``: what it reads there."""

    parent: Step | None = None
    predicate: URIRef | None = None
    """The edge from ``parent`` (``ANY_PREDICATE``: any); ``None`` for the focus node itself."""
    children: dict[URIRef, Step] = field(default_factory=dict)

    def child(self, predicate: URIRef) -> Step:
        if predicate not in self.children:
            self.children[predicate] = Step(self, predicate)
        return self.children[predicate]

    def path(self) -> list[URIRef]:
        steps: list[URIRef] = []
        node: Step | None = self
        while node is not None and node.predicate is not None:
            steps.append(node.predicate)
            node = node.parent
        return steps[::-1]

    def walk(self) -> Iterator[Step]:
        yield self
        for child in self.children.values():
            yield from child.walk()

    def reads(self, predicate: Term) -> bool:
        """Whether a triple ``x predicate ?`` is read at a node ``x`` reached at this step.

        The types of every node reached are read (``sh:class`` on its values, the targets).
        """
        return predicate == RDF.type or predicate in self.children or ANY_PREDICATE in self.children


class Triples(Protocol):
    """The few lookups the reach needs, on a pyoxigraph store or an rdflib graph (rdflib terms)."""

    def objects(self, subject: Term, predicate: URIRef | None) -> Iterable[tuple[Term, Term]]:
        """``(predicate, object)`` of the triples ``subject predicate ?`` (``None``: any predicate)."""
        ...

    def subjects(self, predicate: URIRef | None, obj: Term) -> Iterable[tuple[Term, Term]]:
        """``(subject, predicate)`` of the triples ``? predicate obj``."""
        ...

    def triples_of(self, predicate: URIRef) -> Iterable[Triple]:
        ...


@runtime_checkable
class QuadSource(Protocol):
    """A pyoxigraph store, or anything that answers its ``quads_for_pattern`` (a write's overlay)."""

    def quads_for_pattern(self, subject: Any, predicate: Any, obj: Any,
                          graph_name: Any = None) -> Iterator[ox.Quad]:
        ...


class OxigraphTriples:
    """:class:`Triples` over every graph of a pyoxigraph store (their union, as validation sees it)."""

    def __init__(self, store: ox.Store | QuadSource) -> None:
        self.store = store

    def objects(self, subject: Term, predicate: URIRef | None) -> Iterable[tuple[Term, Term]]:
        if isinstance(subject, Literal):
            return
        p = None if predicate is None else ox.NamedNode(str(predicate))
        for quad in self.store.quads_for_pattern(to_ox(subject), p, None, None):  # type: ignore[arg-type]
            yield from_ox(quad.predicate), from_ox(quad.object)

    def subjects(self, predicate: URIRef | None, obj: Term) -> Iterable[tuple[Term, Term]]:
        p = None if predicate is None else ox.NamedNode(str(predicate))
        for quad in self.store.quads_for_pattern(None, p, to_ox(obj), None):
            yield from_ox(quad.subject), from_ox(quad.predicate)

    def triples_of(self, predicate: URIRef) -> Iterable[Triple]:
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None, None):
            yield from_ox(quad.subject), predicate, from_ox(quad.object)


class GraphTriples:
    """:class:`Triples` over an rdflib graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def objects(self, subject: Term, predicate: URIRef | None) -> Iterable[tuple[Term, Term]]:
        return self.graph.predicate_objects(subject) if predicate is None else (
            (predicate, o) for o in self.graph.objects(subject, predicate))

    def subjects(self, predicate: URIRef | None, obj: Term) -> Iterable[tuple[Term, Term]]:
        return self.graph.subject_predicates(obj) if predicate is None else (
            (s, predicate) for s in self.graph.subjects(predicate, obj))

    def triples_of(self, predicate: URIRef) -> Iterable[Triple]:
        return self.graph.triples((None, predicate, None))


class _Unbounded(Exception):
    pass


@dataclass(frozen=True)
class ShapeReach:
    """What the shapes read from their focus nodes (see the module's documentation)."""

    root: Step
    """The focus node; its tree of steps is the union of every shape's reading."""
    targets_objects_of: frozenset[URIRef] = frozenset()
    targets_subjects_of: frozenset[URIRef] = frozenset()
    unbounded: str | None = None
    """Why the shapes' reading has no bound (then every write needs a full validation), or ``None``."""

    @property
    def depth(self) -> int:
        """The longest path the shapes follow from a focus node (types and hierarchy not counted)."""
        return max(len(step.path()) for step in self.root.walk())

    @classmethod
    def of(cls, shapes: Graph) -> ShapeReach:
        root = Step()
        reader = _ShapeReader(shapes)
        unbounded = None
        try:
            reader.check_whole_graph()
            for shape in reader.focus_shapes():
                reader.read_shape(shape, root)
        except _Unbounded as reason:
            unbounded = str(reason)
        return cls(
            root=root,
            targets_objects_of=frozenset(o for o in shapes.objects(None, SH.targetObjectsOf)
                                         if isinstance(o, URIRef)),
            targets_subjects_of=frozenset(o for o in shapes.objects(None, SH.targetSubjectsOf)
                                          if isinstance(o, URIRef)),
            unbounded=unbounded,
        )

    def needs_full_validation(self, changed: Iterable[Triple]) -> str | None:
        """Why ``changed`` cannot be judged on the nodes it affects alone, or ``None``."""
        if self.unbounded is not None:
            return self.unbounded
        if any(p == RDFS.subClassOf for _s, p, _o in changed):
            return "the write changes rdfs:subClassOf, which decides the targets of every instance below"
        return None

    def affected(self, data: Triples, changed: Iterable[Triple]) -> set[Term]:
        """Nodes whose verdict a change of ``changed`` (added or removed triples) may alter.

        ``data`` is the dataset after the change: the paths a shape follows there are the ones it
        reads. Call :meth:`needs_full_validation` first: a change it names reaches further.
        """
        affected: set[Term] = set()
        read_at: dict[Term, set[Step]] = {}
        steps = [step for step in self.root.walk() if step is not self.root]
        reading: dict[Term, list[Step]] = {}
        for subject, predicate, obj in changed:
            affected.add(subject)
            if predicate in self.targets_objects_of:
                affected.add(obj)  # a literal too: sh:targetObjectsOf targets whatever the objects are
            if predicate not in reading:
                reading[predicate] = [s for s in steps if s.reads(predicate)]
            read_at.setdefault(subject, set()).update(reading[predicate])
        incoming: dict[Term, dict[Term, list[Term]]] = {}

        def pointing_at(node: Term, predicate: URIRef) -> list[Term]:
            # One lookup per node for all its steps: most walks start at a new node, pointed at by none.
            if node not in incoming:
                by_predicate: dict[Term, list[Term]] = {ANY_PREDICATE: []}
                for referrer, link in data.subjects(None, node):
                    by_predicate.setdefault(link, []).append(referrer)
                    by_predicate[ANY_PREDICATE].append(referrer)
                incoming[node] = by_predicate
            return incoming[node].get(predicate, [])

        for subject, at in read_at.items():
            for step in at:
                # Walk the step's path back from the changed subject: its start nodes read the change.
                nodes = {subject}
                current: Step | None = step
                while current is not None and current.predicate is not None and nodes:
                    nodes = {r for node in nodes for r in pointing_at(node, current.predicate)}
                    current = current.parent
                affected.update(nodes)
        return affected

    def neighbourhood(self, data: Triples, focus: Iterable[Term], into: Graph | None = None) -> Graph:
        """The triples the shapes read from ``focus``: the steps walked forward, every type on the way,
        the facts that decide the focus nodes' targets, and the ``rdfs:subClassOf`` hierarchy."""
        graph = Graph() if into is None else into
        focus = list(focus)
        pending: list[tuple[Term, Step]] = [(node, self.root) for node in focus]
        seen: set[tuple[Term, int]] = set()
        while pending:
            node, step = pending.pop()
            if isinstance(node, Literal) or (node, id(step)) in seen:
                continue
            seen.add((node, id(step)))
            for _p, cls in data.objects(node, RDF.type):
                graph.add((node, RDF.type, cls))
            if ANY_PREDICATE in step.children:
                for predicate, obj in data.objects(node, None):
                    graph.add((node, predicate, obj))
                    pending.append((obj, step.children[ANY_PREDICATE]))
                    if predicate in step.children:
                        pending.append((obj, step.children[predicate]))  # type: ignore[index]
                continue
            for predicate, child in step.children.items():
                for _p, obj in data.objects(node, predicate):
                    graph.add((node, predicate, obj))
                    pending.append((obj, child))
        for node in focus:
            for predicate in self.targets_subjects_of:
                for _p, obj in data.objects(node, predicate):
                    graph.add((node, predicate, obj))
            for predicate in self.targets_objects_of:
                # One referrer is enough to make the node a target.
                for subject, _p in data.subjects(predicate, node):
                    graph.add((subject, predicate, node))
                    break
        for triple in data.triples_of(RDFS.subClassOf):
            graph.add(triple)
        return graph


class _ShapeReader:
    """Reads the shapes graph into :class:`Step` trees; raises :class:`_Unbounded` where it cannot."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.active: list[Term] = []
        self.namespaces = {str(prefix): str(ns) for declaration in shapes.objects(None, SH.declare)
                           for prefix in shapes.objects(declaration, SH.prefix)
                           for ns in shapes.objects(declaration, SH.namespace)}

    def check_whole_graph(self) -> None:
        for predicate, why in ((SH.target, "a custom sh:target selects focus nodes only pyshacl knows"),
                               (SH.rule, "SHACL rules infer triples before validation"),
                               (SH.validator, "a SPARQL-based constraint component reads the data"),
                               (SH.nodeValidator, "a SPARQL-based constraint component reads the data"),
                               (SH.propertyValidator, "a SPARQL-based constraint component reads the data")):
            if any(True for _ in self.shapes.triples((None, predicate, None))):
                raise _Unbounded(why)
        if (None, SH.qualifiedValueShapesDisjoint, Literal(True)) in self.shapes:
            raise _Unbounded("sh:qualifiedValueShapesDisjoint evaluates sibling shapes on other values")

    def focus_shapes(self) -> set[Term]:
        """Shapes evaluated on focus nodes: targeted ones and implicit class targets."""
        found = {s for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
                 for s in self.shapes.subjects(p, None)}
        found.update(s for s in self.shapes.subjects(RDF.type, RDFS.Class)
                     if (s, RDF.type, SH.NodeShape) in self.shapes)
        found.update(s for s in self.shapes.subjects(RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class"))
                     if (s, RDF.type, SH.NodeShape) in self.shapes)
        return found

    def read_shape(self, shape: Term, at: Step) -> None:
        """Record what ``shape`` reads when evaluated on the nodes reached at ``at``."""
        if shape in self.active:
            raise _Unbounded(f"shape {shape} refers to itself (recursive sh:node)")
        self.active.append(shape)
        try:
            path = self.shapes.value(shape, SH.path)
            values = [at] if path is None else self.follow(path, at)
            for predicate in _PAIR_PARAMETERS:
                for other in self.shapes.objects(shape, predicate):
                    if not isinstance(other, URIRef):
                        raise _Unbounded(f"{predicate} with a path that is not an IRI")
                    at.child(other)
            for value in values:
                for predicate in _SHAPE_PARAMETERS:
                    for nested in self.shapes.objects(shape, predicate):
                        self.read_shape(nested, value)
                for predicate in _SHAPE_LIST_PARAMETERS:
                    for members in self.shapes.objects(shape, predicate):
                        for nested in Collection(self.shapes, members):
                            self.read_shape(nested, value)
                if any(closed == Literal(True) for closed in self.shapes.objects(shape, SH.closed)):
                    value.child(ANY_PREDICATE)
            for constraint in self.shapes.objects(shape, SH.sparql):
                if path is not None:
                    raise _Unbounded("a SPARQL constraint on a property shape ($PATH)")
                self.read_sparql(constraint, at)
        finally:
            self.active.pop()

    def follow(self, path: Term, at: Step) -> list[Step]:
        """The steps at which the values of ``path`` are, from ``at``."""
        if isinstance(path, URIRef):
            return [at.child(path)]
        shapes = self.shapes
        for unbounded in (SH.zeroOrMorePath, SH.oneOrMorePath):
            if shapes.value(path, unbounded) is not None:
                raise _Unbounded(f"a {unbounded.n3(shapes.namespace_manager)} path has no length bound")
        if shapes.value(path, SH.inversePath) is not None:
            raise _Unbounded("an sh:inversePath reads what points at a node")
        optional = shapes.value(path, SH.zeroOrOnePath)
        if optional is not None:
            return [at, *self.follow(optional, at)]
        alternatives = shapes.value(path, SH.alternativePath)
        if alternatives is not None:
            return [end for member in Collection(shapes, alternatives) for end in self.follow(member, at)]
        if shapes.value(path, RDF.first) is not None:
            ends = [at]
            for member in Collection(shapes, path):
                ends = [end for start in ends for end in self.follow(member, start)]
            return ends
        raise _Unbounded(f"a property path mdkg cannot bound: {path}")

    def read_sparql(self, constraint: Term, at: Step) -> None:
        text = self.shapes.value(constraint, SH.select) or self.shapes.value(constraint, SH.ask)
        if text is None:
            raise _Unbounded("a SPARQL constraint without sh:select or sh:ask")
        try:
            query = prepareQuery(str(text), initNs=self.namespaces)
        except Exception as error:  # rdflib raises pyparsing and its own errors alike
            raise _Unbounded(f"a SPARQL constraint mdkg cannot read: {error}") from None
        _SparqlReach(at).read(query.algebra)


class _SparqlReach:
    """Where each variable of a SPARQL constraint sits relative to ``$this``, from its triple patterns.

    A pattern ``?a p ?b`` with ``?a`` reached puts ``?b`` one step further along ``p``. Types and
    the class hierarchy (``rdf:type/rdfs:subClassOf*``, ``rdfs:subClassOf*``) are always in the
    neighbourhood: their objects are classes, on which nothing further may be read. Anything not
    reachable from ``$this`` that way (a pattern on an unbound subject, an inverse or open path,
    ``GRAPH``, ``SERVICE``) has no bound.
    """

    def __init__(self, at: Step) -> None:
        self.at: dict[Term, list[Step]] = {Variable("this"): [at]}
        self.classes: set[Term] = set()

    def read(self, algebra: Any) -> None:
        triples = list(_triple_patterns(algebra))
        pending = list(triples)
        progress = True
        while pending and progress:
            progress = False
            for triple in list(pending):
                if self._place(triple):
                    pending.remove(triple)
                    progress = True
        if pending:
            raise _Unbounded(f"a SPARQL constraint reads a pattern not reached from $this: {pending[0]}")

    def _place(self, triple: tuple[Any, Any, Any]) -> bool:
        subject, predicate, obj = triple
        if _is_hierarchy(predicate) and (subject in self.classes or not isinstance(subject, Variable)):
            self.classes.add(obj)
            return True
        if subject not in self.at:
            return False
        if predicate == RDF.type or _is_typed_hierarchy(predicate) or _is_hierarchy(predicate):
            self.classes.add(obj)
            return True
        if isinstance(predicate, Variable):
            ends = [step.child(ANY_PREDICATE) for step in self.at[subject]]
        elif isinstance(predicate, URIRef):
            ends = [step.child(predicate) for step in self.at[subject]]
        elif isinstance(predicate, SequencePath | AlternativePath) and all(
                isinstance(p, URIRef) for p in predicate.args):
            ends = []
            for start in self.at[subject]:
                if isinstance(predicate, AlternativePath):
                    ends += [start.child(p) for p in predicate.args]
                else:
                    end = start
                    for p in predicate.args:
                        end = end.child(p)
                    ends.append(end)
        elif isinstance(predicate, InvPath | MulPath | NegatedPath | Path):
            raise _Unbounded(f"a SPARQL property path mdkg cannot bound: {predicate}")
        else:
            return False
        if isinstance(obj, Variable):
            self.at.setdefault(obj, []).extend(ends)
        return True


def _is_hierarchy(predicate: Any) -> bool:
    return predicate == RDFS.subClassOf or (
        isinstance(predicate, MulPath) and predicate.path == RDFS.subClassOf)


def _is_typed_hierarchy(predicate: Any) -> bool:
    """``rdf:type/rdfs:subClassOf*``: the types of a node and their superclasses."""
    return (isinstance(predicate, SequencePath) and len(predicate.args) == 2
            and predicate.args[0] == RDF.type and _is_hierarchy(predicate.args[1]))


def _triple_patterns(algebra: Any) -> Iterator[tuple[Any, Any, Any]]:
    """Every triple pattern of a query's algebra, in ``FILTER (NOT) EXISTS`` and ``OPTIONAL`` too."""
    if isinstance(algebra, CompValue):
        if algebra.name in ("Graph", "GraphGraphPattern", "ServiceGraphPattern"):
            raise _Unbounded(f"a SPARQL constraint with {algebra.name} reads other graphs")
        for key, value in algebra.items():
            if key == "triples" and isinstance(value, list | tuple):
                for triple in value:
                    yield tuple(triple)  # type: ignore[misc]
            else:
                yield from _triple_patterns(value)
    elif isinstance(algebra, dict):
        for value in algebra.values():
            yield from _triple_patterns(value)
    elif isinstance(algebra, list | tuple):
        for value in algebra:
            yield from _triple_patterns(value)


def blank_holders(data: Triples, node: Term, hops: int = 3) -> Iterator[Triple]:
    """The triples from ``node`` back to the IRIs that hold it, while it is a blank node (up to ``hops``)."""
    frontier = [node]
    for _hop in range(hops):
        next_frontier = []
        for current in frontier:
            if not isinstance(current, BNode):
                continue
            for subject, predicate in data.subjects(None, current):
                yield subject, predicate, current
                next_frontier.append(subject)
        frontier = next_frontier

