"""SHACL validation of the dataset, with reports a person can act on.

The data graph is the files under test plus the reference data, and the ontology is passed to
pyshacl as ``ont_graph`` (mixed into the data graph), so that ``sh:class`` and ``sh:targetClass``
see the types of nodes described outside the files and follow ``rdfs:subClassOf``.

Inference is ``none``, on purpose:

* pyshacl already walks ``rdfs:subClassOf`` in the data graph for ``sh:class`` and
  ``sh:targetClass``, which is all the ontology is needed for;
* RDFS inference would *type* nodes through ``rdfs:domain``/``rdfs:range``, so a fact whose party
  has no ``rdf:type`` at all would pass ``sh:class mdo:State`` -- the shapes are meant to catch that;
* computing the RDFS closure of the whole dataset costs more than the validation itself.

``advanced=True`` turns on SHACL-AF (SPARQL targets, rules) next to SHACL-SPARQL constraints, and
``conforms`` is decided here: only ``sh:Violation`` fails, warnings and infos are reported.

Public API: :func:`validate_files` (the dataset files, as ``mdkg validate`` runs it),
:func:`validate_graph` (any rdflib graph), :func:`validate_focus` (only some focus nodes: of an
rdflib graph, or of a store on the neighbourhood their shapes read, :func:`focus_neighbourhood`)
with :func:`affected_focus_nodes` (from what the shapes read, :mod:`mdkg.shape_reach`), for the
incremental validation of writes, and :class:`ValidationReport`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from rdflib import RDF, RDFS, SKOS, BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD
from rdflib.plugins.sparql import prepareQuery

from mdkg.dataset import DatasetFile, dataset_files, parse_file, rebase
from mdkg.errors import NotFound
from mdkg.namespaces import OA, PREFIXES, SH, DatasetIris
from mdkg.progress import stage, track
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.shape_reach import GraphTriples, OxigraphTriples, QuadSource, ShapeReach, Triples, blank_holders
from mdkg.store._protocol import Store, Term
from mdkg.store._terms import from_ox

__all__ = [
    "SEVERITIES",
    "ValidationReport",
    "ValidationResult",
    "affected_focus_nodes",
    "focus_neighbourhood",
    "load_ontology",
    "load_shapes",
    "validate_files",
    "validate_focus",
    "validate_graph",
]

SEVERITIES = ("Violation", "Warning", "Info")
_QUOTE_LIMIT = 400
_SHAPES_GRAPH = "urn:x-mdkg:shapes"


# --------------------------------------------------------------------------- results and report


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with what a reader needs to find and fix the problem."""

    severity: str
    """``Violation``, ``Warning`` or ``Info`` (the local name of ``sh:resultSeverity``)."""
    focus_node: Term
    message: str
    path: str | None = None
    """The ``sh:resultPath`` as a SPARQL property path with prefixed names."""
    value: Term | None = None
    source_shape: str | None = None
    constraint: str | None = None
    """The constraint component, e.g. ``sh:MinCountConstraintComponent``."""
    focus_label: str | None = None
    quotes: tuple[str, ...] = ()
    """``mdo:evidence/oa:exact`` of the focus node (or of the fact node that holds it)."""
    sources: tuple[str, ...] = ()
    """``prov:wasDerivedFrom`` of that fact node."""
    files: tuple[str, ...] = ()
    """Dataset files in which the focus node is described."""
    context: str | None = None
    """For a blank focus node, where it hangs (e.g. ``mdo:evidence of id:agreement/x``)."""
    details: tuple[ValidationResult, ...] = ()
    """Why a nested shape (``sh:node``, ``sh:qualifiedValueShape``...) failed (``sh:detail``)."""

    def key(self) -> tuple[str, ...]:
        """Identity of the result, independent of how it was found (full or focused validation)."""
        # A blank value is a copy pyshacl makes for its report: its label identifies nothing.
        value = "[]" if isinstance(self.value, BNode) else _term_text(self.value)
        return (self.severity, str(self.focus_node), self.path or "", value,
                self.source_shape or "", self.constraint or "")


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    """The data files validated (the ontology and reference files included)."""
    shapes_files: list[str] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))
    data_triples: int = 0
    """Triples of the data graph pyshacl ran on (ontology included): a focused run's neighbourhood."""

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def infos(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Info"]

    def summary_line(self) -> str:
        counts = ", ".join(_plural(self.count(s), s.lower()) for s in SEVERITIES)
        verdict = "conforms" if self.conforms else "does NOT conform"
        shapes = _plural(len(self.shapes_files), "shapes file")
        files = _plural(len(self.files), "file")
        return f"SHACL validation of {files} against {shapes}: {verdict} ({counts})"

    def render_text(self) -> str:
        """The report for a terminal: grouped by severity, then by focus node."""
        names = _Namer(self.prefixes)
        lines = [self.summary_line()]
        if not self.shapes_files:
            lines.append("(no shapes/*.ttl found: nothing was checked)")
        for severity in SEVERITIES:
            of_severity = [r for r in self.results if r.severity == severity]
            if not of_severity:
                continue
            lines += ["", f"{severity.upper()}S ({len(of_severity)})"]
            by_focus: dict[str, list[ValidationResult]] = defaultdict(list)
            for result in of_severity:
                by_focus[str(result.focus_node)].append(result)
            for focus in sorted(by_focus):
                group = sorted(by_focus[focus], key=lambda r: (r.path or "", r.message))
                first = group[0]
                header = names.term(first.focus_node)
                if first.context:
                    header = f"[] ({first.context})"
                if first.focus_label:
                    header += f'  "{first.focus_label}"'
                lines += ["", f"  {header}"]
                for result in group:
                    lines.append(f"    - {result.path or '(the node itself)'}: {result.message}")
                    if result.value not in (None, result.focus_node) and not isinstance(result.value, BNode):
                        lines.append(f"        value: {names.term(result.value)}")
                    for detail in result.details:
                        value = "" if detail.value is None else f" {names.term(detail.value)}"
                        lines.append(f"        because: {detail.path or 'the node'}{value}: {detail.message}")
                    if result.source_shape or result.constraint:
                        shape = " ".join(x for x in (result.source_shape,
                                                      f"({result.constraint})" if result.constraint else None)
                                         if x)
                        lines.append(f"        shape: {shape}")
                for file in first.files:
                    lines.append(f"    file:   {file}")
                for source in first.sources:
                    lines.append(f"    source: {names.term(URIRef(source))}")
                for quote in first.quotes:
                    lines.append(f'    quote:  "{_shorten(quote)}"')
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "counts": {s.lower(): self.count(s) for s in SEVERITIES},
            "files": self.files,
            "shapes": self.shapes_files,
            "results": [
                {
                    "severity": r.severity,
                    "focus_node": _term_text(r.focus_node),
                    "focus_label": r.focus_label,
                    "path": r.path,
                    "value": None if r.value is None else _term_text(r.value),
                    "message": r.message,
                    "source_shape": r.source_shape,
                    "constraint": r.constraint,
                    "quotes": list(r.quotes),
                    "sources": list(r.sources),
                    "files": list(r.files),
                    "context": r.context,
                    "details": [
                        {"focus_node": _term_text(d.focus_node), "path": d.path,
                         "value": None if d.value is None else _term_text(d.value),
                         "message": d.message, "constraint": d.constraint}
                        for d in r.details
                    ],
                }
                for r in self.results
            ],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _QUOTE_LIMIT else flat[: _QUOTE_LIMIT - 1] + "…"


def _term_text(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return str(term)
    return term.n3()


class _Namer:
    """Prefixed names for IRIs (longest namespace wins), N3 for everything else.

    Local names may hold ``/`` (``id:agreement/x``): easier to read, though not valid Turtle.
    """

    def __init__(self, prefixes: dict[str, str]) -> None:
        self._prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))

    def term(self, term: Term | None) -> str:
        if term is None:
            return ""
        if isinstance(term, URIRef):
            iri = str(term)
            for prefix, namespace in self._prefixes:
                local = iri[len(namespace):]
                if iri.startswith(namespace) and local and all(c.isalnum() or c in "_-./" for c in local):
                    return f"{prefix}:{local}"
            return f"<{iri}>"
        if isinstance(term, Literal) and term.datatype is not None and term.language is None:
            return f'"{term}"^^{self.term(URIRef(term.datatype))}'
        return term.n3()


# --------------------------------------------------------------------------- loading


def _to_rdflib(term: object) -> Term:
    """An rdflib term for an Oxigraph term; ``xsd:string`` literals become plain, as rdflib parses them."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def _add_quads(graph: Graph, quads: Iterable[ox.Quad]) -> set[Term]:
    """Add one document's statements; its blank nodes stay its own.

    Turtle keeps labels (``_:b1``), so two files that both say ``_:b1`` would otherwise share a node.
    """
    subjects: set[Term] = set()
    blanks: dict[str, BNode] = {}

    def convert(term: object) -> Term:
        if isinstance(term, ox.BlankNode):
            return blanks.setdefault(term.value, BNode())
        return _to_rdflib(term)

    for quad in quads:
        subject = convert(quad.subject)
        graph.add((subject, convert(quad.predicate), convert(quad.object)))
        subjects.add(subject)
    return subjects


def _parse(path: Path, graph: str, base_iri: str) -> list[ox.Quad]:
    if not path.is_file():
        raise NotFound(f"{path}: no such file", detail={"file": str(path)})
    return list(rebase(parse_file(path, graph), base_iri))


def _load_files(paths: Iterable[Path], base_iri: str, graph_iri: str) -> Graph:
    graph = Graph()
    for path in paths:
        _add_quads(graph, _parse(path, graph_iri, base_iri))
    return graph


def load_shapes(settings: Settings, base_iri: str = CANONICAL_BASE_IRI) -> Graph:
    """Every ``shapes/*.ttl`` in one graph, its IRIs moved to ``base_iri`` (to validate a rebased store).

    SHACL-SPARQL hides IRIs in literals (``sh:namespace``, the text of ``sh:select``/``sh:ask``):
    those move too.
    """
    paths = sorted(settings.shapes_dir.glob("*.ttl"))
    shapes = _load_files(paths, base_iri, _SHAPES_GRAPH)
    for path in paths:
        # The shapes' own prefixes (mds: ...) make the report's shape names readable.
        parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
        for _statement in parser:
            pass
        for prefix, namespace in parser.prefixes.items():
            if prefix and prefix not in PREFIXES:
                shapes.bind(prefix, namespace.replace(CANONICAL_BASE_IRI, base_iri), override=False)
    if base_iri != CANONICAL_BASE_IRI:
        for predicate in (SH.namespace, SH.select, SH.ask, SH.construct, SH.update):
            for subject, text in list(shapes.subject_objects(predicate)):
                if isinstance(text, Literal) and CANONICAL_BASE_IRI in str(text):
                    moved = Literal(str(text).replace(CANONICAL_BASE_IRI, base_iri),
                                    lang=text.language, datatype=text.datatype)
                    shapes.remove((subject, predicate, text))
                    shapes.add((subject, predicate, moved))
    return shapes


def load_ontology(settings: Settings, base_iri: str = CANONICAL_BASE_IRI) -> Graph:
    """Every ``ontology/*.ttl`` in one graph, its IRIs moved to ``base_iri``."""
    return _load_files(sorted(settings.ontology_dir.glob("*.ttl")), base_iri,
                       DatasetIris(base_iri).ontology_graph)


def _display_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- validation


def validate_files(settings: Settings, files: Sequence[Path] | None = None) -> ValidationReport:
    """Validate Turtle files (default: the whole dataset) together with the ontology and reference data.

    Raises :class:`~mdkg.errors.RdfSyntaxError` (file, line, parser message) for a malformed file and
    :class:`~mdkg.errors.NotFound` for a missing one.
    """
    everything = dataset_files(settings)
    ontology_paths = {f.path.resolve() for f in everything if f.graph.endswith("graph/ontology")}
    if files is None:
        wanted = [f for f in everything if f.path.resolve() not in ontology_paths]
    else:
        reference = [f for f in everything if f.graph.endswith("graph/reference")]
        wanted = [DatasetFile(Path(p), _graph_for(Path(p), everything)) for p in files]
        seen = {f.path.resolve() for f in wanted}
        wanted += [f for f in reference if f.path.resolve() not in seen]
        wanted = [f for f in wanted if f.path.resolve() not in ontology_paths]

    data = Graph()
    described_in: dict[Term, list[str]] = defaultdict(list)
    for file in track(wanted, "parse the data files"):
        shown = _display_path(file.path, settings.root)
        for subject in _add_quads(data, _parse(file.path, file.graph, CANONICAL_BASE_IRI)):
            described_in[subject].append(shown)
    ontology = load_ontology(settings)
    shapes = load_shapes(settings)

    with stage("SHACL validation"):
        report = validate_graph(data, shapes, ontology=ontology, inplace=True, described_in=described_in)
    report.files = [_display_path(f.path, settings.root) for f in wanted] + sorted(
        _display_path(p, settings.root) for p in ontology_paths)
    report.shapes_files = [_display_path(p, settings.root) for p in sorted(settings.shapes_dir.glob("*.ttl"))]
    return report


def _graph_for(path: Path, known: list[DatasetFile]) -> str:
    resolved = path.resolve()
    for file in known:
        if file.path.resolve() == resolved:
            return file.graph
    # A file outside the dataset folders (a draft being checked): the graph name is irrelevant to
    # validation, which sees the union.
    return DatasetIris(CANONICAL_BASE_IRI).source_graph(path.stem)


def validate_graph(
    data: Graph,
    shapes: Graph,
    *,
    ontology: Graph | None = None,
    focus_nodes: Iterable[Term] | None = None,
    base_iri: str = CANONICAL_BASE_IRI,
    inplace: bool = False,
    described_in: dict[Term, list[str]] | None = None,
) -> ValidationReport:
    """Validate an rdflib graph; with ``focus_nodes`` only those nodes are checked (against all of ``data``).

    ``inplace=True`` lets pyshacl mix the ontology into ``data`` instead of copying it (for a graph
    the caller throws away).
    """
    if isinstance(data, Dataset):
        union = Graph()
        for triple in data.triples((None, None, None)):
            union.add(triple)
        data, inplace = union, True
    if len(shapes) == 0:
        return ValidationReport(prefixes=_prefixes(base_iri))

    focus = None if focus_nodes is None else set(focus_nodes)
    if focus is not None and not focus:
        return ValidationReport(prefixes=_prefixes(base_iri))
    if not inplace:
        # Copy once here (pyshacl would copy anyway in advanced mode) so that the label and quote
        # lookups below see the ontology, and the caller's graph stays untouched.
        data = _copy(data)
    if ontology is not None:
        # pyshacl mixes ont_graph in as well; doing it first lets _targeting_only see the subclasses.
        for triple in ontology:
            data.add(triple)
    run_shapes = shapes if focus is None else _targeting_only(shapes, data, focus)
    data_triples = len(data)
    # pyshacl hands rdflib the text of a SPARQL constraint once per focus node, and rdflib parses it
    # each time (tens of ms each): the data graph answers with the query parsed once instead.
    data.query = _PreparedQueries(data.query)  # type: ignore[method-assign]
    try:
        _conforms, results_graph, _text = pyshacl_validate(
            data,
            shacl_graph=run_shapes,
            ont_graph=ontology,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
            inplace=True,
        )
    finally:
        del data.query
    prefixes = _prefixes(base_iri, shapes)
    results = _read_results(results_graph, shapes, data, prefixes, base_iri, described_in or {})
    if focus is not None:
        results = [r for r in results if r.focus_node in focus]
    results.sort(key=lambda r: (SEVERITIES.index(r.severity) if r.severity in SEVERITIES else 9, r.key()))
    return ValidationReport(results=results, prefixes=prefixes, data_triples=data_triples)


class _PreparedQueries:
    """``Graph.query`` that parses each query text once (prepared queries take any bindings)."""

    def __init__(self, query: Any) -> None:
        self._query = query

    def __call__(self, query_object: Any, processor: Any = "sparql", result: Any = "sparql",
                 initNs: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str) and not initNs and kwargs.get("base") is None:
            query_object = _prepared(query_object)
        return self._query(query_object, processor, result, initNs, *args, **kwargs)


@lru_cache(maxsize=256)
def _prepared(text: str) -> Any:
    # A prepared query is not changed by its evaluation: one per text serves every run and thread.
    return prepareQuery(text)


_TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_CLASS_TYPES = (RDFS.Class, URIRef("http://www.w3.org/2002/07/owl#Class"))


def _targeting_only(shapes: Graph, data: Graph, focus: set[Term]) -> Graph:
    """A copy of ``shapes`` whose shapes target exactly the focus nodes they targeted before.

    pyshacl's own ``focus_nodes`` option also filters the values that nested shapes (``sh:node``,
    ``sh:qualifiedValueShape``...) are evaluated on, so a fact with a broken evidence node would
    pass; rewriting the targets keeps nested evaluation intact. Custom SHACL-AF targets
    (``sh:target``) are left as they are: those shapes run in full and their results are filtered.
    """
    rewritten = _copy(shapes)
    types = {node: _types_with_superclasses(data, node) for node in focus}
    shape_nodes = {s for p in _TARGET_PREDICATES for s in shapes.subjects(p, None)}
    implicit = {s for c in _CLASS_TYPES for s in shapes.subjects(RDF.type, c)
                if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes}
    # Facts about each focus node looked up once, not once per shape.
    subject_of = {p: {n for n in focus if (n, p, None) in data}
                  for p in set(shapes.objects(None, SH.targetSubjectsOf))}
    object_of = {p: {n for n in focus if (None, p, n) in data}
                 for p in set(shapes.objects(None, SH.targetObjectsOf))}
    for shape in shape_nodes | implicit:
        classes = set(shapes.objects(shape, SH.targetClass)) | ({shape} if shape in implicit else set())
        targeted = focus & set(shapes.objects(shape, SH.targetNode))
        for p in shapes.objects(shape, SH.targetSubjectsOf):
            targeted |= subject_of[p]
        for p in shapes.objects(shape, SH.targetObjectsOf):
            targeted |= object_of[p]
        if classes:
            targeted.update(node for node in focus if not classes.isdisjoint(types[node]))
        for predicate in _TARGET_PREDICATES:
            rewritten.remove((shape, predicate, None))
        for class_type in _CLASS_TYPES:
            rewritten.remove((shape, RDF.type, class_type))
        for node in targeted:
            rewritten.add((shape, SH.targetNode, node))
    return rewritten


def _types_with_superclasses(data: Graph, node: Term) -> set[Term]:
    found: set[Term] = set()
    for direct in data.objects(node, RDF.type):
        found.update(data.transitive_objects(direct, RDFS.subClassOf))
    return found


def validate_focus(
    data: Graph | Store | QuadSource,
    focus_nodes: Iterable[Term],
    *,
    shapes: Graph,
    ontology: Graph | None = None,
    base_iri: str = CANONICAL_BASE_IRI,
    reach: ShapeReach | None = None,
) -> ValidationReport:
    """Check only ``focus_nodes`` of ``data`` (an rdflib graph, a :class:`Store` or a pyoxigraph store).

    Its verdict on those nodes is the one a full validation gives; use it after a write with
    :func:`affected_focus_nodes`. Shapes and ontology must use the store's base
    (``load_shapes(settings, settings.base_iri)``).

    On an Oxigraph store, pyshacl runs on the focus nodes' neighbourhood only: the triples the
    shapes read from them (:meth:`ShapeReach.neighbourhood`), cut from the store without converting
    the rest. An rdflib graph is validated as it is; another backend, or shapes that read without
    bound (:attr:`ShapeReach.unbounded`), take the whole dataset.
    """
    focus = set(focus_nodes)
    if isinstance(data, Graph):
        return validate_graph(data, shapes, ontology=ontology, focus_nodes=focus, base_iri=base_iri)
    triples = _store_triples(data)
    reach = reach or ShapeReach.of(shapes)
    if triples is None or reach.unbounded is not None:
        return validate_graph(_store_graph(data), shapes, ontology=ontology, focus_nodes=focus,
                              base_iri=base_iri, inplace=True)
    graph = focus_neighbourhood(triples, focus, reach, base_iri)
    return validate_graph(graph, shapes, ontology=ontology, focus_nodes=focus, base_iri=base_iri,
                          inplace=True)


def focus_neighbourhood(data: Triples, focus: Iterable[Term], reach: ShapeReach,
                        base_iri: str = CANONICAL_BASE_IRI) -> Graph:
    """What pyshacl needs to judge ``focus`` (:meth:`ShapeReach.neighbourhood`), and what the report
    shows about each focus node: labels, and for a blank node the fact holding it, with its quotes
    and source (as :func:`_read_result` looks them up)."""
    focus = list(focus)
    graph = reach.neighbourhood(data, focus)
    mdo = DatasetIris(base_iri).mdo
    holders: set[Term] = set()
    for node in focus:
        holders.add(node)
        for triple in blank_holders(data, node):
            graph.add(triple)
            holders.add(triple[0])
    for holder in holders:
        for predicate in (RDFS.label, SKOS.prefLabel, _PROV_DERIVED, mdo.evidence):
            for _p, value in data.objects(holder, predicate):
                graph.add((holder, predicate, value))
                if predicate == mdo.evidence:
                    for _q, quote in data.objects(value, OA.exact):
                        graph.add((value, OA.exact, quote))
    return graph


def affected_focus_nodes(
    data: Graph | Store | QuadSource,
    changed: Iterable[tuple[Term, Term, Term]],
    *,
    shapes: Graph | None = None,
    reach: ShapeReach | None = None,
) -> set[Term] | None:
    """Nodes whose verdict a change of ``changed`` triples (added or removed) may alter, in ``data``
    as it is after the change; ``None`` when the change needs a full validation.

    Derived from the shapes (pass ``shapes``, or their ``reach`` computed once): the subjects of the
    triples, their objects when a shape targets the objects of the predicate, and the nodes from
    which a shape reaches a changed subject and reads the changed predicate there
    (:meth:`ShapeReach.affected`). ``None`` when the shapes read without bound or the change
    touches the class hierarchy (:meth:`ShapeReach.needs_full_validation`).
    """
    if reach is None:
        if shapes is None:
            raise TypeError("affected_focus_nodes needs the shapes or their reach")
        reach = ShapeReach.of(shapes)
    changed = list(changed)
    if reach.needs_full_validation(changed) is not None:
        return None
    triples = GraphTriples(data) if isinstance(data, Graph) else _store_triples(data)
    if triples is None:
        triples = GraphTriples(_store_graph(data))  # type: ignore[arg-type]
    return reach.affected(triples, changed)


def _quad_source(store: Store | QuadSource) -> QuadSource | None:
    """The store's own pyoxigraph store (or a write's overlay of one); ``None`` for another backend."""
    if isinstance(store, QuadSource):
        return store
    raw = getattr(store, "raw", None)
    return raw if isinstance(raw, ox.Store) else None


def _store_triples(store: Store | QuadSource) -> Triples | None:
    """Pattern lookups on the store's own pyoxigraph store; ``None`` for a backend without one."""
    source = _quad_source(store)
    return None if source is None else OxigraphTriples(source)


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def _store_graph(store: Store | QuadSource) -> Graph:
    """The union of the store's graphs in rdflib; blank nodes keep the store's labels, so that a
    report on it names the nodes a report on a neighbourhood cut from the same store names."""
    graph = Graph()
    source = _quad_source(store)
    if source is not None:
        quads: Iterable[ox.Quad] = source.quads_for_pattern(None, None, None, None)
    else:
        quads = ox.parse(store.export(media_type="application/n-quads"),  # type: ignore[union-attr]
                         format=ox.RdfFormat.N_QUADS)
    for quad in quads:
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return graph


def _prefixes(base_iri: str, shapes: Graph | None = None) -> dict[str, str]:
    prefixes = dict(PREFIXES)
    if base_iri != CANONICAL_BASE_IRI:
        iris = DatasetIris(base_iri)
        prefixes.update(mdo=str(iris.mdo), id=str(iris.id))
    if shapes is not None:
        # Only the shapes' own namespaces under the base (mds:): rdflib binds dozens of others by default.
        known = set(prefixes.values())
        base = DatasetIris(base_iri).base
        for prefix, namespace in shapes.namespaces():
            iri = str(namespace)
            if prefix and prefix not in prefixes and iri not in known and iri.startswith(base):
                prefixes[prefix] = iri
    return prefixes


# --------------------------------------------------------------------------- reading pyshacl's report


def _read_results(report: Graph, shapes: Graph, data: Graph, prefixes: dict[str, str], base_iri: str,
                  described_in: dict[Term, list[str]]) -> list[ValidationResult]:
    names = _Namer(prefixes)
    mdo = DatasetIris(base_iri).mdo
    results: list[ValidationResult] = []
    for node in sorted(report.objects(None, SH.result), key=str):
        result = _read_result(report, node, shapes, data, names, mdo, described_in)
        if result is not None:
            results.append(result)
    return results


def _read_result(report: Graph, node: Term, shapes: Graph, data: Graph, names: _Namer, mdo: Any,
                 described_in: dict[Term, list[str]], depth: int = 0) -> ValidationResult | None:
    focus = report.value(node, SH.focusNode)
    if focus is None:
        return None
    details: list[ValidationResult] = []
    if depth < 3:
        for detail_node in sorted(report.objects(node, SH.detail), key=str):
            detail = _read_result(report, detail_node, shapes, data, names, mdo, described_in, depth + 1)
            if detail is not None:
                details.append(detail)
    severity_iri = report.value(node, SH.resultSeverity)
    severity = str(severity_iri).rsplit("#", 1)[-1] if severity_iri is not None else "Violation"
    path_node = report.value(node, SH.resultPath)
    shape = report.value(node, SH.sourceShape)
    component = report.value(node, SH.sourceConstraintComponent)
    holder = _fact_holder(data, focus, mdo)
    return ValidationResult(
        severity=severity,
        focus_node=focus,
        message=_message(report, node, component, names),
        path=None if path_node is None else _render_path(report, path_node, names),
        value=report.value(node, SH.value),
        source_shape=None if shape is None else _render_shape(shapes, shape, names),
        constraint=None if component is None else names.term(component),
        focus_label=_label(data, focus) or (None if holder in (None, focus) else _label(data, holder)),
        quotes=_quotes(data, holder, mdo) if holder is not None else (),
        sources=tuple(sorted(str(s) for s in data.objects(holder, _PROV_DERIVED)))
        if holder is not None else (),
        files=tuple(described_in.get(focus, ())),
        context=_context(data, focus, names) if isinstance(focus, BNode) else None,
        details=tuple(details),
    )


_PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def _message(report: Graph, node: Term, component: Term | None, names: _Namer) -> str:
    messages = [m for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal)]
    english = [m for m in messages if m.language in (None, "en")]
    chosen = english or messages
    if chosen:
        # pyshacl's own messages quote constraint values as Python reprs: 'Literal("3", datatype=...)'.
        return _LITERAL_REPR.sub(r"\1", "; ".join(sorted(str(m) for m in chosen)))
    return f"fails {names.term(component)}" if component is not None else "fails a shape"


_LITERAL_REPR = re.compile(r'Literal\("((?:[^"\\]|\\.)*)"(?:, (?:datatype|lang)=[^)]*)?\)')


def _label(data: Graph, node: Term) -> str | None:
    labels = [lab for prop in (RDFS.label, SKOS.prefLabel) for lab in data.objects(node, prop)
              if isinstance(lab, Literal)]
    if not labels:
        return None
    labels.sort(key=lambda lab: (lab.language not in ("en", None), lab.language or "", str(lab)))
    return str(labels[0])


def _fact_holder(data: Graph, focus: Term, mdo: Any) -> Term | None:
    """The node whose evidence explains ``focus``: itself, or the nearest node that holds this blank node."""
    if (focus, mdo.evidence, None) in data or isinstance(focus, URIRef):
        return focus
    node: Term = focus
    for _hop in range(3):
        referrers = sorted(data.subjects(None, node), key=str)
        if not referrers:
            return focus
        node = referrers[0]
        if (node, mdo.evidence, None) in data or isinstance(node, URIRef):
            return node
    return focus


def _context(data: Graph, node: Term, names: _Namer) -> str | None:
    steps: list[str] = []
    for _hop in range(3):
        links = sorted(data.subject_predicates(node), key=lambda sp: (str(sp[0]), str(sp[1])))
        if not links:
            break
        referrer, predicate = links[0]
        steps.append(names.term(predicate))
        node = referrer
        if isinstance(referrer, URIRef):
            return f"{'/'.join(reversed(steps))} of {names.term(referrer)}"
    return None


def _quotes(data: Graph, holder: Term, mdo: Any) -> tuple[str, ...]:
    quotes = {str(q) for evidence in data.objects(holder, mdo.evidence)
              for q in data.objects(evidence, OA.exact)}
    return tuple(sorted(quotes))


_PATH_SUFFIXES = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}


def _render_path(graph: Graph, path: Term, names: _Namer) -> str:
    if isinstance(path, URIRef):
        return names.term(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _grouped(graph, inverse, names)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_render_path(graph, p, names) for p in Collection(graph, alternatives)) + ")"
    for predicate, suffix in _PATH_SUFFIXES.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return _grouped(graph, inner, names) + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(_grouped(graph, p, names) for p in Collection(graph, path))
    return names.term(path)


def _grouped(graph: Graph, path: Term, names: _Namer) -> str:
    text = _render_path(graph, path, names)
    return text if isinstance(path, URIRef) or text.startswith("(") else f"({text})"


def _render_shape(shapes: Graph, shape: Term, names: _Namer) -> str:
    if isinstance(shape, URIRef):
        return names.term(shape)
    owner = shapes.value(None, SH.property, shape)
    path = shapes.value(shape, SH.path)
    where = _render_path(shapes, path, names) if path is not None else "a property"
    if owner is None:
        return f"property shape on {where}"
    return f"{_render_shape(shapes, owner, names)} / {where}"
