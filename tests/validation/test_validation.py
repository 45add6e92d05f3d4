"""SHACL validation of dataset files: verdicts, what the report shows, parse errors, focused runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from mdkg.cli import main
from mdkg.dataset import load_dataset
from mdkg.errors import NotFound, RdfSyntaxError
from mdkg.namespaces import OA, DatasetIris
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import (
    affected_focus_nodes,
    load_ontology,
    load_shapes,
    validate_files,
    validate_focus,
    validate_graph,
)
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT = FIXTURES / "project"
BROKEN = FIXTURES / "drafts" / "broken_facts.ttl"
MALFORMED = FIXTURES / "drafts" / "malformed.ttl"

MDO = DatasetIris().mdo
AGREEMENT = "https://w3id.org/mdkg/id/agreement/"
AUS_IND = URIRef(AGREEMENT + "aus-ind-2024")
AUS_JPN = URIRef(AGREEMENT + "aus-jpn-2023")
GHOST = URIRef(AGREEMENT + "ghost")
LONELY = URIRef(AGREEMENT + "lonely")
SH_CLASS = "sh:ClassConstraintComponent"


@pytest.fixture
def settings() -> Settings:
    return Settings(root=PROJECT)


def _copy_project(tmp_path: Path, *, without: tuple[str, ...] = ()) -> Settings:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    for folder in without:
        shutil.rmtree(root / folder)
        (root / folder).mkdir(parents=True)
    return Settings(root=root)


def _constraints(report, focus: URIRef) -> set[str]:
    return {r.constraint or "" for r in report.results if r.focus_node == focus}


def test_the_fixture_dataset_conforms_though_it_has_a_warning(settings: Settings) -> None:
    report = validate_files(settings)
    assert report.conforms
    assert report.count("Violation") == 0
    [warning] = report.warnings
    assert warning.focus_node == AUS_JPN
    assert warning.path == "rdfs:label"
    assert warning.quotes == ("a similar arrangement with Japan, signed last year",)
    assert warning.files == ("graph/sources/000_x.ttl",)
    assert "graph/reference/r.ttl" in report.files and "ontology/mdo.ttl" in report.files


def test_violations_are_found_with_focus_path_value_shape_and_quote(settings: Settings) -> None:
    report = validate_files(settings, [BROKEN])
    assert not report.conforms
    lonely = [r for r in report.violations if r.focus_node == LONELY]
    min_count = next(r for r in lonely if r.constraint == "sh:MinCountConstraintComponent")
    assert min_count.path == "mdo:party"
    assert min_count.message == "an agreement has at least two parties, each an actor"
    assert min_count.source_shape == "mdo:AgreementShape / mdo:party"
    assert min_count.focus_label == "A one-sided memorandum"
    assert min_count.quotes == ("signed a memorandum with itself",)
    assert min_count.sources == ("https://w3id.org/mdkg/id/source/999_draft",)
    wrong_type = next(r for r in lonely if r.constraint == SH_CLASS)
    assert wrong_type.value == URIRef("https://w3id.org/mdkg/id/source/000_x")


def test_reference_types_and_ontology_subclasses_are_seen(settings: Settings) -> None:
    # st:AUS is typed mdo:State only in the reference graph, and only the ontology says that a
    # State is an Actor: its sh:class mdo:Actor check passes; st:XXX, typed nowhere, fails.
    report = validate_files(settings, [BROKEN])
    ghost_values = {r.value for r in report.violations if r.focus_node == GHOST and r.constraint == SH_CLASS}
    assert ghost_values == {URIRef("https://w3id.org/mdkg/id/state/XXX")}


def test_without_reference_data_the_parties_have_no_type(tmp_path: Path) -> None:
    report = validate_files(_copy_project(tmp_path, without=("graph/reference",)))
    assert not report.conforms
    assert SH_CLASS in _constraints(report, AUS_IND)


def test_without_the_ontology_a_state_is_not_an_actor(tmp_path: Path) -> None:
    report = validate_files(_copy_project(tmp_path, without=("ontology",)))
    bad_parties = {r.value for r in report.violations if r.focus_node == AUS_IND and r.constraint == SH_CLASS}
    assert bad_parties == {URIRef("https://w3id.org/mdkg/id/state/AUS"),
                           URIRef("https://w3id.org/mdkg/id/state/IND")}


def test_sparql_constraints_run(settings: Settings) -> None:
    report = validate_files(settings, [BROKEN])
    sparql = [r for r in report.violations if r.constraint == "sh:SPARQLConstraintComponent"]
    assert {r.focus_node for r in sparql} == {GHOST, LONELY}
    ghost = next(r for r in sparql if r.focus_node == GHOST)
    assert ghost.message == "a party has no label: https://w3id.org/mdkg/id/state/XXX"


def test_nested_shape_failures_carry_their_reason(settings: Settings) -> None:
    report = validate_files(settings, [BROKEN])
    evidence = next(r for r in report.violations
                    if r.focus_node == GHOST and r.constraint == "sh:NodeConstraintComponent")
    [detail] = evidence.details
    assert detail.path == "oa:exact"
    assert detail.value == Literal("ok")
    assert detail.message == "String length not >= 3"


def test_render_text_groups_by_severity_and_shows_label_and_quote(settings: Settings) -> None:
    text = validate_files(settings, [BROKEN]).render_text()
    first_line = text.splitlines()[0]
    assert first_line.startswith("SHACL validation of 3 files against 1 shapes file: does NOT conform")
    assert "VIOLATIONS (" in text and "WARNINGS" not in text
    ghost_block = text[text.index("id:agreement/ghost"):text.index("id:agreement/lonely")]
    assert '"Ghost pact"' in ghost_block
    assert "mdo:party: an agreement has at least two parties, each an actor" in ghost_block
    assert "value: id:state/XXX" in ghost_block
    assert 'quote:  "ok"' in ghost_block
    assert "because: oa:exact \"ok\": String length not >= 3" in ghost_block
    assert "file:   " in ghost_block and "broken_facts.ttl" in ghost_block


def test_json_report_matches_the_results(settings: Settings) -> None:
    report = validate_files(settings, [BROKEN])
    data = json.loads(report.to_json())
    assert data["conforms"] is False
    assert data["counts"]["violation"] == len(report.violations) == len(data["results"])
    focus_nodes = {r["focus_node"] for r in data["results"]}
    assert focus_nodes == {str(GHOST), str(LONELY)}
    assert all(r["quotes"] for r in data["results"])


def test_a_malformed_file_names_file_and_line(settings: Settings) -> None:
    with pytest.raises(RdfSyntaxError) as caught:
        validate_files(settings, [MALFORMED])
    error = caught.value
    expected_line = next(n for n, line in enumerate(MALFORMED.read_text().splitlines(), start=1)
                         if "unterminated" in line)
    assert error.detail["file"] == str(MALFORMED)
    assert error.detail["line"] == expected_line
    assert "malformed.ttl" in error.message and error.status == 400


def test_a_missing_file_is_not_found(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        validate_files(settings, [tmp_path / "nope.ttl"])


def test_cli_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(PROJECT)]) == 0
    assert "conforms" in capsys.readouterr().out
    assert main(["validate", "--root", str(PROJECT), str(BROKEN)]) == 1
    assert "does NOT conform" in capsys.readouterr().out
    assert main(["validate", "--root", str(PROJECT), str(MALFORMED)]) == 1
    captured = capsys.readouterr()
    assert "mdkg: error:" in captured.err and "line" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    settings = _copy_project(tmp_path)
    sources = settings.graph_dir / "sources"
    head = ("@prefix mdo: <https://w3id.org/mdkg/ontology#> . @prefix oa: <http://www.w3.org/ns/oa#> .\n"
            "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
    fact = ("<https://w3id.org/mdkg/id/agreement/{name}> a mdo:Agreement ; rdfs:label \"{name}\" ;\n"
            "  mdo:party <https://w3id.org/mdkg/id/state/AUS>, <https://w3id.org/mdkg/id/state/JPN> ;\n"
            "  prov:wasDerivedFrom <https://w3id.org/mdkg/id/source/000_x> ; mdo:evidence _:e .\n")
    quote = '_:e oa:exact "a quote long enough" .\n'
    (sources / "001_a.ttl").write_text(head + fact.format(name="a") + quote)
    (sources / "002_b.ttl").write_text(head + fact.format(name="b") + "_:e a oa:TextQuoteSelector .\n")
    report = validate_files(settings)
    assert {r.focus_node for r in report.violations} == {URIRef(AGREEMENT + "b")}


# --------------------------------------------------------------------------- focused validation


def _graph(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def _keys(report) -> set[tuple[str, ...]]:
    return {r.key() for r in report.results}


@pytest.fixture
def shapes(settings: Settings) -> Graph:
    return load_shapes(settings)


@pytest.fixture
def ontology(settings: Settings) -> Graph:
    return load_ontology(settings)


def _all_data(*extra: Path) -> Graph:
    return _graph(PROJECT / "graph/sources/000_x.ttl", PROJECT / "graph/reference/r.ttl", *extra)


def test_focus_verdict_equals_the_full_verdict_for_a_changed_node(shapes: Graph, ontology: Graph) -> None:
    data = _all_data()
    data.remove((AUS_IND, MDO.party, URIRef("https://w3id.org/mdkg/id/state/IND")))
    full = validate_graph(data, shapes, ontology=ontology)
    focused = validate_focus(data, [AUS_IND], shapes=shapes, ontology=ontology)
    expected = {r.key() for r in full.results if r.focus_node == AUS_IND}
    assert expected and not focused.conforms
    assert _keys(focused) == expected
    assert all(r.focus_node == AUS_IND for r in focused.results)


def test_focus_on_a_node_that_is_fine_conforms(shapes: Graph, ontology: Graph) -> None:
    data = _all_data(BROKEN)
    assert not validate_graph(data, shapes, ontology=ontology).conforms
    assert validate_focus(data, [AUS_IND], shapes=shapes, ontology=ontology).conforms


def test_focus_on_each_broken_node_matches_the_full_run(shapes: Graph, ontology: Graph) -> None:
    data = _all_data(BROKEN)
    full = validate_graph(data, shapes, ontology=ontology)
    for node in (GHOST, LONELY):
        focused = validate_focus(data, [node], shapes=shapes, ontology=ontology)
        assert _keys(focused) == {r.key() for r in full.results if r.focus_node == node}


def test_focus_leaves_the_callers_graph_alone(shapes: Graph, ontology: Graph) -> None:
    data = _all_data()
    size = len(data)
    validate_focus(data, [AUS_IND], shapes=shapes, ontology=ontology)
    assert len(data) == size


def test_focus_on_a_store_with_another_base(tmp_path: Path) -> None:
    base = "http://127.0.0.1:8123/"
    settings = _copy_project(tmp_path).with_changes(base_iri=base)
    shutil.copy(BROKEN, settings.graph_dir / "sources" / "999_draft.ttl")
    store = OxigraphStore()
    load_dataset(store, settings)
    ghost = URIRef(base + "id/agreement/ghost")
    report = validate_focus(store, [ghost], shapes=load_shapes(settings, base),
                            ontology=load_ontology(settings, base), base_iri=base)
    assert not report.conforms
    assert {r.focus_node for r in report.results} == {ghost}
    assert {r.constraint for r in report.results} >= {SH_CLASS, "sh:SPARQLConstraintComponent"}
    assert report.results[0].quotes == ("ok",)


def test_affected_nodes_reach_the_fact_that_holds_a_changed_quote(shapes: Graph, ontology: Graph) -> None:
    data = _all_data()
    evidence = next(data.objects(AUS_IND, MDO.evidence))
    assert isinstance(evidence, BNode)
    old = next(data.objects(evidence, OA.exact))
    data.remove((evidence, OA.exact, old))
    data.add((evidence, OA.exact, Literal("no")))
    affected = affected_focus_nodes(data, [(evidence, OA.exact, old), (evidence, OA.exact, Literal("no"))],
                                    shapes=shapes)
    # The fact reads its quote through sh:node; no other fact does.
    assert affected == {AUS_IND, evidence}
    focused = validate_focus(data, affected, shapes=shapes, ontology=ontology)
    full = validate_graph(data, shapes, ontology=ontology)
    assert not focused.conforms
    assert _keys(focused) == {r.key() for r in full.results if r.focus_node in affected}


def test_affected_nodes_reach_the_facts_whose_shapes_read_the_change(shapes: Graph) -> None:
    data = _all_data()
    india = URIRef("https://w3id.org/mdkg/id/state/IND")
    state = URIRef("https://w3id.org/mdkg/ontology#State")
    # The agreements naming a party read its type (sh:class) and its label (SPARQL), nothing else.
    for read in (RDF.type, RDFS.label):
        assert AUS_IND in affected_focus_nodes(data, [(india, read, state)], shapes=shapes)
    assert affected_focus_nodes(data, [(india, RDFS.comment, Literal("India"))], shapes=shapes) == {india}
    # The class hierarchy decides targets everywhere: no bound.
    assert affected_focus_nodes(data, [(state, RDFS.subClassOf, state)], shapes=shapes) is None


def test_a_report_on_a_store_neighbourhood_reads_like_one_on_the_whole_graph() -> None:
    project = Settings()
    store = OxigraphStore()
    load_dataset(store, project)
    corpus = Path(__file__).parent.parent / "shapes"
    for example in ("_fixtures/corpus-context.ttl", "QuotationShape/invalid/empty-quote.ttl",
                    "AgreementShape/invalid/party-is-an-agency.ttl"):
        store.load((corpus / example).read_bytes(), media_type="text/turtle", graph=f"urn:x-test:{example}")
    from mdkg.validation import _store_graph

    shapes, ontology = load_shapes(project), load_ontology(project)
    whole = validate_graph(_store_graph(store), shapes, ontology=ontology)
    focus = {r.focus_node for r in whole.results if r.severity == "Violation"}
    # A broken quotation (a blank node: its report names the fact holding it) and an agreement.
    assert any(isinstance(node, BNode) for node in focus) and any(isinstance(node, URIRef) for node in focus)
    report = validate_focus(store, focus, shapes=shapes, ontology=ontology)
    assert report.results == [r for r in whole.results if r.focus_node in focus]
    assert any(r.context and r.quotes for r in report.results)
    assert report.data_triples < len(_store_graph(store)) + len(ontology)


def test_an_oxigraph_blank_node_store_export_round_trips() -> None:
    # validate_focus reads a store through N-Quads: its blank nodes must come back as one node each.
    store = OxigraphStore()
    store.raw.add(ox.Quad(ox.NamedNode("http://ex/s"), ox.NamedNode("http://ex/p"), ox.BlankNode("x"),
                          ox.NamedNode("http://ex/g")))
    store.raw.add(ox.Quad(ox.BlankNode("x"), ox.NamedNode("http://ex/q"), ox.Literal("v"),
                          ox.NamedNode("http://ex/g")))
    from mdkg.validation import _store_graph

    graph = _store_graph(store)
    [blank] = list(graph.objects(URIRef("http://ex/s"), URIRef("http://ex/p")))
    assert (blank, URIRef("http://ex/q"), Literal("v")) in graph


def test_shapes_prefixes_name_the_shapes_in_the_report(tmp_path: Path) -> None:
    settings = _copy_project(tmp_path)
    (settings.shapes_dir / "extra.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix mdo: <https://w3id.org/mdkg/ontology#> .\n"
        "@prefix mds: <https://w3id.org/mdkg/shapes#> .\n"
        "mds:SignedOnShape a sh:NodeShape ; sh:targetClass mdo:Agreement ;\n"
        "  sh:property [ sh:path mdo:signedOn ; sh:minCount 1 ; sh:severity sh:Info ] .\n")
    report = validate_files(settings)
    assert report.conforms
    [info] = report.infos
    assert info.focus_node == AUS_JPN
    assert info.source_shape == "mds:SignedOnShape / mdo:signedOn"
    assert "INFOS (1)" in report.render_text()
