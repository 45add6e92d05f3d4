"""A write validated on the nodes it affects gets the verdict a full validation gives (data-driven).

For each write below, applied to a copy of the project's dataset (with the shapes corpus' context
and a concept defined in the data): :meth:`WriteValidator.check` (the affected nodes, judged on
their neighbourhood cut from the store) is compared with a full validation of the dataset after
the write:

* the same verdict;
* on the nodes the check judged, the same results;
* on every other node, the results of the dataset before the write (nothing outside the affected
  nodes changed).

The writes: a valid new source; every example of the shapes corpus (``tests/shapes/*/valid`` and
``invalid``: each kind of violation); deletions that break a referrer; type changes on a node
others refer to; changes read two steps away from the node judged; a change of the class
hierarchy (validated whole). The last test checks that these cases notice a neighbourhood or an
affected set that is too small.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mdkg.dataset import load_dataset
from mdkg.formats import rdf_format
from mdkg.settings import Settings
from mdkg.shape_reach import ShapeReach
from mdkg.store._rdf_io import parse_rdf
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import ValidationReport, _store_graph, validate_graph
from mdkg.writes import Verdict, WriteValidator
from mdkg.writes._staging import Staging
from mdkg.writes._text import data_block

TESTS = Path(__file__).parent.parent
CORPUS = TESTS / "shapes"
CORPUS_CONTEXT = CORPUS / "_fixtures" / "corpus-context.ttl"
CASE_GRAPH = "urn:x-mdkg-test:write"

PREFIXES = """\
PREFIX mdo: <https://w3id.org/mdkg/ontology#>
PREFIX id: <https://w3id.org/mdkg/id/>
PREFIX src: <https://w3id.org/mdkg/id/source/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""

# A concept described in the data, not in the ontology: an agreement's status is then judged on a
# triple two steps away (agreement -mdo:status-> concept -skos:inScheme-> scheme) that no other
# node of the write brings into the neighbourhood.
DATA_CONCEPT = """\
id:test-status-concept a skos:Concept ;
    rdfs:label "Test status"@en ;
    skos:inScheme mdo:AgreementStatusScheme .
"""

NEW_SOURCE = """\
src:test-new a mdo:SourceDocument ;
    rdfs:label "A test source"@en ;
    dcterms:identifier "test-new" ;
    dcterms:publisher "Test Publisher" ;
    dcterms:issued "2026-01-15"^^xsd:date ;
    mdo:sha256 "abababababababababababababababababababababababababababababababab" .
id:test-japan-us-mou a mdo:MouOrFrameworkAgreement ;
    rdfs:label "Japan-US test MOU"@en ;
    mdo:party id:japan, id:united-states ;
    mdo:status STATUS ;
    prov:wasDerivedFrom src:test-new ;
    mdo:evidence [ a mdo:Quotation ; prov:wasQuotedFrom src:test-new ; oa:exact "Japan and the US signed." ] .
"""


@dataclass(frozen=True)
class Write:
    name: str
    update: str
    changes_results: bool = True
    """The write adds, removes or changes some result (so the comparison says something)."""


def _insert(turtle: str) -> str:
    quads = parse_rdf(PREFIXES.replace("PREFIX ", "@prefix ").replace(">\n", "> .\n") + turtle,
                      rdf_format("text/turtle"), CASE_GRAPH)
    return data_block("INSERT DATA", quads)


def _corpus_writes() -> Iterator[Write]:
    for path in sorted(CORPUS.glob("*/*/*.ttl")):
        if path.parent.name in ("valid", "invalid"):
            quads = parse_rdf(path.read_bytes(), rdf_format("text/turtle"), CASE_GRAPH)
            yield Write(f"corpus {path.parent.parent.name}/{path.parent.name}/{path.stem}",
                        data_block("INSERT DATA", quads), changes_results=path.parent.name == "invalid")


HAND_WRITTEN = [
    Write("a valid new source", _insert(NEW_SOURCE.replace("STATUS", "mdo:Signed")), changes_results=False),
    Write("a new source with one party only",
          _insert(NEW_SOURCE.replace("STATUS", "mdo:Signed").replace("id:japan, ", ""))),
    Write("a party referred to by agreements loses its type",
          PREFIXES + "DELETE WHERE { GRAPH ?g { id:japan a mdo:State } }"),
    Write("a party referred to by agreements becomes a person",
          PREFIXES + "DELETE { GRAPH ?g { id:japan a mdo:State } } "
                     "INSERT { GRAPH ?g { id:japan a foaf:Person } } "
                     "WHERE { GRAPH ?g { id:japan a mdo:State } }"),
    Write("the source document of every fact is deleted",
          PREFIXES + "DELETE WHERE { GRAPH ?g { src:000_bede271d1d92b66d ?p ?o } }"),
    Write("a fact loses its evidence",
          PREFIXES + "DELETE WHERE { GRAPH ?g { id:count-negotiations-completed mdo:evidence ?e . "
                     "?e ?p ?o } }"),
    Write("a quotation is emptied",
          PREFIXES + 'DELETE { GRAPH ?g { ?e oa:exact ?text } } INSERT { GRAPH ?g { ?e oa:exact "" } } '
                     "WHERE { GRAPH ?g { id:count-negotiations-completed mdo:evidence ?e . "
                     "?e oa:exact ?text } }"),
    Write("a quotation moves to another document",
          PREFIXES + "DELETE { GRAPH ?g { ?e prov:wasQuotedFrom ?d } } "
                     "INSERT { GRAPH ?g { ?e prov:wasQuotedFrom src:corpus-example } } "
                     "WHERE { GRAPH ?g { id:count-negotiations-completed mdo:evidence ?e . "
                     "?e prov:wasQuotedFrom ?d } }"),
    Write("a named member of a count changes class",
          PREFIXES + "DELETE { GRAPH ?g { id:us-argentina-mou-or-framework a ?t } } "
                     "INSERT { GRAPH ?g { id:us-argentina-mou-or-framework a mdo:Event } } "
                     "WHERE { GRAPH ?g { id:us-argentina-mou-or-framework a ?t } }"),
    Write("an agreement takes a status described in the data (read two steps away)",
          _insert(NEW_SOURCE.replace("STATUS", "id:test-status-concept")), changes_results=False),
    Write("the concept an agreement's status names moves to another scheme",
          PREFIXES + "DELETE DATA { GRAPH <urn:x-mdkg-test:base> { id:test-status-concept skos:inScheme "
                     "mdo:AgreementStatusScheme } } ;\nINSERT DATA { GRAPH <urn:x-mdkg-test:base> { "
                     "id:test-status-concept skos:inScheme mdo:EventStatusScheme } } ;\n"
          + _insert(NEW_SOURCE.replace("STATUS", "id:test-status-concept"))),
    Write("a data class placed under mdo:Party (the hierarchy: validated whole)",
          PREFIXES + "INSERT DATA { GRAPH <urn:x-mdkg-test:base> { foaf:Person rdfs:subClassOf mdo:Party } }",
          changes_results=False),
    Write("a change no shape reads", PREFIXES + 'INSERT DATA { <http://example.org/a> foaf:name "A" }',
          changes_results=False),
]

WRITES = [*HAND_WRITTEN, *_corpus_writes()]


@pytest.fixture(scope="module")
def validator() -> WriteValidator:
    return WriteValidator(Settings())


@pytest.fixture(scope="module")
def base() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    load_dataset(store, Settings())
    store.load(CORPUS_CONTEXT.read_bytes(), media_type="text/turtle", graph="urn:x-mdkg-test:base")
    store.update(PREFIXES + "INSERT DATA { GRAPH <urn:x-mdkg-test:base> { " + DATA_CONCEPT + " } }")
    yield store
    store.close()


def _full(store: object, validator: WriteValidator) -> ValidationReport:
    return validate_graph(_store_graph(store), validator.shapes, ontology=validator.ontology,  # type: ignore[arg-type]
                          inplace=True)


@pytest.fixture(scope="module")
def before(base: OxigraphStore, validator: WriteValidator) -> ValidationReport:
    report = _full(base, validator)
    assert report.conforms, report.render_text()
    return report


def _differences(write: Write, base: OxigraphStore, before: ValidationReport,
                 validator: WriteValidator) -> tuple[list[str], Verdict, ValidationReport]:
    """What differs between the write's checked verdict and a full validation after it."""
    staging = Staging(base)
    staging.apply(write.update)
    verdict = validator.check(staging.store, staging.delta())
    after = _full(staging.store, validator)
    judged = verdict.focus
    checked = {r.key() for r in verdict.report.results}
    problems = []
    if verdict.report.conforms != after.conforms:
        problems.append(f"verdict {verdict.report.conforms}, full validation {after.conforms}")
    expected = {r.key() for r in after.results if r.focus_node in judged}
    if verdict.full_validation is None and checked != expected:
        problems.append(f"on the judged nodes: only checked {checked - expected}, "
                        f"only full {expected - checked}")
    if verdict.full_validation is not None and checked != {r.key() for r in after.results}:
        problems.append("a full validation in the write path differs from the full validation")
    outside_after = {r.key() for r in after.results if r.focus_node not in judged}
    outside_before = {r.key() for r in before.results if r.focus_node not in judged}
    if verdict.full_validation is None and outside_after != outside_before:
        problems.append(f"outside the judged nodes: new {outside_after - outside_before}, "
                        f"gone {outside_before - outside_after}")
    return problems, verdict, after


@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_checked_verdict_equals_the_full_validation(write: Write, base: OxigraphStore,
                                                   before: ValidationReport,
                                                   validator: WriteValidator) -> None:
    problems, verdict, after = _differences(write, base, before, validator)
    assert not problems, problems
    changed = {r.key() for r in after.results} != {r.key() for r in before.results}
    assert changed == write.changes_results, after.render_text()
    if changed:
        assert verdict.shapes_ran and verdict.report.results  # the new results show in the check too


def test_the_hierarchy_change_is_validated_whole_and_the_rest_on_neighbourhoods(
        base: OxigraphStore, before: ValidationReport, validator: WriteValidator) -> None:
    by_name = {w.name: w for w in HAND_WRITTEN}
    hierarchy = by_name["a data class placed under mdo:Party (the hierarchy: validated whole)"]
    _p, whole, _a = _differences(hierarchy, base, before, validator)
    assert whole.full_validation is not None and "subClassOf" in whole.full_validation
    _p, new, _a = _differences(by_name["a valid new source"], base, before, validator)
    assert new.full_validation is None and new.shapes_ran
    assert 0 < new.neighbourhood_triples < len(_store_graph(base))
    _p, nothing, _a = _differences(by_name["a change no shape reads"], base, before, validator)
    assert not nothing.shapes_ran and nothing.focus_nodes == 0


def _truncated(reach: ShapeReach, depth: int) -> ShapeReach:
    root = copy.deepcopy(reach.root)
    for step in list(root.walk()):
        if len(step.path()) >= depth:
            step.children.clear()
    return ShapeReach(root, reach.targets_objects_of, reach.targets_subjects_of)


@pytest.mark.parametrize(("depth", "write_name"), [
    (1, "an agreement takes a status described in the data (read two steps away)"),
    (0, "a party referred to by agreements becomes a person"),
])
def test_the_comparison_notices_a_reach_too_short(depth: int, write_name: str, base: OxigraphStore,
                                                  before: ValidationReport, validator: WriteValidator,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut at ``depth``, the neighbourhood misses the concept's scheme (1) or the affected nodes miss
    the agreements that read a party's type (0): the comparison above must then fail."""
    write = next(w for w in HAND_WRITTEN if w.name == write_name)
    assert not _differences(write, base, before, validator)[0]
    monkeypatch.setattr(validator, "reach", _truncated(validator.reach, depth))
    assert _differences(write, base, before, validator)[0]
