"""What the shapes read from a focus node (mdkg.shape_reach), and where that has no bound."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from mdkg.dataset import load_dataset
from mdkg.settings import Settings
from mdkg.shape_reach import ANY_PREDICATE, ShapeReach
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import load_shapes
from mdkg.writes import WriteValidator
from mdkg.writes._staging import Delta
from rdflib import Graph

PROJECT = Path(__file__).parent / "fixtures" / "project"
PREFIXES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def _reach(turtle: str) -> ShapeReach:
    return ShapeReach.of(Graph().parse(data=PREFIXES + turtle, format="turtle"))


def _paths(reach: ShapeReach) -> set[tuple[str, ...]]:
    return {tuple(str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for p in step.path())
            for step in reach.root.walk()}


def test_the_project_shapes_read_two_steps_at_most() -> None:
    reach = ShapeReach.of(load_shapes(Settings()))
    assert reach.unbounded is None and reach.depth == 2
    paths = _paths(reach)
    # A sequence path, a nested sh:node, and the SPARQL constraint's triple patterns.
    assert {("evidence", "wasQuotedFrom"), ("status", "inScheme"), ("namedMember",),
            ("countedClass",)} <= paths
    assert {str(p) for p in reach.targets_objects_of} == {"https://w3id.org/mdkg/ontology#evidence",
                                                         "https://w3id.org/mdkg/ontology#amount"}


def test_nested_shapes_alternatives_and_closed_shapes() -> None:
    reach = _reach("""
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    sh:property [ sh:path [ sh:alternativePath ( ex:a ex:b ) ] ;
                  sh:or ( [ sh:node ex:T ] [ sh:datatype xsd:string ] ) ] ;
    sh:property [ sh:path ex:c ; sh:equals ex:d ] .
ex:T a sh:NodeShape ; sh:closed true ; sh:property [ sh:path ( ex:e ex:f ) ; sh:minCount 1 ] .
""")
    assert reach.unbounded is None
    assert {("a", "e", "f"), ("b", "e", "f"), ("c",), ("d",)} <= _paths(reach)
    ends = [step for step in reach.root.walk() if [str(p) for p in step.path()] == ["http://example.org/a"]]
    assert ANY_PREDICATE in ends[0].children  # sh:closed reads every property of the values


@pytest.mark.parametrize(("turtle", "why"), [
    ("ex:S sh:targetClass ex:C ; sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ] .",
     "zeroOrMorePath"),
    ("ex:S sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .",
     "inversePath"),
    ("ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:S ] .", "itself"),
    ('ex:S sh:targetClass ex:C ; sh:sparql [ sh:select "SELECT $this WHERE { ?x ex:p $this }" ] .',
     "not reached from $this"),
    ('ex:S sh:target [ a ex:T ] .', "sh:target"),
])
def test_what_has_no_bound_is_named(turtle: str, why: str) -> None:
    reach = _reach(turtle.replace('"SELECT', '"PREFIX ex: <http://example.org/> SELECT'))
    assert reach.unbounded is not None and why in reach.unbounded
    assert reach.needs_full_validation([]) == reach.unbounded


def test_shapes_without_bound_make_a_write_validate_the_whole_dataset(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    (root / "shapes" / "chain.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix mdo: <https://w3id.org/mdkg/ontology#> .\n"
        "mdo:ChainShape a sh:NodeShape ; sh:targetClass mdo:Agreement ;\n"
        "  sh:property [ sh:path [ sh:oneOrMorePath mdo:party ] ; sh:minCount 1 ] .\n")
    settings = Settings(root=root)
    store = OxigraphStore()
    load_dataset(store, settings)
    validator = WriteValidator(settings)
    agreement = ox.NamedNode("https://w3id.org/mdkg/id/agreement/new")
    quad = ox.Quad(agreement, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   ox.NamedNode("https://w3id.org/mdkg/ontology#Agreement"), ox.DefaultGraph())
    store.raw.add(quad)
    verdict = validator.check(store.raw, Delta(added=frozenset({quad}), removed=frozenset()))
    assert verdict.full_validation is not None and "oneOrMorePath" in verdict.full_validation
    assert not verdict.report.conforms  # the new agreement has no party
    assert any(str(r.focus_node) == agreement.value for r in verdict.report.violations)
