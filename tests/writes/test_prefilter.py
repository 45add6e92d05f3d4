"""The cheap look before pyshacl: of the affected nodes, those some shape targets.

A write skips pyshacl when none of its affected nodes is targeted, so the look must find every node
pyshacl itself targets (and, to skip what it can, no other).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from mdkg.store._terms import from_ox
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import _store_graph
from mdkg.writes import WriteValidator
from mdkg.writes._staging import Delta
from pyshacl.shapes_graph import ShapesGraph

FOAF_NAME = ox.NamedNode("http://xmlns.com/foaf/0.1/name")


@pytest.fixture
def dataset(dataset_store: OxigraphStore) -> ox.Store:
    return dataset_store.raw


def test_targeted_nodes_are_the_nodes_pyshacl_targets(dataset: ox.Store, validator: WriteValidator) -> None:
    data = _store_graph(dataset)
    for triple in validator.ontology:
        data.add(triple)
    expected = set()
    for shape in ShapesGraph(validator.shapes).shapes:
        expected.update(shape.focus_nodes(data))
    every_node = {from_ox(t) for q in dataset.quads_for_pattern(None, None, None, None)
                  for t in (q.subject, q.object)}
    assert expected  # the dataset has facts, documents, quotations and states
    assert validator._targeted_among(dataset, every_node) == expected


def test_a_change_no_shape_cares_about_is_skipped(dataset: ox.Store, validator: WriteValidator) -> None:
    stranger = ox.NamedNode("http://example.org/stranger")
    quad = ox.Quad(stranger, FOAF_NAME, ox.Literal("S"), ox.DefaultGraph())
    dataset.add(quad)
    verdict = validator.check(dataset, Delta(added=frozenset({quad}), removed=frozenset()))
    assert verdict.report.conforms and not verdict.shapes_ran and verdict.focus_nodes == 0


def test_a_change_to_a_targeted_node_runs_the_shapes(dataset: ox.Store, validator: WriteValidator) -> None:
    [state] = [q.subject for q in dataset.quads_for_pattern(
        None, ox.NamedNode("https://w3id.org/mdkg/ontology#iso3166Alpha2"), ox.Literal("JP"), None)]
    quad = ox.Quad(state, FOAF_NAME, ox.Literal("J"), ox.DefaultGraph())
    dataset.add(quad)
    verdict = validator.check(dataset, Delta(added=frozenset({quad}), removed=frozenset()))
    assert verdict.shapes_ran and verdict.focus == {from_ox(state)}
