"""``mdkg build``: dumps that re-parse to the source data, checksums, VoID counts, reproducibility."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mdkg.build import DUMPS, build_dist
from mdkg.cli import main
from mdkg.errors import ValidationFailed
from mdkg.settings import Settings
from rdflib import RDF, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

PROJECT = Path(__file__).parents[1] / "validation" / "fixtures" / "project"
BROKEN = Path(__file__).parents[1] / "validation" / "fixtures" / "drafts" / "broken_facts.ttl"
VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
CANONICAL = "https://w3id.org/mdkg/"
QUAD_FORMATS = {"mdkg.trig": "trig", "mdkg.nq": "nquads", "mdkg.jsonld": "json-ld"}
TRIPLE_FORMATS = {"mdkg.ttl": "turtle", "mdkg.nt": "nt", "mdkg.rdf": "xml"}


def _source_graphs(root: Path, base: str = CANONICAL) -> dict[str, Graph]:
    """The dataset read independently of mdkg: rdflib parses each file into its named graph."""
    graphs: dict[str, Graph] = {}

    def add(graph_iri: str, path: Path) -> None:
        text = path.read_text().replace(CANONICAL, base)
        graphs.setdefault(graph_iri, Graph()).parse(data=text, format="turtle")

    for path in sorted((root / "ontology").glob("*.ttl")):
        add(base + "graph/ontology", path)
    for path in sorted((root / "graph" / "sources").glob("*.ttl")):
        add(f"{base}graph/source/{path.stem}", path)
    for path in sorted((root / "graph" / "reference").glob("*.ttl")):
        add(base + "graph/reference", path)
    return graphs


def _union(graphs: dict[str, Graph]) -> Graph:
    union = Graph()
    for graph in graphs.values():
        for triple in graph:
            union.add(triple)
    return union


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build_dist(Settings(root=PROJECT), out)
    return out


def test_every_file_is_written(built: Path) -> None:
    names = {p.name for p in built.iterdir()}
    assert names == {name for name, _ in DUMPS} | {"void.ttl", "SHA256SUMS"}


@pytest.mark.parametrize("name", sorted(QUAD_FORMATS))
def test_quads_dumps_keep_every_named_graph(built: Path, name: str) -> None:
    expected = _source_graphs(PROJECT)
    dataset = Dataset()
    dataset.parse(built / name, format=QUAD_FORMATS[name])
    found = {str(g.identifier): g for g in dataset.graphs() if len(g)}
    assert set(found) == set(expected)
    for iri, graph in expected.items():
        assert isomorphic(found[iri], graph), iri


@pytest.mark.parametrize("name", sorted(TRIPLE_FORMATS))
def test_triples_dumps_hold_the_union(built: Path, name: str) -> None:
    parsed = Graph().parse(built / name, format=TRIPLE_FORMATS[name])
    assert isomorphic(parsed, _union(_source_graphs(PROJECT)))


def test_checksums_verify(built: Path) -> None:
    lines = (built / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == len(DUMPS) + 1
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((built / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=built, check=True)


def test_checksums_catch_a_changed_file(tmp_path: Path, built: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    with (copy / "mdkg.nt").open("ab") as handle:
        handle.write(b"\n")
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum is not installed")
    checked = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=copy,
                             capture_output=True, text=True)
    assert checked.returncode != 0 and "mdkg.nt" in checked.stdout + checked.stderr


def _count(void: Graph, node: URIRef, predicate: URIRef = VOID.triples) -> int:
    value = void.value(node, predicate)
    assert isinstance(value, Literal), (node, predicate)
    return int(value)


def test_void_counts_match_the_data(built: Path) -> None:
    graphs = _source_graphs(PROJECT)
    union = _union(graphs)
    void = Graph().parse(built / "void.ttl", format="turtle")
    [dataset] = list(set(void.subjects(RDF.type, VOID.Dataset)) - set(map(URIRef, graphs)))
    assert _count(void, dataset) == len(union)
    assert _count(void, dataset, VOID.distinctSubjects) == len(set(union.subjects()))
    subsets = {str(s): _count(void, s) for s in void.objects(dataset, VOID.subset)}
    assert subsets == {iri: len(graph) for iri, graph in graphs.items()}
    classes = {void.value(p, VOID["class"]): _count(void, p, VOID.entities)
               for p in void.objects(dataset, VOID.classPartition)}
    expected_classes = {c: len(set(union.subjects(RDF.type, c))) for c in set(union.objects(None, RDF.type))}
    assert classes == expected_classes
    properties = {void.value(p, VOID.property): _count(void, p)
                  for p in void.objects(dataset, VOID.propertyPartition)}
    assert properties == {p: len(list(union.triples((None, p, None)))) for p in set(union.predicates())}


def test_void_names_dumps_endpoint_vocabularies_and_metadata(built: Path) -> None:
    void = Graph().parse(built / "void.ttl", format="turtle")
    dataset = URIRef(CANONICAL + ".well-known/void#dataset")
    dumps = {str(d) for d in void.objects(dataset, VOID.dataDump)}
    assert dumps == {f"{CANONICAL}dist/{name}" for name, _ in DUMPS}
    turtle_dump = URIRef(f"{CANONICAL}dist/mdkg.ttl")
    assert "union of all named graphs" in str(void.value(turtle_dump, DCTERMS.description))
    assert str(void.value(turtle_dump, DCTERMS["format"])) == "text/turtle"
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(CANONICAL + "sparql")
    vocabularies = {str(v) for v in void.objects(dataset, VOID.vocabulary)}
    assert {"https://w3id.org/mdkg/ontology#", "http://www.w3.org/ns/oa#",
            "http://www.w3.org/ns/prov#"} <= vocabularies
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.modified):
        assert void.value(dataset, predicate) is not None, predicate


def test_rebuilding_gives_identical_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first, second = build_dist(Settings(root=PROJECT), tmp_path / "a"), build_dist(
        Settings(root=PROJECT), tmp_path / "b")
    assert [f.sha256 for f in first.files] == [f.sha256 for f in second.files]
    for name in [n for n, _ in DUMPS] + ["void.ttl", "SHA256SUMS"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    void = Graph().parse(tmp_path / "a" / "void.ttl", format="turtle")
    modified = void.value(URIRef(CANONICAL + ".well-known/void#dataset"), DCTERMS.modified)
    assert isinstance(modified, Literal)
    assert modified.toPython() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_violations_stop_the_build(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    shutil.copy(BROKEN, root / "graph" / "sources" / "999_draft.ttl")
    out = tmp_path / "dist"
    with pytest.raises(ValidationFailed) as caught:
        build_dist(Settings(root=root), out)
    assert caught.value.detail["conforms"] is False
    assert caught.value.detail["counts"]["violation"] > 0
    assert "id:agreement/ghost" in caught.value.message
    assert not out.exists()
    assert main(["build", "--root", str(root), "--out", str(out)]) == 1
    assert not out.exists()


def test_blank_nodes_of_two_files_stay_two_nodes(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    for name in ("001_a", "002_b"):
        (root / "graph" / "sources" / f"{name}.ttl").write_text(
            f'_:n <http://www.w3.org/2000/01/rdf-schema#label> "{name}" .\n')
    build_dist(Settings(root=root), tmp_path / "dist")
    union = Graph().parse(tmp_path / "dist" / "mdkg.ttl", format="turtle")
    labelled = list(union.subject_objects(URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    blank_subjects = {s for s, o in labelled if str(o) in ("001_a", "002_b")}
    assert len(blank_subjects) == 2


def test_another_base_moves_every_iri(tmp_path: Path) -> None:
    base = "http://127.0.0.1:8765/"
    result = build_dist(Settings(root=PROJECT, base_iri=base), tmp_path / "dist")
    dataset = Dataset().parse(tmp_path / "dist" / "mdkg.nq", format="nquads")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == set(_source_graphs(PROJECT, base))
    assert set(result.statistics.graphs) == names
    text = (tmp_path / "dist" / "mdkg.nq").read_text()
    assert CANONICAL not in text
    void = Graph().parse(tmp_path / "dist" / "void.ttl", format="turtle")
    endpoint = void.value(URIRef(base + ".well-known/void#dataset"), VOID.sparqlEndpoint)
    assert endpoint == URIRef(base + "sparql")


def test_summary_lists_files_sizes_and_counts(tmp_path: Path) -> None:
    result = build_dist(Settings(root=PROJECT), tmp_path / "dist")
    text = result.summary()
    for dump in result.files:
        assert dump.name in text
        assert dump.size == (tmp_path / "dist" / dump.name).stat().st_size
    assert f"{result.statistics.quads} quads in 3 named graphs" in text
    assert result.file("mdkg.nq").statements == result.statistics.quads
    assert result.file("mdkg.nt").statements == result.statistics.triples
