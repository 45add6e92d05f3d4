"""The ontology with the reference and source graphs is consistent, for two reasoners.

* OWL 2 RL (owlrl's forward chaining): an inconsistency shows up as an ``err:ErrorMessage`` node
  (disjoint classes sharing an individual, a functional property with two values...), as an
  individual of ``owl:Nothing`` or as a class below ``owl:Nothing``.
* OWL 2 DL (HermiT, through owlready2; needs Java): ``OwlReadyInconsistentOntologyError`` for an
  inconsistent ontology, ``inconsistent_classes()`` for classes equivalent to ``owl:Nothing``.

The files in ``inconsistent/`` are wrong on purpose, so that these checks are seen to fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

INCONSISTENT_DIR = Path(__file__).parent / "inconsistent"
OWL_RL_WORKER = Path(__file__).parent / "_owl_rl_worker.py"
MOU_AND_FRAMEWORK = INCONSISTENT_DIR / "individual-both-mou-and-framework.ttl"
INCONSISTENT_INDIVIDUALS = [MOU_AND_FRAMEWORK,
                            INCONSISTENT_DIR / "individual-both-bilateral-and-plurilateral.ttl"]
UNSATISFIABLE_CLASS = INCONSISTENT_DIR / "class-under-mou-and-framework.ttl"


def parse_all(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


# --------------------------------------------------------------------------- OWL 2 RL


def owl_rl_closure(graph: Graph) -> tuple[list[str], int]:
    """Expand ``graph`` with the OWL 2 RL closure (in another process, see the worker's docstring):
    what makes it inconsistent, and the size of the closure."""
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "graph.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        done = subprocess.run([sys.executable, str(OWL_RL_WORKER), str(path)],
                              capture_output=True, text=True, check=True, timeout=300)
    answer = json.loads(done.stdout)
    return answer["problems"], answer["size"]


def owl_rl_problems(graph: Graph) -> list[str]:
    return owl_rl_closure(graph)[0]


def test_owl_rl_finds_the_dataset_consistent(whole_dataset: Graph) -> None:
    problems, closure_size = owl_rl_closure(whole_dataset)
    assert problems == []
    assert closure_size > len(whole_dataset), "the reasoner inferred nothing: was it run on the data?"


@pytest.mark.parametrize("example", INCONSISTENT_INDIVIDUALS, ids=lambda p: p.stem)
def test_owl_rl_rejects_an_individual_of_disjoint_classes(example: Path, whole_dataset: Graph) -> None:
    problems = owl_rl_problems(parse_all([example]) + whole_dataset)
    assert any("Disjoint classes" in p and "inconsistent-" in p for p in problems), problems


# --------------------------------------------------------------------------- OWL 2 DL (HermiT)

# HermiT accepts only literals of the OWL 2 datatype map (https://www.w3.org/TR/owl2-syntax/#Datatype_Maps):
# xsd:date and xsd:gYearMonth (the dates of the facts) are not in it.
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL2_DATATYPES = {RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational} | {
    URIRef(XSD + name) for name in [
        "decimal", "integer", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
        "negativeInteger", "long", "int", "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
        "double", "float", "string", "normalizedString", "token", "language", "Name", "NCName", "NMTOKEN",
        "boolean", "hexBinary", "base64Binary", "anyURI", "dateTime", "dateTimeStamp"]}


def outside_owl2_datatype_map(term: object) -> bool:
    return isinstance(term, Literal) and term.datatype is not None and term.datatype not in OWL2_DATATYPES


def for_hermit(graph: Graph) -> Graph:
    """``graph`` without the literals HermiT cannot parse: dates, about which the ontology says nothing."""
    kept = Graph()
    for triple in graph:
        if not outside_owl2_datatype_map(triple[2]):
            kept.add(triple)
    return kept


class HermiT:
    """HermiT run by owlready2 on an N-Triples copy of a graph, in a world of its own."""

    def __init__(self, workdir: Path) -> None:
        self.owlready2 = pytest.importorskip("owlready2")
        if shutil.which("java") is None:
            pytest.skip("HermiT needs Java and there is no `java` on PATH")
        self.workdir = workdir

    def check(self, graph: Graph) -> tuple[bool, list[str]]:
        """(consistent, the classes equivalent to owl:Nothing)."""
        path = self.workdir / "ontology-and-data.nt"
        for_hermit(graph).serialize(path, format="nt", encoding="utf-8")
        world = self.owlready2.World()
        world.get_ontology(path.as_uri()).load()
        try:
            self.owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
        except self.owlready2.OwlReadyInconsistentOntologyError:
            return False, []
        return True, sorted(c.iri for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))


@pytest.fixture
def hermit(tmp_path: Path) -> HermiT:
    return HermiT(tmp_path)


def test_dropping_dates_for_hermit_loses_no_axiom(whole_dataset: Graph) -> None:
    """Only values the ontology constrains in no way are left out of HermiT's input: dates of
    annotation properties and of datatype properties without a range."""
    dropped = [t for t in whole_dataset if outside_owl2_datatype_map(t[2])]
    assert dropped, "nothing is dropped: is the date filter still needed?"
    for _subject, predicate, _value in dropped:
        annotation = (predicate, RDF.type, OWL.AnnotationProperty) in whole_dataset
        unconstrained = (predicate, RDF.type, OWL.DatatypeProperty) in whole_dataset and \
            whole_dataset.value(predicate, RDFS.range) is None
        assert annotation or unconstrained, f"{predicate} has an axiom on its values"
    assert not [o for o in whole_dataset.objects(None, RDFS.range)
                if isinstance(o, URIRef) and str(o).startswith(XSD) and o not in OWL2_DATATYPES]


def test_hermit_finds_the_dataset_consistent(hermit: HermiT, whole_dataset: Graph) -> None:
    assert hermit.check(whole_dataset) == (True, [])


def test_hermit_rejects_an_individual_of_disjoint_classes(hermit: HermiT, whole_dataset: Graph) -> None:
    consistent, _classes = hermit.check(parse_all([MOU_AND_FRAMEWORK]) + whole_dataset)
    assert not consistent


def test_hermit_reports_an_unsatisfiable_class(hermit: HermiT, ontology: Graph) -> None:
    consistent, unsatisfiable = hermit.check(parse_all([UNSATISFIABLE_CLASS]) + ontology)
    assert consistent
    assert unsatisfiable == ["https://w3id.org/mdkg/ontology#UnsatisfiableMouFramework"]
