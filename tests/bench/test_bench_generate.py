"""The synthetic graph: deterministic, of the size asked, and conforming to the shapes."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from mdkg.settings import Settings
from mdkg.validation import validate_files

# bench/ sits at the top of the checkout, outside the installed package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.generate import SyntheticGraph, generate

MDO = "https://w3id.org/mdkg/ontology#"
PREFIXES = f"""PREFIX mdo: <{MDO}>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def sample() -> SyntheticGraph:
    return generate(2_000)


@pytest.fixture(scope="module")
def medium() -> SyntheticGraph:
    """Big enough for every kind of fact to appear (cheap to make; only the sample is validated)."""
    return generate(10_000)


@pytest.fixture(scope="module")
def sample_store(sample: SyntheticGraph) -> ox.Store:
    store = ox.Store()
    store.load(sample.nquads(), format=ox.RdfFormat.N_QUADS)
    return store


@pytest.fixture(scope="module")
def medium_store(medium: SyntheticGraph) -> ox.Store:
    store = ox.Store()
    store.load(medium.nquads(), format=ox.RdfFormat.N_QUADS)
    return store


def test_same_seed_same_bytes_other_seed_other_graph() -> None:
    first, again, other = generate(3_000, seed=1), generate(3_000, seed=1), generate(3_000, seed=2)
    assert first.nquads() == again.nquads()
    assert first.nquads() != other.nquads()


@pytest.mark.parametrize("target", [2_000, 12_000])
def test_reaches_the_target_and_stops_soon_after(target: int) -> None:
    graph = generate(target)
    assert target <= graph.triple_count < target + 2_000
    synthetic = [s for s in graph.sources if s.identifier.startswith("synthetic-")]
    assert synthetic, "at least one synthetic source"


def test_every_statement_is_one_nquads_line_in_its_own_graph(sample: SyntheticGraph,
                                                             sample_store: ox.Store) -> None:
    assert len(sample_store) == sample.quad_count
    graphs = {g.value for g in sample_store.named_graphs()}
    assert {s.graph for s in sample.sources} <= graphs
    assert "https://w3id.org/mdkg/graph/reference" in graphs
    assert "https://w3id.org/mdkg/graph/ontology" in graphs


def test_the_sample_conforms_to_the_shapes(sample: SyntheticGraph, tmp_path: Path) -> None:
    root = sample.write_project(tmp_path / "root")
    report = validate_files(Settings(root=root))
    assert report.shapes_files, "the shapes were found"
    assert report.violations == [], report.render_text()
    assert report.conforms


def test_agreements_of_every_type_with_two_to_five_parties(medium_store: ox.Store) -> None:
    rows = list(medium_store.query(PREFIXES + """
        SELECT ?type (MIN(?n) AS ?fewest) (MAX(?n) AS ?most) WHERE {
          { SELECT ?agreement (COUNT(?party) AS ?n) WHERE {
              GRAPH ?g { ?agreement mdo:party ?party ; prov:wasDerivedFrom ?source } } GROUP BY ?agreement }
          GRAPH ?g2 { ?agreement a ?type }
          FILTER(STRSTARTS(STR(?agreement), "https://w3id.org/mdkg/id/synthetic-"))
        } GROUP BY ?type"""))
    found = {row["type"].value.removeprefix(MDO): (int(row["fewest"].value), int(row["most"].value))
             for row in rows}
    for kind in ("MemorandumOfUnderstanding", "FrameworkAgreement", "MouOrFrameworkAgreement",
                 "BilateralTradeActionPlan", "PlurilateralTradeActionPlan", "TradeAgreement"):
        assert kind in found, f"no {kind} in the sample: {sorted(found)}"
    for kind, (fewest, most) in found.items():
        assert 2 <= fewest <= most <= 5, (kind, fewest, most)


def test_every_quote_is_a_span_of_its_own_synthetic_document(medium: SyntheticGraph,
                                                             medium_store: ox.Store) -> None:
    texts = {f"https://w3id.org/mdkg/id/source/{s.identifier}": s.text for s in medium.sources
             if s.identifier.startswith("synthetic-")}
    rows = list(medium_store.query(PREFIXES + """
        SELECT ?source ?quote WHERE { GRAPH ?g { ?fact prov:wasDerivedFrom ?source ;
                                                       mdo:evidence/oa:exact ?quote } }"""))
    checked = 0
    for row in rows:
        text = texts.get(row["source"].value)
        if text is not None:
            assert row["quote"].value in text
            checked += 1
    assert checked > 100


def test_a_new_source_is_new_and_of_the_size_asked(sample: SyntheticGraph) -> None:
    addition = sample.new_source(1_000)
    assert len(addition.triples) >= 1_000
    assert addition.identifier not in {s.identifier for s in sample.sources}
    parsed = list(ox.parse(sample.source_nquads(addition), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in parsed} == {addition.graph}
