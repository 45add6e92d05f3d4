"""The cheap look before pyshacl skips a write only when the full check would judge no node.

It must find exactly the targeted nodes :func:`mdkg.validation.affected_focus_nodes` finds, and every
node pyshacl itself targets.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from mdkg.store._terms import from_ox
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import affected_focus_nodes
from mdkg.writes import WriteValidator
from mdkg.writes._validate import _rdflib_graph, _reaches
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph


@pytest.fixture
def dataset(dataset_store: OxigraphStore) -> ox.Store:
    return dataset_store.raw


def test_targeted_nodes_include_every_node_pyshacl_targets(dataset: ox.Store,
                                                           validator: WriteValidator) -> None:
    data = _rdflib_graph(dataset)
    for triple in validator.ontology:
        data.add(triple)
    expected = set()
    for shape in ShapesGraph(validator.shapes).shapes:
        expected.update(shape.focus_nodes(data))
    found = {from_ox(node) for node in validator._targeted(dataset)}
    assert expected  # the dataset has facts, documents, quotations and states
    assert expected <= found


def _sample(dataset: ox.Store, every: int) -> list[ox.Quad]:
    quads = sorted(dataset.quads_for_pattern(None, None, None, None), key=str)
    return quads[::every]


def test_affected_targeted_nodes_are_the_ones_affected_focus_nodes_finds(dataset: ox.Store,
                                                                         validator: WriteValidator) -> None:
    graph: Graph = _rdflib_graph(dataset)
    targeted = validator._targeted(dataset)
    targeted_rdflib = {from_ox(node): node for node in targeted}
    checked = 0
    for quad in _sample(dataset, 37):
        touched = {quad.subject} | ({quad.object} if not isinstance(quad.object, ox.Literal) else set())
        reached = {from_ox(node) for node in targeted if _reaches(dataset, node, touched)}
        official = affected_focus_nodes(graph, [(from_ox(quad.subject), from_ox(quad.predicate),
                                                 from_ox(quad.object))])
        assert reached == official & targeted_rdflib.keys(), quad
        checked += bool(reached)
    assert checked > 10  # most sampled changes affect some targeted node: the comparison says something


def test_a_change_no_shape_cares_about_is_skipped(dataset: ox.Store, validator: WriteValidator) -> None:
    stranger = ox.NamedNode("http://example.org/stranger")
    touched = {stranger, ox.NamedNode("http://xmlns.com/foaf/0.1/Document")}
    assert not any(_reaches(dataset, node, touched) for node in validator._targeted(dataset))
