"""Reference data for states: codes, Wikidata entities and classifications.

Generated, not typed: ISO 3166-1 codes and names come from pycountry, UN M49 sub-regions,
continents and EU membership from the data table that country-converter maintains. Only what
neither library has is listed here by hand: the slug of each state's IRI and its Wikidata entity.
``mdkg reference`` rewrites ``graph/reference/states.ttl``; a test checks the committed file is
what the generator makes.
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pycountry
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from mdkg.namespaces import CANONICAL, ORG, WD

ID = CANONICAL.id
MDO = CANONICAL.mdo
REGION = Namespace(str(ID) + "region/")


@dataclass(frozen=True)
class StateEntry:
    alpha3: str
    slug: str
    wikidata: str


# The states the sources mention. Slugs are the IRIs' last segment; Wikidata entities are the
# one datum no installed library carries.
STATES: tuple[StateEntry, ...] = (
    StateEntry("ARE", "united-arab-emirates", "Q878"),
    StateEntry("ARG", "argentina", "Q414"),
    StateEntry("AUS", "australia", "Q408"),
    StateEntry("BRA", "brazil", "Q155"),
    StateEntry("CAN", "canada", "Q16"),
    StateEntry("CHN", "china", "Q148"),
    StateEntry("COD", "democratic-republic-of-the-congo", "Q974"),
    StateEntry("COK", "cook-islands", "Q26988"),
    StateEntry("DEU", "germany", "Q183"),
    StateEntry("DOM", "dominican-republic", "Q786"),
    StateEntry("ECU", "ecuador", "Q736"),
    StateEntry("FRA", "france", "Q142"),
    StateEntry("GBR", "united-kingdom", "Q145"),
    StateEntry("GIN", "guinea", "Q1006"),
    StateEntry("IND", "india", "Q668"),
    StateEntry("ISR", "israel", "Q801"),
    StateEntry("ITA", "italy", "Q38"),
    StateEntry("JPN", "japan", "Q17"),
    StateEntry("KOR", "south-korea", "Q884"),
    StateEntry("MAR", "morocco", "Q1028"),
    StateEntry("MEX", "mexico", "Q96"),
    StateEntry("PER", "peru", "Q419"),
    StateEntry("PHL", "philippines", "Q928"),
    StateEntry("PRY", "paraguay", "Q733"),
    StateEntry("UKR", "ukraine", "Q212"),
    StateEntry("USA", "united-states", "Q30"),
    StateEntry("UZB", "uzbekistan", "Q265"),
)

EUROPEAN_UNION = ID["european-union"]


def _country_converter_table() -> dict[str, dict[str, str]]:
    """country-converter's own data table, keyed by ISO alpha-3.

    Read as a file rather than through the package's API, whose pandas-based loader is not needed
    here and has broken on new pandas releases.
    """
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("country-converter is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["ISO3"]: row for row in csv.DictReader(handle, delimiter="\t")}


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def build_reference_graph() -> Graph:
    table = _country_converter_table()
    graph = Graph()
    for prefix, ns in (("mdo", MDO), ("id", ID), ("org", ORG), ("wd", WD), ("skos", SKOS),
                       ("dcterms", DCTERMS), ("prov", PROV), ("region", REGION)):
        graph.bind(prefix, ns)

    dataset = URIRef(str(ID) + "reference-data")
    graph.add((dataset, RDF.type, PROV.Entity))
    graph.add((dataset, RDFS.label, Literal("Reference data on states", lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(
        "ISO 3166-1 codes and names (pycountry), UN M49 sub-regions, continents and EU membership "
        "(country-converter's data table), Wikidata entities. Kept apart from what the sources say.",
        lang="en")))
    for package in ("pycountry", "country-converter"):
        graph.add((dataset, DCTERMS.source, Literal(
            f"{package} {importlib.metadata.version(package)}")))

    regions: dict[str, URIRef] = {}

    def region(name: str, kind: str) -> URIRef:
        iri = REGION[_slug(name)]
        if name not in regions:
            regions[name] = iri
            graph.add((iri, RDF.type, MDO.Region))
            graph.add((iri, RDFS.label, Literal(name, lang="en")))
            graph.add((iri, SKOS.prefLabel, Literal(name, lang="en")))
            graph.add((iri, SKOS.note, Literal(kind, lang="en")))
        return iri

    for entry in STATES:
        country = pycountry.countries.get(alpha_3=entry.alpha3)
        if country is None:
            raise ValueError(f"pycountry has no country {entry.alpha3}")
        row = table[entry.alpha3]
        state = ID[entry.slug]
        graph.add((state, RDF.type, MDO.State))
        graph.add((state, RDFS.label, Literal(row["name_short"], lang="en")))
        names = {country.name, getattr(country, "common_name", None),
                 getattr(country, "official_name", None), row["name_official"]}
        for name in sorted(n for n in names if n and n != row["name_short"]):
            graph.add((state, SKOS.altLabel, Literal(name, lang="en")))
        graph.add((state, MDO.iso3166Alpha2, Literal(country.alpha_2)))
        graph.add((state, MDO.iso3166Alpha3, Literal(country.alpha_3)))
        graph.add((state, MDO.iso3166Numeric, Literal(country.numeric)))
        graph.add((state, SKOS.exactMatch, WD[entry.wikidata]))
        graph.add((state, MDO.unRegion, region(row["UNregion"], "UN M49 sub-region")))
        graph.add((state, MDO.continent, region(row["Continent_7"], "continent")))
        if row.get("EU27"):
            graph.add((state, ORG.memberOf, EUROPEAN_UNION))
        graph.add((state, DCTERMS.source, dataset))
    return graph


HEADER = """\
# GENERATED by `mdkg reference` from pycountry and country-converter: do not edit by hand.
# Reference data on states, kept in its own named graph apart from what the sources say.
"""


def render_reference() -> str:
    body = build_reference_graph().serialize(format="turtle")
    return HEADER + body


def reference_path(root: Path) -> Path:
    return root / "graph" / "reference" / "states.ttl"


def write_reference(root: Path) -> Path:
    path = reference_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_reference(), encoding="utf-8")
    return path


__all__ = ["STATES", "build_reference_graph", "render_reference", "write_reference"]
