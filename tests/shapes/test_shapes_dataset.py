"""The shapes against the dataset itself: every class it uses is shaped, every constraint speaks to a
researcher, and the transcription passes with exactly the findings the source explains."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

SH = "http://www.w3.org/ns/shacl#"
SHAPES_NS = "https://w3id.org/mdkg/shapes#"
ID = "https://w3id.org/mdkg/id/"


def sh(name: str) -> URIRef:
    return URIRef(SH + name)


@pytest.fixture(scope="module")
def ontology(project) -> Graph:
    graph = Graph()
    for path in sorted(project.ontology_dir.glob("*.ttl")):
        graph.parse(path)
    return graph


@pytest.fixture(scope="module")
def dataset(project) -> Graph:
    graph = Graph()
    for path in sorted(project.graph_dir.rglob("*.ttl")):
        graph.parse(path)
    return graph


def named_node_shapes(shapes: Graph) -> list[URIRef]:
    return sorted(s for s in shapes.subjects(RDF.type, sh("NodeShape"))
                  if isinstance(s, URIRef) and str(s).startswith(SHAPES_NS))


def superclasses(ontology: Graph, cls: URIRef) -> set[URIRef]:
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))


# --------------------------------------------------------------------------- coverage and wording


def test_shapes_exist(shapes_graph: Graph) -> None:
    assert len(named_node_shapes(shapes_graph)) >= 20


def test_every_class_the_data_uses_is_targeted(shapes_graph: Graph, ontology: Graph, dataset: Graph) -> None:
    targeted = set(shapes_graph.objects(None, sh("targetClass")))
    used = {c for c in dataset.objects(None, RDF.type) if isinstance(c, URIRef)}
    assert used, "the dataset types nothing"
    unshaped = sorted(str(c) for c in used if not superclasses(ontology, c) & targeted)
    assert not unshaped, f"classes used by graph/ without a shape targeting them or a superclass: {unshaped}"


def test_targeted_classes_are_declared_in_the_ontology(shapes_graph: Graph, ontology: Graph) -> None:
    undeclared = sorted(str(c) for c in shapes_graph.objects(None, sh("targetClass"))
                        if (c, RDF.type, OWL.Class) not in ontology)
    assert not undeclared


def test_every_named_shape_is_labelled(shapes_graph: Graph) -> None:
    unlabelled = [str(s) for s in named_node_shapes(shapes_graph)
                  if not any(isinstance(label, Literal) and label.language == "en"
                             for label in shapes_graph.objects(s, RDFS.label))]
    assert not unlabelled


_NODE_LEVEL_CONSTRAINTS = ("not", "xone", "or", "and", "class", "closed", "in", "hasValue", "node")


def _has_english_message(shapes: Graph, node: object) -> bool:
    return any(isinstance(m, Literal) and m.language in ("en", None) and str(m).strip()
               for m in shapes.objects(node, sh("message")))  # type: ignore[arg-type]


def test_every_constraint_has_a_message_for_researchers(shapes_graph: Graph) -> None:
    """pyshacl's own messages name constraint components; ours say what the source or the model needs."""
    silent = []
    for shape in named_node_shapes(shapes_graph):
        for prop in shapes_graph.objects(shape, sh("property")):
            if not _has_english_message(shapes_graph, prop):
                silent.append(f"{shape} / {shapes_graph.value(prop, sh('path'))}")
        for constraint in shapes_graph.objects(shape, sh("sparql")):
            if not _has_english_message(shapes_graph, constraint):
                silent.append(f"{shape} / SPARQL constraint")
        if any((shape, sh(c), None) in shapes_graph for c in _NODE_LEVEL_CONSTRAINTS) and \
                not _has_english_message(shapes_graph, shape):
            silent.append(str(shape))
    assert not silent, f"constraints without sh:message: {silent}"


def test_property_shapes_are_nested_not_shared(shapes_graph: Graph) -> None:
    """A blank property shape used by two shapes would report under either one's name."""
    owners: dict[BNode, int] = {}
    for _shape, prop in shapes_graph.subject_objects(sh("property")):
        if isinstance(prop, BNode):
            owners[prop] = owners.get(prop, 0) + 1
    assert all(count == 1 for count in owners.values())


# --------------------------------------------------------------------------- the transcription


def test_dataset_has_no_violation(dataset_findings) -> None:
    violations = [f for f in dataset_findings if f.severity == "Violation"]
    assert not violations, "\n".join(f"{f.focus}: {f.message}" for f in violations)


def test_dataset_has_exactly_the_warning_on_eleven_stated_ten_named(dataset_findings) -> None:
    warnings = [f for f in dataset_findings if f.severity == "Warning"]
    assert [(f.focus, f.shape) for f in warnings] == [
        (ID + "count-new-frameworks-and-mous-2026-02", "CountMismatchShape")]
    assert "The source states 11 but names 10" in warnings[0].message


def test_incomplete_lists_are_reported_as_information(dataset_findings) -> None:
    infos = {f.focus: f.message for f in dataset_findings if f.severity == "Info"}
    assert infos[ID + "count-ministerial-countries"] == "54 stated, 17 named, list marked incomplete"
    assert infos[ID + "count-negotiations-completed"] == "17 stated, 0 named, list marked incomplete"
    assert infos[ID + "count-agreements-past-five-months"] == "10 stated, 0 named, list marked incomplete"
    assert all(f.shape == "IncompleteCountShape" for f in dataset_findings if f.severity == "Info")
