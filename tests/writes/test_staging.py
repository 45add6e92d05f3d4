"""Writes of mdkg's own wording (graphs dropped, quads inserted) staged without a copy of the store.

:class:`DataStaging` must find the change :class:`Staging` finds by running the same update on a copy,
and its overlay must read as that copy does (blank nodes compared up to renaming: ``INSERT DATA``
makes new ones each time).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from mdkg.store._terms import from_ox
from mdkg.store.oxigraph import OxigraphStore
from mdkg.writes._staging import DataStaging, Staging
from mdkg.writes._text import data_block, drop_graph, join_operations
from rdflib import Graph
from rdflib.compare import isomorphic

EX = "http://example.org/"
SOURCE_GRAPH = ox.NamedNode("https://w3id.org/mdkg/graph/source/000_bede271d1d92b66d")


def _quads(store: OxigraphStore, graph: ox.NamedNode) -> list[ox.Quad]:
    return list(store.raw.quads_for_pattern(None, None, None, graph))


def _graph(quads: object) -> Graph:
    graph = Graph()
    for quad in quads:  # type: ignore[attr-defined]
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return graph


def _same(left: object, right: object) -> bool:
    left_quads, right_quads = list(left), list(right)  # type: ignore[call-overload]
    ground = [{q for q in quads if not any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object))}
              for quads in (left_quads, right_quads)]
    return (len(left_quads) == len(right_quads) and ground[0] == ground[1]
            and isomorphic(_graph(left_quads), _graph(right_quads)))


def _cases(store: OxigraphStore) -> dict[str, tuple[list[ox.NamedNode | ox.DefaultGraph], list[ox.Quad]]]:
    source = _quads(store, SOURCE_GRAPH)
    new = ox.NamedNode(EX + "graph/new")
    blank = ox.BlankNode("b1")
    fresh = [ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), blank, new),
             ox.Quad(blank, ox.NamedNode(EX + "q"), ox.Literal("v"), new)]
    kept = [q for q in source if q.predicate.value.endswith("label")]
    return {
        "a new graph with blank nodes": ([], fresh),
        "a source graph dropped": ([SOURCE_GRAPH], []),
        "a source graph replaced, its labels kept": ([SOURCE_GRAPH], [*kept, *fresh[:1]]),
        "a source graph replaced by itself": ([SOURCE_GRAPH], source),
        "quads already there, inserted again": ([], kept),
        "the default graph emptied and filled": ([ox.DefaultGraph()], [
            ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("d"), ox.DefaultGraph())]),
    }


CASES = ["a new graph with blank nodes", "a source graph dropped", "a source graph replaced, its labels kept",
         "a source graph replaced by itself", "quads already there, inserted again",
         "the default graph emptied and filled"]


@pytest.mark.parametrize("case", CASES)
def test_data_staging_finds_what_running_the_update_finds(dataset_store: OxigraphStore, case: str) -> None:
    drops, inserts = _cases(dataset_store)[case]
    staged = DataStaging(dataset_store, drops, inserts)
    copy = Staging(dataset_store)
    drop_text = [drop_graph(None if isinstance(g, ox.DefaultGraph) else g.value) for g in drops]
    copy.apply(join_operations(*drop_text, data_block("INSERT DATA", inserts)))
    expected, found = copy.delta(), staged.delta()
    assert _same(found.added, expected.added) and _same(found.removed, expected.removed)
    if case == "a source graph dropped":
        assert found.removed and not found.added
    if case == "quads already there, inserted again":
        assert not found
    if case == "a source graph replaced by itself":
        # Only its blank nodes change: INSERT DATA makes new ones.
        assert found and all(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                             for q in found.added | found.removed)
    everything = (None, None, None, None)
    assert _same(staged.store.quads_for_pattern(*everything), copy.store.quads_for_pattern(*everything))
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    assert _same(staged.store.quads_for_pattern(None, label, None, None),
                 copy.store.quads_for_pattern(None, label, None, None))
