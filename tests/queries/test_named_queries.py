"""The named queries of ``queries/`` on the real dataset: exact answers, the same on every backend.

The expected answers are read off the first source (S&P Global, 2026-02-05,
``shared/sources/000_bede271d1d92b66d.txt``) and, for regions and EU membership, off the reference
data; they are written out here, not copied from what the queries return.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from mdkg.dataset import load_dataset
from mdkg.queries import NamedQuery, NamedQueryLibrary, run_named_query
from mdkg.queries._library import VIEWS
from mdkg.settings import Settings
from mdkg.store import SelectResult, Store
from mdkg.store.oxigraph import OxigraphStore
from rdflib import Graph, Literal, URIRef

ID = "https://w3id.org/mdkg/id/"
MDO = "https://w3id.org/mdkg/ontology#"
SOURCE_ID = "000_bede271d1d92b66d"
XSD = "http://www.w3.org/2001/XMLSchema#"
WAS_DERIVED_FROM = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
SETTINGS = Settings()


def iri(short: str) -> URIRef:
    """``japan`` -> the id IRI; ``mdo:State`` -> the ontology IRI."""
    return URIRef(MDO + short[4:]) if short.startswith("mdo:") else URIRef(ID + short)


def iris(*shorts: str) -> set[URIRef]:
    return {iri(s) for s in shorts}


UNDECIDED_PARTNERS = ("argentina", "cook-islands", "ecuador", "guinea", "morocco", "paraguay", "peru",
                      "philippines", "united-arab-emirates", "uzbekistan")
UNDECIDED_AGREEMENTS = ("us-argentina-mou-or-framework", "us-cook-islands-mou-or-framework",
                        "us-ecuador-mou-or-framework", "us-guinea-mou-or-framework",
                        "us-morocco-mou-or-framework", "us-paraguay-mou-or-framework",
                        "us-peru-mou-or-framework", "us-philippines-mou-or-framework",
                        "us-uae-mou-or-framework", "us-uzbekistan-mou-or-framework")
MINISTERIAL_STATES = ("argentina", "australia", "brazil", "canada", "democratic-republic-of-the-congo",
                      "dominican-republic", "ecuador", "france", "germany", "india", "israel", "italy",
                      "japan", "mexico", "south-korea", "ukraine", "united-kingdom")
PLAN_EC_JAPAN = "us-ec-japan-critical-minerals-action-plan"
PLAN_MEXICO = "us-mexico-critical-minerals-action-plan"


# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def library() -> NamedQueryLibrary:
    return NamedQueryLibrary.from_dir(SETTINGS.queries_dir, SETTINGS.base_iri)


@pytest.fixture(scope="module")
def oxigraph() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    load_dataset(store, SETTINGS)
    yield store
    store.close()


@pytest.fixture(scope="module")
def rdflib_store() -> Iterator[Store]:
    try:
        module = importlib.import_module("mdkg.store.rdflib_memory")
    except ImportError:
        pytest.skip("the rdflib backend (mdkg.store.rdflib_memory) is not available")
    store = module.RdflibStore()
    load_dataset(store, SETTINGS)
    yield store
    store.close()


@pytest.fixture(scope="module")
def source_text() -> str:
    path = SETTINGS.sources_dir / f"{SOURCE_ID}.txt"
    if not path.is_file():
        pytest.skip(f"source text {path} is not available")
    return path.read_text(encoding="utf-8")


def run(store: Store, library: NamedQueryLibrary, name: str, **params: str) -> list[dict[str, object]]:
    """Rows as ``{column: term}``, unbound columns left out."""
    result = run_named_query(store, library.get(name), params)
    assert isinstance(result, SelectResult)
    return result.dicts()


def column(rows: list[dict[str, object]], name: str) -> set[object]:
    return {row[name] for row in rows if name in row}


def text(row: Mapping[str, object], name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


def boolean(row: Mapping[str, object], name: str) -> bool:
    value = row[name]
    assert isinstance(value, Literal) and value.datatype == URIRef(XSD + "boolean"), value
    return bool(value.toPython())


def number(row: Mapping[str, object], name: str) -> Decimal | None:
    value = row.get(name)
    return None if value is None else Decimal(str(value))


# --- the front matter -------------------------------------------------------------------------

QUERY_FILES = sorted(SETTINGS.queries_dir.glob("*.rq"))


def _raw_front_matter(path: Path) -> dict[str, object]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#+"):
            break
        lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    data = yaml.safe_load("\n".join(lines))
    assert isinstance(data, dict), path.name
    return data


def test_the_library_holds_at_least_twelve_queries_and_loads_strictly(library: NamedQueryLibrary) -> None:
    assert len(QUERY_FILES) >= 12
    assert library.errors == {}
    assert sorted(library.names()) == sorted(p.stem for p in QUERY_FILES)


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_every_query_documents_itself_and_types_its_parameters(path: Path,
                                                               library: NamedQueryLibrary) -> None:
    query = library.get(path.stem)
    raw = _raw_front_matter(path)
    assert isinstance(raw.get("summary"), str) and raw["summary"].strip()
    assert isinstance(raw.get("description"), str) and len(raw["description"].split()) >= 15
    assert isinstance(raw.get("tags"), list) and raw["tags"]
    assert query.default_view in VIEWS
    assert query.form == "SELECT"
    declared = raw.get("params") or {}
    assert isinstance(declared, dict)
    assert [p.name for p in query.parameters] == list(declared)
    for parameter in query.parameters:
        declaration = declared[parameter.name]
        assert "type" in declaration, f"{parameter.name}: the type must be written out"
        assert parameter.description, f"{parameter.name} has no description"
        assert parameter.default is not None or parameter.required, f"{parameter.name}: no default"
    # Defaults must bind: a query is runnable without any parameter.
    assert set(query.bind({})) == {p.name for p in query.parameters if p.default is not None}


def test_the_readme_lists_every_query() -> None:
    readme = (SETTINGS.queries_dir / "README.md").read_text(encoding="utf-8")
    missing = [p.stem for p in QUERY_FILES if f"`{p.stem}`" not in readme]
    assert missing == []


# --- mou-and-ustr-action-plan --------------------------------------------------------------------

def _verdicts(rows: list[dict[str, object]]) -> set[tuple[object, ...]]:
    """(party, agreement, kind, counts, action plan, hasBoth) per row, None where a cell is empty."""
    return {(row["party"], row.get("agreement"), text(row, "agreementKind"),
             boolean(row, "agreementCounts") if "agreementCounts" in row else None,
             row.get("actionPlan"), boolean(row, "hasBoth")) for row in rows}


def _plan(party: str, plan: str, has_both: bool) -> tuple[object, ...]:
    """The row of one action plan: the agreement columns stay empty."""
    return (iri(party), None, None, None, iri(plan), has_both)


def test_one_row_per_item_so_the_answer_grows_with_the_items(oxigraph: Store,
                                                              library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "mou-and-ustr-action-plan", show_near_misses="true",
               include_frameworks="true", include_blocs="true")
    # Each row is an agreement or a plan, never both: a party with a agreements and p plans has a + p rows.
    assert all(("agreement" in row) != ("actionPlan" in row) for row in rows)
    japan = [row for row in rows if row["party"] == iri("japan")]
    assert [("agreement" in row, "actionPlan" in row) for row in japan] == [(True, False), (False, True)]


def test_no_country_has_both_a_strict_mou_and_an_action_plan(oxigraph: Store,
                                                             library: NamedQueryLibrary) -> None:
    # The only MOU inside a USTR plan is the US-EU MOU, and the EU is a bloc; the UK's MOU has no plan.
    assert run(oxigraph, library, "mou-and-ustr-action-plan") == []


def test_with_frameworks_japan_qualifies_through_its_october_2025_framework(
        oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "mou-and-ustr-action-plan", include_frameworks="true")
    assert _verdicts(rows) == {
        (iri("japan"), iri("us-japan-framework-2025-10"), "framework", True, None, True),
        _plan("japan", PLAN_EC_JAPAN, True),
    }
    assert column(rows, "partyClass") == {iri("mdo:State")}
    assert column(rows, "partyLabel") == {Literal("Japan", lang="en")}


def test_with_blocs_the_eu_qualifies_through_the_mou_inside_the_plan(oxigraph: Store,
                                                                    library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "mou-and-ustr-action-plan", include_blocs="true")
    assert _verdicts(rows) == {
        (iri("european-union"), iri("us-eu-mou"), "MOU", True, None, True),
        _plan("european-union", PLAN_EC_JAPAN, True),
    }
    both = run(oxigraph, library, "mou-and-ustr-action-plan", include_blocs="true", include_frameworks="true")
    assert column(both, "party") == iris("european-union", "japan")


def test_near_misses_show_why_each_party_is_out(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "mou-and-ustr-action-plan", show_near_misses="true")
    expected = {(iri(p), iri(a), "MOU or framework (undecided)", False, None, False)
                for p, a in zip(UNDECIDED_PARTNERS, UNDECIDED_AGREEMENTS, strict=True)}
    expected |= {
        (iri("united-kingdom"), iri("us-uk-mou-2026-02-05"), "MOU", True, None, False),
        (iri("japan"), iri("us-japan-framework-2025-10"), "framework", False, None, False),
        _plan("japan", PLAN_EC_JAPAN, False),
        _plan("mexico", PLAN_MEXICO, False),
    }
    assert _verdicts(rows) == expected


def test_no_party_is_credited_with_an_mou_the_text_does_not_give_it(oxigraph: Store,
                                                                   library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "mou-and-ustr-action-plan", show_near_misses="true",
               include_frameworks="true", include_blocs="true")
    mous = {(row["party"], row["agreement"]) for row in rows if text(row, "agreementKind") == "MOU"}
    assert mous == {(iri("united-kingdom"), iri("us-uk-mou-2026-02-05")),
                    (iri("european-union"), iri("us-eu-mou"))}
    assert {row["party"] for row in rows if boolean(row, "hasBoth")} == iris("japan", "european-union")
    # The hub is never listed, nor the Commission (an institution, not a country or bloc).
    assert not column(rows, "party") & iris("united-states", "european-commission")


def test_another_hub_turns_the_question_around(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "mou-and-ustr-action-plan", hub="japan", include_frameworks="true")
    assert _verdicts(rows) == {
        (iri("united-states"), iri("us-japan-framework-2025-10"), "framework", True, None, True),
        _plan("united-states", PLAN_EC_JAPAN, True),
    }


# --- agreement-parties ---------------------------------------------------------------------------

def _parties_by_agreement(rows: list[dict[str, object]]) -> dict[URIRef, set[object]]:
    parties: dict[URIRef, set[object]] = {}
    for row in rows:
        parties.setdefault(row["agreement"], set()).update([row["party"]] if "party" in row else [])
    return parties


def test_agreement_parties_default_is_every_mou_or_framework(oxigraph: Store,
                                                            library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "agreement-parties")
    expected = {iri(a): iris("united-states", p) for a, p in zip(UNDECIDED_AGREEMENTS, UNDECIDED_PARTNERS,
                                                                 strict=True)}
    expected[iri("us-uk-mou-2026-02-05")] = iris("united-states", "united-kingdom")
    expected[iri("us-eu-mou")] = iris("united-states", "european-union")
    expected[iri("us-japan-framework-2025-10")] = iris("united-states", "japan")
    assert _parties_by_agreement(rows) == expected
    # One row per agreement, party and quote: the US-EU MOU has two quotes.
    assert len(rows) == 2 * 12 + 2 * 2
    types = {row["agreement"]: row["type"] for row in rows}
    assert types[iri("us-argentina-mou-or-framework")] == iri("mdo:MouOrFrameworkAgreement")
    assert types[iri("us-japan-framework-2025-10")] == iri("mdo:FrameworkAgreement")
    dates = {row["agreement"]: row["signedOn"] for row in rows if "signedOn" in row}
    assert dates == {
        iri("us-japan-framework-2025-10"): Literal("2025-10", datatype=URIRef(XSD + "gYearMonth")),
        iri("us-uk-mou-2026-02-05"): Literal("2026-02-05", datatype=URIRef(XSD + "date")),
    }
    assert {row["agreement"] for row in rows if row.get("status") == iri("mdo:Signed")} == \
        iris("us-japan-framework-2025-10", "us-uk-mou-2026-02-05")
    assert column(rows, "source") == {iri(f"source/{SOURCE_ID}")}


@pytest.mark.parametrize(("agreement_type", "expected"), [
    ("MemorandumOfUnderstanding", {"us-uk-mou-2026-02-05": ("united-states", "united-kingdom"),
                                   "us-eu-mou": ("united-states", "european-union")}),
    ("FrameworkAgreement", {"us-japan-framework-2025-10": ("united-states", "japan")}),
    ("TradeActionPlan", {PLAN_MEXICO: ("united-states", "mexico"),
                         PLAN_EC_JAPAN: ("united-states", "european-commission", "european-union", "japan")}),
])
def test_agreement_parties_of_one_type(oxigraph: Store, library: NamedQueryLibrary, agreement_type: str,
                                       expected: dict[str, tuple[str, ...]]) -> None:
    rows = run(oxigraph, library, "agreement-parties", agreement_type=agreement_type)
    assert _parties_by_agreement(rows) == {iri(a): iris(*ps) for a, ps in expected.items()}


def test_every_agreement_including_one_without_named_parties(oxigraph: Store,
                                                            library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "agreement-parties", agreement_type=MDO + "Agreement")
    parties = _parties_by_agreement(rows)
    assert len(parties) == 16
    assert parties[iri("usmca")] == set()


# --- ministerial-delegations ------------------------------------------------------------------------

def test_ministerial_delegations_with_stated_and_named_counts(oxigraph: Store,
                                                             library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "ministerial-delegations")
    assert column(rows, "party") == iris(*MINISTERIAL_STATES, "european-commission")
    assert len(rows) == 18
    classes = {row["party"]: row["partyClass"] for row in rows}
    assert classes[iri("european-commission")] == iri("mdo:SupranationalBody")
    assert {classes[iri(s)] for s in MINISTERIAL_STATES} == {iri("mdo:State")}
    for row in rows:
        assert (number(row, "statedCount"), number(row, "namedCount")) == (54, 17)
        assert boolean(row, "listIncomplete") is True
        assert row["countedClass"] == iri("mdo:State")
    assert run(oxigraph, library, "ministerial-delegations", event="forge") == []


# --- forum-chairs --------------------------------------------------------------------------------

def test_forge_is_chaired_by_south_korea_through_june_2026(oxigraph: Store,
                                                           library: NamedQueryLibrary) -> None:
    [row] = run(oxigraph, library, "forum-chairs")
    assert (row["forum"], text(row, "forumShortName"), row["chair"]) == (iri("forge"), "FORGE",
                                                                          iri("south-korea"))
    assert row["termThrough"] == Literal("2026-06", datatype=URIRef(XSD + "gYearMonth"))
    assert text(row, "termPrecision") == "month"
    assert boolean(row, "yearSupplied") is True
    assert "2026-02-05" in (text(row, "dateNote") or "")
    assert text(row, "quote") == "It will be chaired by South Korea through June."


# --- support-by-agency ---------------------------------------------------------------------------

def test_support_keeps_exact_amounts_apart_from_lower_bounds(oxigraph: Store,
                                                            library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "support-by-agency")
    found = {(row["provider"], row["instrument"], text(row, "amountBound"), number(row, "amount"),
              text(row, "currency")) for row in rows}
    more_than_30bn = ("more than", Decimal("30000000000"), "USD")
    assert found == {
        (iri("united-states"), iri("mdo:LetterOfInterest"), *more_than_30bn),
        (iri("united-states"), iri("mdo:Investment"), *more_than_30bn),
        (iri("united-states"), iri("mdo:Loan"), *more_than_30bn),
        (iri("united-states"), iri("mdo:OtherSupport"), *more_than_30bn),
        (iri("export-import-bank-of-the-united-states"), iri("mdo:LetterOfInterest"), "exactly",
         Decimal("14800000000"), "USD"),
        (iri("us-department-of-energy"), iri("mdo:FundingOpportunity"), "not stated", None, None),
        (iri("us-department-of-energy"), iri("mdo:PartnershipOpportunity"), "not stated", None, None),
    }
    assert len(rows) == 7
    assert {text(row, "period") for row in rows} == {"over the last year"}
    partners = {row["provider"]: row.get("partner") for row in rows}
    assert partners[iri("united-states")] == iri("private-sector")
    parents = {row["provider"]: row.get("providerParent") for row in rows}
    assert parents == {iri("united-states"): None,
                       iri("export-import-bank-of-the-united-states"): iri("united-states"),
                       iri("us-department-of-energy"): iri("united-states")}


# --- entity-facts ---------------------------------------------------------------------------------

def _facts(rows: list[dict[str, object]]) -> Counter[tuple[object, object]]:
    return Counter((row["fact"], row.get("property")) for row in rows)


def test_everything_said_about_japan(oxigraph: Store, library: NamedQueryLibrary, source_text: str) -> None:
    rows = run(oxigraph, library, "entity-facts")
    assert _facts(rows) == Counter({
        (iri("count-ministerial-countries"), iri("mdo:namedMember")): 1,
        (iri("delegation-ministerial-2026-japan"), iri("mdo:delegationOf")): 1,
        (iri(PLAN_EC_JAPAN), iri("mdo:party")): 2,  # the plan has two quotes
        (iri("us-japan-framework-2025-10"), iri("mdo:party")): 1,
    })
    assert all(text(row, "quote") in source_text for row in rows)


def test_an_entity_that_is_itself_a_fact_comes_with_its_own_quotes(oxigraph: Store,
                                                                   library: NamedQueryLibrary) -> None:
    forge = run(oxigraph, library, "entity-facts", entity="forge")
    assert _facts(forge) == Counter({
        (iri("forge"), None): 1,
        (iri("chair-term-forge-south-korea"), iri("mdo:chairOf")): 1,
        (iri("statement-forge-partners-collaboration"), iri("mdo:about")): 1,
        (iri("statement-efforts-complement-pax-silica"), iri("mdo:about")): 1,
    })
    assert forge[0]["fact"] == iri("forge")  # its own quote first
    mou = run(oxigraph, library, "entity-facts", entity="us-eu-mou")
    assert _facts(mou) == Counter({(iri("us-eu-mou"), None): 2,
                                   (iri(PLAN_EC_JAPAN), iri("mdo:includesAgreement")): 2})


# --- stated-vs-named-counts ------------------------------------------------------------------------

def test_stated_counts_beside_the_numbers_named(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "stated-vs-named-counts")
    found = {(row["count"], number(row, "statedCount"), number(row, "namedCount"), number(row, "difference"),
              boolean(row, "listIncomplete")) for row in rows}
    assert found == {
        (iri("count-new-frameworks-and-mous-2026-02"), 11, 10, 1, False),
        (iri("count-agreements-past-five-months"), 10, 0, 10, True),
        (iri("count-negotiations-completed"), 17, 0, 17, True),
        (iri("count-ministerial-countries"), 54, 17, 37, True),
    }
    assert [number(row, "difference") for row in rows] == [37, 17, 10, 1]


# --- eu-members-at-ministerial ----------------------------------------------------------------------

def test_eu_members_at_the_ministerial(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "eu-members-at-ministerial")
    assert [row["state"] for row in rows] == [iri("france"), iri("germany"), iri("italy")]
    assert run(oxigraph, library, "eu-members-at-ministerial", bloc="united-states") == []


# --- south-american-signatories -------------------------------------------------------------------------

def test_south_american_countries_with_an_mou_or_framework(oxigraph: Store,
                                                          library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "south-american-signatories")
    assert {(row["country"], row["type"]) for row in rows} == {
        (iri(c), iri("mdo:MouOrFrameworkAgreement")) for c in ("argentina", "ecuador", "paraguay", "peru")}
    assert len(rows) == 4
    # None of them has an MOU the source states as such.
    assert run(oxigraph, library, "south-american-signatories",
               agreement_type="MemorandumOfUnderstanding") == []


@pytest.mark.parametrize(("region", "countries"), [
    ("europe", {"united-kingdom"}),
    ("asia", {"japan", "philippines", "united-arab-emirates", "uzbekistan"}),
])
def test_signatories_of_other_regions(oxigraph: Store, library: NamedQueryLibrary, region: str,
                                      countries: set[str]) -> None:
    rows = run(oxigraph, library, "south-american-signatories", region=region)
    assert column(rows, "country") == iris(*countries)


# --- agreements-timeline ---------------------------------------------------------------------------

def test_timeline_of_dated_facts_with_precision_and_supplied_years(oxigraph: Store,
                                                                   library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "agreements-timeline")
    found = [(str(row["date"]), text(row, "precision"), row["fact"], boolean(row, "yearSupplied"))
             for row in rows]
    assert sorted(found, key=lambda r: (r[0], str(r[2]))) == found  # ordered by date
    assert set(found) == {
        ("2025-10", "month", iri("us-japan-framework-2025-10"), False),
        ("2026-02-02", "day", iri("project-vault"), True),
        ("2026-02-04", "day", iri("critical-minerals-ministerial-2026"), True),
        ("2026-02-04", "day", iri("proposal-critical-minerals-trade-bloc"), True),
        ("2026-02-04", "day", iri("proposal-preferential-trading-zone"), True),
        ("2026-02-05", "day", iri("us-uk-mou-2026-02-05"), True),
        ("2026-06", "month", iri("chair-term-forge-south-korea"), True),
    }
    assert len(rows) == 7


# --- policy-instruments -----------------------------------------------------------------------------

def test_policy_instruments_and_cooperation_areas(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "policy-instruments")
    found = {(row["agreement"], row["relation"], row["concept"]) for row in rows}
    instrument, area = iri("mdo:policyInstrument"), iri("mdo:cooperationArea")
    expected = {(iri(PLAN_MEXICO), instrument, iri(f"mdo:{c}"))
                for c in ("IdentifyingMineralsOfInterest", "BorderAdjustedPriceFloor")}
    expected |= {(iri(PLAN_EC_JAPAN), instrument, iri(f"mdo:{c}"))
                 for c in ("BorderAdjustedPriceFloor", "StandardsBasedMarket", "PriceGapSubsidy",
                           "OfftakeAgreement")}
    expected |= {(iri("us-eu-mou"), area, iri(f"mdo:{c}"))
                 for c in ("Mining", "Refining", "Processing", "Recycling", "ResearchAndInnovation")}
    expected |= {(iri("us-eu-mou"), instrument, iri("mdo:StockpilingInformationSharing"))}
    expected |= {(iri("us-uk-mou-2026-02-05"), area, iri(f"mdo:{c}")) for c in ("Mining", "Processing")}
    assert found == expected
    assert len(rows) == 14
    labels = {row["concept"]: text(row, "conceptLabel") for row in rows}
    assert labels[iri("mdo:BorderAdjustedPriceFloor")] == "border-adjusted price floor"


# --- facts-by-source --------------------------------------------------------------------------------

def test_facts_by_source_is_every_fact_of_the_transcription(oxigraph: Store, library: NamedQueryLibrary,
                                                           source_text: str) -> None:
    rows = run(oxigraph, library, "facts-by-source")
    transcription = Graph().parse(SETTINGS.graph_dir / "sources" / f"{SOURCE_ID}.ttl", format="turtle")
    facts = set(transcription.subjects(WAS_DERIVED_FROM, iri(f"source/{SOURCE_ID}")))
    assert column(rows, "fact") == facts
    assert len(facts) == 57
    assert len(rows) == 60  # the two action plans and the US-EU MOU have two quotes each
    assert all(text(row, "quote") in source_text for row in rows)
    assert run(oxigraph, library, "facts-by-source", source="no-such-source") == []


# --- statements ---------------------------------------------------------------------------------------

def test_who_said_what(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "statements")
    found = {(row["speaker"], row.get("about"), row.get("refersTo"), row.get("post")) for row in rows}
    state_department = iri("us-department-of-state")
    assert found == {
        (iri("jamieson-greer"), iri(PLAN_MEXICO), iri("usmca-joint-review"),
         iri("post/us-trade-representative")),
        (state_department, iri("count-new-frameworks-and-mous-2026-02"), None, None),
        (state_department, iri("forge"), None, None),
        (state_department, iri("forge"), iri("pax-silica"), None),
    }
    assert len(rows) == 4


# --- proposals-and-initiatives --------------------------------------------------------------------------

def test_proposals_initiatives_and_forums(oxigraph: Store, library: NamedQueryLibrary) -> None:
    rows = run(oxigraph, library, "proposals-and-initiatives")
    found = {(row["item"], row["kind"], row.get("actor"), row.get("actorRole"),
              text(row, "date"), row.get("status")) for row in rows}
    assert found == {
        (iri("proposal-critical-minerals-trade-bloc"), iri("mdo:Proposal"), iri("trump-administration"),
         iri("mdo:proposedBy"), "2026-02-04", iri("mdo:Proposed")),
        (iri("proposal-preferential-trading-zone"), iri("mdo:Proposal"), iri("trump-administration"),
         iri("mdo:proposedBy"), "2026-02-04", iri("mdo:Proposed")),
        (iri("pax-silica"), iri("mdo:Initiative"), iri("united-states"), iri("mdo:ledBy"), None, None),
        (iri("project-vault"), iri("mdo:Initiative"), iri("donald-trump"), iri("mdo:orderedBy"),
         "2026-02-02", None),
        (iri("forge"), iri("mdo:Forum"), iri("united-states"), iri("mdo:launchedBy"), None, None),
    }
    assert len(rows) == 5


# --- every backend, the same answers ----------------------------------------------------------------------

BACKEND_CASES: list[tuple[str, dict[str, str]]] = [
    ("mou-and-ustr-action-plan", {}),
    ("mou-and-ustr-action-plan", {"include_frameworks": "true", "include_blocs": "true"}),
    ("mou-and-ustr-action-plan", {"show_near_misses": "true"}),
    ("mou-and-ustr-action-plan", {"hub": "japan", "include_frameworks": "true"}),
    ("agreement-parties", {}),
    ("agreement-parties", {"agreement_type": "Agreement"}),
    ("ministerial-delegations", {}),
    ("forum-chairs", {}),
    ("support-by-agency", {}),
    ("entity-facts", {}),
    ("entity-facts", {"entity": "forge"}),
    ("entity-facts", {"entity": "united-states"}),
    ("stated-vs-named-counts", {}),
    ("eu-members-at-ministerial", {}),
    ("south-american-signatories", {}),
    ("south-american-signatories", {"region": "asia"}),
    ("agreements-timeline", {}),
    ("policy-instruments", {}),
    ("facts-by-source", {}),
    ("statements", {}),
    ("proposals-and-initiatives", {}),
]


def test_the_backend_cases_cover_every_query(library: NamedQueryLibrary) -> None:
    assert {name for name, _ in BACKEND_CASES} == set(library.names())


@pytest.mark.parametrize(("name", "params"), BACKEND_CASES,
                         ids=[f"{n}-{'-'.join(p) or 'defaults'}" for n, p in BACKEND_CASES])
def test_rdflib_gives_the_same_answers_as_oxigraph(oxigraph: Store, rdflib_store: Store,
                                                   library: NamedQueryLibrary, name: str,
                                                   params: dict[str, str]) -> None:
    query: NamedQuery = library.get(name)
    expected = run_named_query(oxigraph, query, params)
    found = run_named_query(rdflib_store, query, params)
    assert isinstance(expected, SelectResult) and isinstance(found, SelectResult)
    assert found.variables == expected.variables
    assert Counter(found.rows) == Counter(expected.rows)
    assert len(expected.rows) > 0 or (params == {} and name == "mou-and-ustr-action-plan")


# --- another base IRI ---------------------------------------------------------------------------------

def test_queries_follow_the_deployment_base_iri() -> None:
    base = "http://localhost:8000/"
    settings = Settings(base_iri=base)
    store = OxigraphStore()
    try:
        load_dataset(store, settings)
        library = NamedQueryLibrary.from_dir(settings.queries_dir, base)
        # The reference graph is named in the query text: it must move with the base.
        rows = run(store, library, "eu-members-at-ministerial")
        expected = [URIRef(f"{base}id/{state}") for state in ("france", "germany", "italy")]
        assert [row["state"] for row in rows] == expected
    finally:
        store.close()
