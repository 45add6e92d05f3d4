"""The transcriptions in graph/sources/ say what their source texts say, and no more.

Quotes are checked verbatim against ``Settings().sources_dir/<id>.txt`` (the captured texts live
beside the checkout, not in it: without them those tests are skipped). The remaining checks pin down
the readings the first source invites and a transcription can get wrong: the undecided "MOU or
framework agreement", month-only dates, "more than", stated counts against named members.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pycountry
import pytest
from mdkg.reference import render_reference
from mdkg.settings import Settings
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

MDO = Namespace("https://w3id.org/mdkg/ontology#")
ID = Namespace("https://w3id.org/mdkg/id/")
SRC = Namespace("https://w3id.org/mdkg/id/source/")
OA = Namespace("http://www.w3.org/ns/oa#")
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATE = URIRef(XSD + "date")
XSD_G_YEAR_MONTH = URIRef(XSD + "gYearMonth")

SETTINGS = Settings()
SOURCE_FILES = sorted((SETTINGS.graph_dir / "sources").glob("*.ttl"))
FIRST_SOURCE = "000_bede271d1d92b66d"


def parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def source_text(source_id: str) -> str:
    folder = SETTINGS.sources_dir
    if not folder.is_dir():
        pytest.skip(f"the source texts are not here ({folder}); quotes cannot be checked")
    path = folder / f"{source_id}.txt"
    assert path.is_file(), f"graph/sources/{source_id}.ttl has no source text {path}"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def first() -> Graph:
    return parse(SETTINGS.graph_dir / "sources" / f"{FIRST_SOURCE}.ttl")


@pytest.fixture(scope="module")
def reference() -> Graph:
    return parse(*sorted((SETTINGS.graph_dir / "reference").glob("*.ttl")))


def quotes_of(graph: Graph, fact: URIRef) -> list[str]:
    return [str(q) for e in graph.objects(fact, MDO.evidence) for q in graph.objects(e, OA.exact)]


def types_of(graph: Graph, node: URIRef) -> set[URIRef]:
    return set(graph.objects(node, RDF.type))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- quotes and documents


def test_there_are_transcriptions() -> None:
    assert SOURCE_FILES


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: p.stem)
def test_every_quote_occurs_verbatim_in_its_source(path: Path) -> None:
    text = source_text(path.stem)
    graph = parse(path)
    quotes = {str(q) for q in graph.objects(None, OA.exact)}
    assert quotes, f"{path.name} quotes nothing"
    missing = sorted(q for q in quotes if q not in text)
    assert not missing, f"quotes not in {path.stem}.txt: {missing}"


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: p.stem)
def test_quotes_and_facts_cite_the_document_of_their_file(path: Path) -> None:
    graph = parse(path)
    document = SRC[path.stem]
    cited = set(graph.objects(None, PROV.wasQuotedFrom)) | set(graph.objects(None, PROV.wasDerivedFrom))
    assert cited == {document}


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: p.stem)
def test_document_digest_and_identifier_match_the_text(path: Path) -> None:
    text = source_text(path.stem)
    graph = parse(path)
    document = SRC[path.stem]
    assert (document, RDF.type, MDO.SourceDocument) in graph
    assert str(graph.value(document, DCTERMS.identifier)) == path.stem
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert str(graph.value(document, MDO.sha256)) == digest


# --------------------------------------------------------------------------- MOU or framework


def test_no_agreement_is_both_mou_and_framework() -> None:
    graph = parse(*SOURCE_FILES)
    both = set(graph.subjects(RDF.type, MDO.MemorandumOfUnderstanding)) & set(
        graph.subjects(RDF.type, MDO.FrameworkAgreement))
    assert not both


def test_fact_sheet_agreements_are_typed_only_as_undecided(first: Graph) -> None:
    """"memoranda of understanding or framework agreements with A, B...": neither kind is asserted."""
    wording = "memoranda of understanding or framework agreements"
    from_fact_sheet = {f for f in set(first.subjects(MDO.evidence, None))
                       if any(wording in q for q in quotes_of(first, f))}
    assert len(from_fact_sheet) == 10
    for agreement in from_fact_sheet:
        assert types_of(first, agreement) == {MDO.MouOrFrameworkAgreement}, agreement
        parties = set(first.objects(agreement, MDO.party))
        assert len(parties) == 2 and ID["united-states"] in parties, agreement


def test_the_mous_the_source_names_as_mous(first: Graph) -> None:
    named_mous = {ID["us-uk-mou-2026-02-05"]: ID["united-kingdom"], ID["us-eu-mou"]: ID["european-union"]}
    for mou, partner in named_mous.items():
        assert types_of(first, mou) == {MDO.MemorandumOfUnderstanding}
        assert set(first.objects(mou, MDO.party)) == {ID["united-states"], partner}


def test_action_plans_and_their_parties(first: Graph) -> None:
    mexico = ID["us-mexico-critical-minerals-action-plan"]
    assert types_of(first, mexico) == {MDO.BilateralTradeActionPlan}
    assert set(first.objects(mexico, MDO.party)) == {ID["united-states"], ID["mexico"]}
    ec_japan = ID["us-ec-japan-critical-minerals-action-plan"]
    assert types_of(first, ec_japan) == {MDO.PlurilateralTradeActionPlan}
    assert set(first.objects(ec_japan, MDO.party)) == {
        ID["united-states"], ID["european-commission"], ID["european-union"], ID["japan"]}


def test_the_usmca_has_no_party_the_source_does_not_name(first: Graph) -> None:
    assert types_of(first, ID["usmca"]) == {MDO.TradeAgreement}
    assert list(first.objects(ID["usmca"], MDO.party)) == []


# --------------------------------------------------------------------------- dates


def test_october_2025_is_a_month_not_a_day(first: Graph) -> None:
    signed = first.value(ID["us-japan-framework-2025-10"], MDO.signedOn)
    assert signed == Literal("2025-10", datatype=XSD_G_YEAR_MONTH)
    assert first.value(ID["chair-term-forge-south-korea"], MDO.termThrough) == Literal(
        "2026-06", datatype=XSD_G_YEAR_MONTH)


MONTHS = {1: "Jan", 2: "Feb", 3: "Mar", 4: "Apr", 5: "May", 6: "Jun", 7: "Jul", 8: "Aug", 9: "Sep", 10: "Oct",
          11: "Nov", 12: "Dec"}
DATE_PROPERTIES = (MDO.signedOn, MDO.proposedOn, MDO.date, MDO.orderedOn, MDO.announcedOn, MDO.termThrough)


def date_facts(graph: Graph) -> list[tuple[URIRef, URIRef, Literal]]:
    return [(s, p, o) for p in DATE_PROPERTIES for s, o in graph.subject_objects(p)]  # type: ignore[misc]


@pytest.mark.parametrize("path", SOURCE_FILES, ids=lambda p: p.stem)
def test_dates_are_at_the_precision_the_quote_gives(path: Path) -> None:
    """A day is recorded only where a quote names it; a year not in the quote comes from the document."""
    graph = parse(path)
    issued = graph.value(SRC[path.stem], DCTERMS.issued)
    for fact, prop, value in date_facts(graph):
        year, month, *day = str(value).split("-")
        quotes = " ".join(quotes_of(graph, fact))
        assert MONTHS[int(month)] in quotes, f"{fact} {prop}: the month is not in the quote"
        if day:
            assert value.datatype == XSD_DATE
            assert re.search(rf"{MONTHS[int(month)]}\w*\.? {int(day[0])}\b", quotes), \
                f"{fact} {prop} {value}: the quote gives no day"
        else:
            assert value.datatype == XSD_G_YEAR_MONTH
        if year not in quotes:
            assert graph.value(fact, MDO.yearSuppliedFrom) == SRC[path.stem], f"{fact}: whence the year?"
            assert str(issued).startswith(year), f"{fact}: the year is not the document's"


# --------------------------------------------------------------------------- amounts


def test_more_than_30_billion_is_a_bound(first: Graph) -> None:
    supports = [f for f in first.subjects(RDF.type, MDO.Support)
                if any("more than $30 billion" in q for q in quotes_of(first, f))]
    assert len(supports) == 1
    amount = first.value(supports[0], MDO.amount)
    assert first.value(amount, MDO.minExclusive).toPython() == 30_000_000_000
    assert first.value(amount, MDO.value) is None
    assert str(first.value(amount, MDO.currency)) == "USD"


def test_stated_figures_are_values(first: Graph) -> None:
    amount = first.value(ID["support-exim-letters-of-interest"], MDO.amount)
    assert first.value(amount, MDO.value).toPython() == 14_800_000_000
    assert first.value(amount, MDO.minExclusive) is None


# --------------------------------------------------------------------------- counts


def test_ministerial_count_is_54_with_17_named_states(first: Graph, reference: Graph) -> None:
    count = ID["count-ministerial-countries"]
    assert first.value(count, MDO.statedCount).toPython() == 54
    members = set(first.objects(count, MDO.namedMember))
    assert len(members) == 17
    assert all((m, RDF.type, MDO.State) in reference for m in members)
    assert first.value(count, MDO.listIncomplete).toPython() is True
    ministerial = ID["critical-minerals-ministerial-2026"]
    delegated = {first.value(d, MDO.delegationOf) for d in first.subjects(MDO.atEvent, ministerial)}
    assert delegated == members | {ID["european-commission"]}


def test_eleven_frameworks_and_mous_name_ten(first: Graph) -> None:
    count = ID["count-new-frameworks-and-mous-2026-02"]
    assert first.value(count, MDO.statedCount).toPython() == 11
    members = set(first.objects(count, MDO.namedMember))
    assert len(members) == 10
    assert all(types_of(first, m) == {MDO.MouOrFrameworkAgreement} for m in members)
    assert first.value(count, MDO.listIncomplete).toPython() is False


# --------------------------------------------------------------------------- reference data


def test_every_entity_a_source_refers_to_is_described(reference: Graph) -> None:
    """Entities the transcription uses but does not describe are in the reference graph, typed."""
    for path in SOURCE_FILES:
        graph = parse(path)
        described = set(graph.subjects(RDF.type, None))
        referred = {o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(str(ID))
                    and not str(o).startswith(str(SRC))}
        undescribed = sorted(str(e) for e in referred - described if not list(reference.objects(e, RDF.type)))
        assert not undescribed, f"{path.name}: {undescribed}"


def test_states_of_the_sources_have_their_iso_codes(reference: Graph) -> None:
    graph = parse(*SOURCE_FILES)
    states = {o for o in graph.objects() if (o, RDF.type, MDO.State) in reference}
    assert ID["united-states"] in states and len(states) >= 20
    for state in states:
        alpha2, alpha3 = reference.value(state, MDO.iso3166Alpha2), reference.value(state, MDO.iso3166Alpha3)
        assert alpha2 is not None and alpha3 is not None, state
        country = pycountry.countries.get(alpha_3=str(alpha3))
        assert country is not None and country.alpha_2 == str(alpha2), state


def test_states_reference_file_is_what_the_generator_makes() -> None:
    committed = (SETTINGS.graph_dir / "reference" / "states.ttl").read_text(encoding="utf-8")
    assert committed == render_reference(), "run `mdkg reference` and commit graph/reference/states.ttl"
