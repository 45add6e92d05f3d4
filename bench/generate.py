"""A deterministic synthetic diplomacy graph that conforms to ``shapes/``, at any size.

What it makes, for a seed and a target number of triples:

* the **ontology graph** (``ontology/*.ttl`` of this checkout, unchanged);
* the **reference graph**: the checkout's own reference data (27 real states, the EU, US agencies)
  and synthetic states (ISO-like codes, a Wikidata-like IRI, a UN region), blocs with members,
  agencies, governments, people and their posts;
* one **source graph per synthetic source document**, each a news-like story: agreements of every
  type (MOU, framework, undecided MOU-or-framework, bilateral and plurilateral USTR action plans,
  trade agreements) with 2 to 5 parties, ministerials with delegations and a reported count of the
  countries represented, forums with a chair and a term, support with amounts that are exact
  figures or bounds, statements, proposals, initiatives, post holdings. Every fact cites its
  source document and quotes it: the quotes are sentences of the document's synthetic text,
  which is generated too (its SHA-256 is the document's ``mdo:sha256``).

The same ``(triples, seed)`` gives the same bytes. ``triples`` counts the reference and source
graphs (the ontology, a fixed ~1,100 triples, comes on top); generation stops at the first source
that reaches it.

    python bench/generate.py --triples 100000 --out /tmp/g100k.nq           # N-Quads
    python bench/generate.py --triples 100000 --project /tmp/g100k           # a project folder
    from bench.generate import generate; graph = generate(10_000); graph.write_nquads(path)

A project folder is what ``mdkg`` reads (``--root``): ``ontology/``, ``shapes/`` and ``queries/``
copied from this checkout, ``graph/reference/`` and one ``graph/sources/<id>.ttl`` per source; the
texts go to ``shared/sources/<id>.txt`` beside it, where mdkg looks for them.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

__all__ = [
    "DEFAULT_SEED",
    "REPO_ROOT",
    "SourceDocument",
    "SyntheticGraph",
    "generate",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = 20260205

BASE = "https://w3id.org/mdkg/"
ID = BASE + "id/"
MDO = BASE + "ontology#"
ONTOLOGY_GRAPH = BASE + "graph/ontology"
REFERENCE_GRAPH = BASE + "graph/reference"
SOURCE_GRAPH = BASE + "graph/source/"
XSD = "http://www.w3.org/2001/XMLSchema#"

A = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT_LABEL = "<http://www.w3.org/2004/02/skos/core#altLabel>"
EXACT_MATCH = "<http://www.w3.org/2004/02/skos/core#exactMatch>"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
QUOTED = "<http://www.w3.org/ns/prov#wasQuotedFrom>"
EXACT = "<http://www.w3.org/ns/oa#exact>"
MEMBER_OF = "<http://www.w3.org/ns/org#memberOf>"
SUB_ORG = "<http://www.w3.org/ns/org#subOrganizationOf>"
POST_IN = "<http://www.w3.org/ns/org#postIn>"
POST_CLASS = "<http://www.w3.org/ns/org#Post>"
PERSON = "<http://xmlns.com/foaf/0.1/Person>"
IDENTIFIER = "<http://purl.org/dc/terms/identifier>"
PUBLISHER = "<http://purl.org/dc/terms/publisher>"
ISSUED = "<http://purl.org/dc/terms/issued>"

US = f"<{ID}united-states>"
USTR = f"<{ID}office-of-the-us-trade-representative>"
STATE_DEPARTMENT = f"<{ID}us-department-of-state>"
EXIM = f"<{ID}export-import-bank-of-the-united-states>"
EU = f"<{ID}european-union>"
EC = f"<{ID}european-commission>"

REAL_STATES = (
    "argentina",
    "australia",
    "brazil",
    "canada",
    "china",
    "cook-islands",
    "democratic-republic-of-the-congo",
    "dominican-republic",
    "ecuador",
    "france",
    "germany",
    "guinea",
    "india",
    "israel",
    "italy",
    "japan",
    "mexico",
    "morocco",
    "paraguay",
    "peru",
    "philippines",
    "south-korea",
    "ukraine",
    "united-arab-emirates",
    "united-kingdom",
    "united-states",
    "uzbekistan",
)
REGIONS = (
    "south-america",
    "western-europe",
    "eastern-asia",
    "western-africa",
    "central-asia",
    "northern-europe",
    "south-eastern-asia",
    "southern-asia",
    "middle-africa",
    "northern-africa",
    "caribbean",
    "polynesia",
)
CONTINENTS = {
    "south-america": "south-america",
    "western-europe": "europe",
    "eastern-asia": "asia",
    "western-africa": "africa",
    "central-asia": "asia",
    "northern-europe": "europe",
    "south-eastern-asia": "asia",
    "southern-asia": "asia",
    "middle-africa": "africa",
    "northern-africa": "africa",
    "caribbean": "north-america",
    "polynesia": "oceania",
}
AGREEMENT_KINDS = (
    # (class, words in the text, share); trade action plans are made by their own story
    ("MemorandumOfUnderstanding", "a memorandum of understanding", 4),
    ("FrameworkAgreement", "a framework agreement", 3),
    ("MouOrFrameworkAgreement", "a memorandum of understanding or framework agreement", 3),
    ("TradeAgreement", "a trade agreement", 1),
)
COOPERATION_AREAS = ("Mining", "Refining", "Processing", "Recycling", "ResearchAndInnovation")
POLICY_INSTRUMENTS = (
    "BorderAdjustedPriceFloor",
    "StandardsBasedMarket",
    "PriceGapSubsidy",
    "OfftakeAgreement",
    "StockpilingInformationSharing",
    "IdentifyingMineralsOfInterest",
)
SUPPORT_INSTRUMENTS = (
    "LetterOfInterest",
    "Investment",
    "Loan",
    "OtherSupport",
    "FundingOpportunity",
    "PartnershipOpportunity",
)
MINERALS = (
    "lithium",
    "cobalt",
    "nickel",
    "graphite",
    "rare earths",
    "copper",
    "manganese",
    "gallium",
    "germanium",
    "tungsten",
    "antimony",
    "vanadium",
)
PUBLISHERS = ("Synthetic Wire", "Example Commodity Daily", "Placeholder Metals Review", "Mock Policy Monitor")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SYLLABLES = (
    "al",
    "bor",
    "cal",
    "dor",
    "el",
    "fen",
    "gar",
    "hal",
    "ist",
    "jor",
    "kel",
    "lum",
    "mar",
    "nor",
    "os",
    "pel",
    "quar",
    "ros",
    "sel",
    "tar",
    "ur",
    "val",
    "wen",
    "xan",
    "yor",
    "zel",
)
_ENDINGS = ("ia", "land", "stan", "ova", "esh", "ar")


def _iri(local: str) -> str:
    return f"<{ID}{local}>"


def _mdo(local: str) -> str:
    return f"<{MDO}{local}>"


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _en(text: str) -> str:
    return _string(text) + "@en"


def _typed(text: str, datatype: str) -> str:
    return f"{_string(text)}^^<{XSD}{datatype}>"


@dataclass(frozen=True)
class Actor:
    iri: str
    name: str


@dataclass
class SourceDocument:
    """One synthetic news article and what it says."""

    identifier: str
    text: str
    triples: list[str]
    """N-Triples statements without the final `` .``."""

    @property
    def graph(self) -> str:
        return SOURCE_GRAPH + self.identifier

    @property
    def iri(self) -> str:
        return f"{ID}source/{self.identifier}"


@dataclass
class SyntheticGraph:
    seed: int
    target: int
    ontology: list[str]
    reference: list[str]
    sources: list[SourceDocument] = field(default_factory=list)
    _world: _World | None = field(default=None, repr=False)
    _rng: random.Random | None = field(default=None, repr=False)

    @property
    def triple_count(self) -> int:
        """Reference and source triples (what ``target`` counts), the ontology excluded."""
        return len(self.reference) + sum(len(s.triples) for s in self.sources)

    @property
    def quad_count(self) -> int:
        return len(self.ontology) + self.triple_count

    def nquads_lines(self) -> Iterator[str]:
        ontology = f" <{ONTOLOGY_GRAPH}> .\n"
        yield from (line + ontology for line in self.ontology)
        reference = f" <{REFERENCE_GRAPH}> .\n"
        yield from (line + reference for line in self.reference)
        for source in self.sources:
            graph = f" <{source.graph}> .\n"
            yield from (line + graph for line in source.triples)

    def nquads(self) -> bytes:
        return "".join(self.nquads_lines()).encode()

    def write_nquads(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            out.writelines(self.nquads_lines())
        return path

    def write_project(self, root: Path, texts: Path | None = None) -> Path:
        """A project folder mdkg can serve (``--root``); texts go to ``texts`` (default
        ``root/../shared/sources``, where ``Settings.sources_dir`` looks)."""
        for folder in ("ontology", "shapes", "queries"):
            shutil.copytree(REPO_ROOT / folder, root / folder, dirs_exist_ok=True)
        reference = root / "graph" / "reference"
        sources = root / "graph" / "sources"
        reference.mkdir(parents=True, exist_ok=True)
        sources.mkdir(parents=True, exist_ok=True)
        # N-Triples is Turtle: the files are read with the Turtle parser like hand-written ones.
        _write_lines(reference / "synthetic.ttl", self.reference)
        texts = texts if texts is not None else root.parent / "shared" / "sources"
        texts.mkdir(parents=True, exist_ok=True)
        for source in self.sources:
            _write_lines(sources / f"{source.identifier}.ttl", source.triples)
            if source.text:
                (texts / f"{source.identifier}.txt").write_text(source.text, encoding="utf-8")
        return root

    def new_source(self, triples: int) -> SourceDocument:
        """One more source document of at least ``triples`` triples about the same actors (not added to
        the graph): what a write of a new source brings to an existing graph."""
        assert self._world is not None and self._rng is not None
        number = sum(1 for s in self.sources if s.identifier.startswith("synthetic-"))
        story = _Story(f"synthetic-{number:06d}", self._rng, self._world)
        while len(story.triples) < triples:
            story.ministerial()
            story.agreement()
            story.action_plan()
            story.support()
        story.agreement_count()
        story.statement()
        text, own = story.document()
        return SourceDocument(story.identifier, text, own + story.triples)

    def source_nquads(self, source: SourceDocument) -> bytes:
        graph = f" <{source.graph}> .\n"
        return "".join(line + graph for line in source.triples).encode()


def _write_lines(path: Path, triples: list[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(line + " .\n" for line in triples)


# --------------------------------------------------------------------------- files of the checkout


def _file_triples(paths: list[Path], blank_prefix: str) -> list[str]:
    """The files' triples as N-Triples statements; blank nodes get stable, file-scoped labels."""
    lines: list[str] = []
    for number, path in enumerate(paths):
        labels: dict[str, str] = {}

        def term(value: object, labels: dict[str, str] = labels, number: int = number) -> str:
            if isinstance(value, ox.BlankNode):
                return labels.setdefault(value.value, f"_:{blank_prefix}{number}x{len(labels)}")
            return str(value)

        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            lines.append(f"{term(triple.subject)} {triple.predicate} {term(triple.object)}")
    return lines


# --------------------------------------------------------------------------- the reference graph


class _Names:
    """Pronounceable, unique names."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._taken: set[str] = set()

    def place(self) -> str:
        while True:
            parts = self._rng.sample(_SYLLABLES, self._rng.randint(2, 3))
            name = ("".join(parts) + self._rng.choice(_ENDINGS)).capitalize()
            if name not in self._taken:
                self._taken.add(name)
                return name

    def person(self) -> str:
        while True:
            first = "".join(self._rng.sample(_SYLLABLES, 2)).capitalize()
            last = "".join(self._rng.sample(_SYLLABLES, 3)).capitalize()
            name = f"{first} {last}"
            if name not in self._taken:
                self._taken.add(name)
                return name


@dataclass
class _World:
    """The actors sources talk about, with the reference triples that describe them."""

    states: list[Actor]
    blocs: list[Actor]
    agencies: dict[str, list[Actor]]
    """Agencies of each state, by the state's IRI."""
    governments: list[Actor]
    people: list[tuple[Actor, Actor]]
    """(person, post) pairs."""
    triples: list[str]


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-")


def _two_letter_codes(taken: set[str]) -> Iterator[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for first in reversed(letters):  # from Z down: mostly codes no real state uses
        for second in letters:
            if first + second not in taken:
                yield first + second


def _world(rng: random.Random, target: int) -> _World:
    names = _Names(rng)
    triples: list[str] = []
    add = triples.append
    count = max(20, min(220, target // 2000))
    real = [Actor(_iri(slug), slug.replace("-", " ").title()) for slug in REAL_STATES]
    states = list(real)
    codes = _two_letter_codes(
        {
            "AR",
            "AU",
            "BR",
            "CA",
            "CN",
            "CK",
            "CD",
            "DO",
            "EC",
            "FR",
            "DE",
            "GN",
            "IN",
            "IL",
            "IT",
            "JP",
            "MX",
            "MA",
            "PY",
            "PE",
            "PH",
            "KR",
            "UA",
            "AE",
            "GB",
            "US",
            "UZ",
        }
    )
    for number in range(count):
        name = names.place()
        state = Actor(_iri(f"state/{_slug(name)}"), name)
        states.append(state)
        code = next(codes)
        region = REGIONS[number % len(REGIONS)]
        add(f"{state.iri} {A} {_mdo('State')}")
        add(f"{state.iri} {LABEL} {_en(name)}")
        add(f"{state.iri} {ALT_LABEL} {_en('Republic of ' + name)}")
        add(f"{state.iri} {EXACT_MATCH} <http://www.wikidata.org/entity/Q{90_000_000 + number}>")
        add(f"{state.iri} {_mdo('iso3166Alpha2')} {_string(code)}")
        add(f"{state.iri} {_mdo('iso3166Alpha3')} {_string(code + 'X')}")
        add(f"{state.iri} {_mdo('iso3166Numeric')} {_string(f'{900 + number % 100:03d}'[-3:])}")
        add(f"{state.iri} {_mdo('unRegion')} <{ID}region/{region}>")
        add(f"{state.iri} {_mdo('continent')} <{ID}region/{CONTINENTS[region]}>")

    blocs = [Actor(EU, "the European Union")]
    for _number in range(max(3, count // 20)):
        name = names.place() + " Union"
        bloc = Actor(_iri(f"bloc/{_slug(name)}"), name)
        blocs.append(bloc)
        add(f"{bloc.iri} {A} {_mdo('Bloc')}")
        add(f"{bloc.iri} {LABEL} {_en(name)}")
        for member in rng.sample(states[len(real) :], rng.randint(3, 8)):
            add(f"{member.iri} {MEMBER_OF} {bloc.iri}")

    agencies: dict[str, list[Actor]] = {
        US: [
            Actor(STATE_DEPARTMENT, "the US Department of State"),
            Actor(USTR, "the US Trade Representative"),
            Actor(EXIM, "the Export-Import Bank of the United States"),
            Actor(_iri("us-department-of-energy"), "the US Department of Energy"),
        ]
    }
    governments: list[Actor] = [Actor(_iri("trump-administration"), "the Trump administration")]
    for state in states:
        if state.iri == US:
            continue
        own = agencies.setdefault(state.iri, [])
        for kind in rng.sample(
            ("Ministry of Mines", "Ministry of Trade", "Development Bank", "Ministry of Foreign Affairs"),
            rng.randint(1, 3),
        ):
            agency = Actor(_iri(f"agency/{_slug(state.name)}-{_slug(kind)}"), f"the {kind} of {state.name}")
            own.append(agency)
            add(f"{agency.iri} {A} {_mdo('GovernmentAgency')}")
            add(f"{agency.iri} {LABEL} {_en(agency.name[4:])}")
            add(f"{agency.iri} {SUB_ORG} {state.iri}")
        government = Actor(_iri(f"government/{_slug(state.name)}"), f"the government of {state.name}")
        governments.append(government)
        add(f"{government.iri} {A} {_mdo('Government')}")
        add(f"{government.iri} {LABEL} {_en('Government of ' + state.name)}")
        add(f"{government.iri} {_mdo('governmentOf')} {state.iri}")

    people: list[tuple[Actor, Actor]] = []
    for state in rng.sample(states, min(len(states), max(10, count // 2))):
        name = names.person()
        person = Actor(_iri(f"person/{_slug(name)}"), name)
        post = Actor(
            f"<{ID}post/minister-of-mines-of-{_slug(state.name)}>", f"minister of mines of {state.name}"
        )
        people.append((person, post))
        add(f"{person.iri} {A} {PERSON}")
        add(f"{person.iri} {LABEL} {_en(name)}")
        add(f"{post.iri} {A} {POST_CLASS}")
        add(f"{post.iri} {LABEL} {_en(post.name.capitalize())}")
        add(f"{post.iri} {POST_IN} {state.iri}")
    return _World(states, blocs, agencies, governments, people, triples)


# --------------------------------------------------------------------------- source documents


class _Story:
    """The facts of one source document, and the sentences of its text that support them."""

    def __init__(self, identifier: str, rng: random.Random, world: _World) -> None:
        self.identifier = identifier
        self.rng = rng
        self.world = world
        self.source = f"<{ID}source/{identifier}>"
        self.triples: list[str] = []
        self.sentences: list[str] = []
        self._facts = 0
        self.year = rng.randint(2019, 2026)
        self.month = rng.randint(1, 12)
        self.day = rng.randint(1, 28)
        self.events: list[Actor] = []
        self.agreements: list[Actor] = []

    def fact(self, kind: str, label: str, sentence: str, *more_sentences: str) -> str:
        """A fact node of class ``kind`` with its label, source and quotations; returns its IRI."""
        self._facts += 1
        node = _iri(f"{self.identifier}/{_slug(kind)}-{self._facts}")
        add = self.triples.append
        add(f"{node} {A} {_mdo(kind)}")
        add(f"{node} {LABEL} {_en(label)}")
        add(f"{node} {DERIVED} {self.source}")
        for number, text in enumerate((sentence, *more_sentences)):
            quotation = f"_:{self.identifier.replace('-', '')}q{self._facts}x{number}"
            self.sentences.append(text)
            add(f"{node} {_mdo('evidence')} {quotation}")
            add(f"{quotation} {A} {_mdo('Quotation')}")
            add(f"{quotation} {QUOTED} {self.source}")
            add(f"{quotation} {EXACT} {_string(text)}")
        return node

    def say(self, subject: str, predicate: str, obj: str) -> None:
        self.triples.append(f"{subject} {predicate} {obj}")

    def date(self, month_only: bool = False) -> tuple[str, str]:
        """A date near the document's, as a literal and as the text says it."""
        month = self.rng.randint(1, 12)
        if month_only:
            return _typed(f"{self.year}-{month:02d}", "gYearMonth"), f"in {MONTHS[month - 1]} {self.year}"
        day = self.rng.randint(1, 28)
        return (
            _typed(f"{self.year}-{month:02d}-{day:02d}", "date"),
            f"on {MONTHS[month - 1]} {day}, {self.year}",
        )

    def parties(self, low: int, high: int, *, with_us: bool) -> list[Actor]:
        pool = self.world.states
        count = self.rng.randint(low, high)
        chosen = self.rng.sample(pool, count)
        us = next(s for s in pool if s.iri == US)
        if with_us and us not in chosen:
            chosen[0] = us
        return chosen

    # -- the stories a source can tell ------------------------------------------------------------

    def agreement(self) -> None:
        rng = self.rng
        kind, words, _share = rng.choices(AGREEMENT_KINDS, weights=[k[2] for k in AGREEMENT_KINDS])[0]
        parties = self.parties(2, 5, with_us=rng.random() < 0.5)
        mineral = rng.choice(MINERALS)
        names = ", ".join(p.name for p in parties[:-1]) + " and " + parties[-1].name
        signed, when = self.date(month_only=rng.random() < 0.2)
        sentence = f"{names} signed {words} on {mineral} {when}, the report said."
        node = self.fact(
            kind, f"{names} {words[2:] if words.startswith('a ') else words} on {mineral}", sentence
        )
        for party in parties:
            self.say(node, _mdo("party"), party.iri)
        self.say(node, _mdo("status"), _mdo("Signed"))
        self.say(node, _mdo("signedOn"), signed)
        self.say(node, _mdo("purpose"), _en(f"secure supplies of {mineral}"))
        for area in rng.sample(COOPERATION_AREAS, rng.randint(1, 3)):
            self.say(node, _mdo("cooperationArea"), _mdo(area))
        if rng.random() < 0.4:
            self.say(node, _mdo("policyInstrument"), _mdo(rng.choice(POLICY_INSTRUMENTS)))
        if rng.random() < 0.3:
            self.say(node, _mdo("attributedTo"), STATE_DEPARTMENT)
            self.say(node, _mdo("attributionNote"), _string("according to a State Department fact sheet"))
        self.agreements.append(Actor(node, names))

    def action_plan(self) -> None:
        rng = self.rng
        partners = self.parties(1, 4, with_us=False)
        partners = [p for p in partners if p.iri != US] or [self.world.states[0]]
        bilateral = len(partners) == 1
        names = ", ".join(p.name for p in partners)
        sentence = (
            f"The US Trade Representative announced a critical minerals action plan with {names} "
            f"to develop trade policies that mitigate supply chain vulnerabilities."
        )
        node = self.fact(
            "BilateralTradeActionPlan" if bilateral else "PlurilateralTradeActionPlan",
            f"US-{names} critical minerals action plan",
            sentence,
        )
        for party in [Actor(US, "the United States"), *partners]:
            self.say(node, _mdo("party"), party.iri)
        self.say(node, _mdo("status"), _mdo("Announced"))
        self.say(node, _mdo("announcedBy"), USTR)
        if self.events:
            self.say(node, _mdo("announcedAfter"), self.events[-1].iri)
        self.say(
            node, _mdo("purpose"), _en("develop trade policies that mitigate supply chain vulnerabilities")
        )
        for instrument in rng.sample(POLICY_INSTRUMENTS, rng.randint(1, 3)):
            self.say(node, _mdo("policyInstrument"), _mdo(instrument))
        if self.agreements and rng.random() < 0.3:
            self.say(node, _mdo("includesAgreement"), self.agreements[-1].iri)
        self.agreements.append(Actor(node, names))

    def ministerial(self) -> None:
        rng = self.rng
        host_state = rng.choice(self.world.states)
        host = rng.choice(self.world.agencies.get(host_state.iri) or self.world.agencies[US])
        held, when = self.date()
        title = f"{rng.choice(MINERALS).capitalize()} Ministerial of {host_state.name}"
        event = self.fact(
            "Ministerial", f"{title} ({self.year})", f"The {title}, hosted by {host.name}, was held {when}."
        )
        self.say(event, _mdo("hostedBy"), host.iri)
        self.say(event, _mdo("date"), held)
        self.say(event, _mdo("eventStatus"), _mdo("Held"))
        self.events.append(Actor(event, title))
        delegations = self.parties(3, 10, with_us=rng.random() < 0.5)
        if rng.random() < 0.3:
            delegations.append(Actor(EC, "the European Commission"))
        stated = len(delegations) + rng.randint(0, 30)
        named = ", ".join(d.name for d in delegations)
        count = self.fact(
            "ReportedCount",
            f"{stated} countries represented at the {title}",
            f"The ministerial included representatives from {stated} countries, with delegations "
            f"from {named}, among others.",
        )
        self.say(count, _mdo("statedCount"), _typed(str(stated), "integer"))
        self.say(count, _mdo("countedClass"), _mdo("State"))
        self.say(count, _mdo("countContext"), event)
        self.say(count, _mdo("listIncomplete"), _typed("true", "boolean"))
        for delegate in delegations:
            if delegate.iri != EC:
                self.say(count, _mdo("namedMember"), delegate.iri)
            delegation = self.fact(
                "Delegation",
                f"Delegation of {delegate.name} at the {title}",
                f"A delegation from {delegate.name} attended the {title}.",
            )
            self.say(delegation, _mdo("delegationOf"), delegate.iri)
            self.say(delegation, _mdo("atEvent"), event)
        if rng.random() < 0.5:
            self.forum(event, title, delegations)

    def forum(self, event: str, title: str, members: list[Actor]) -> None:
        rng = self.rng
        name = f"{rng.choice(MINERALS).capitalize()} Security Forum {self.identifier[-4:]}"
        founder = rng.choice(members)
        forum = self.fact("Forum", name, f"During the {title}, {founder.name} launched the {name}.")
        self.say(forum, _mdo("launchedBy"), founder.iri)
        self.say(forum, _mdo("launchedAt"), event)
        self.say(forum, _mdo("purpose"), _en("address challenges in the critical minerals marketplace"))
        chair = rng.choice(members)
        through, _when = self.date(month_only=True)
        term = self.fact(
            "ChairTerm",
            f"{chair.name} chairs the {name}",
            f"The {name} will be chaired by {chair.name} through {MONTHS[rng.randint(0, 11)]}.",
        )
        self.say(term, _mdo("chair"), chair.iri)
        self.say(term, _mdo("chairOf"), forum)
        self.say(term, _mdo("termThrough"), through)
        self.say(term, _mdo("yearSuppliedFrom"), self.source)

    def support(self) -> None:
        rng = self.rng
        state = rng.choice(self.world.states)
        provider = rng.choice(self.world.agencies.get(state.iri) or [state])
        billions = rng.randint(1, 400) / 10
        bound = rng.choice(("value", "value", "minExclusive", "minInclusive"))
        wording = {"value": "", "minExclusive": "more than ", "minInclusive": "at least "}[bound]
        instruments = rng.sample(SUPPORT_INSTRUMENTS, rng.randint(1, 3))
        mineral = rng.choice(MINERALS)
        node = self.fact(
            "Support",
            f"{wording}${billions} billion from {provider.name}",
            f"{provider.name[0].upper() + provider.name[1:]} offered {wording}${billions} billion in "
            f"{', '.join(i.lower() for i in instruments)} for {mineral} projects.",
        )
        self.say(node, _mdo("providedBy"), provider.iri)
        for instrument in instruments:
            self.say(node, _mdo("instrument"), _mdo(instrument))
        amount = f"_:{self.identifier.replace('-', '')}amount{self._facts}"
        self.say(node, _mdo("amount"), amount)
        self.say(amount, A, _mdo("MonetaryAmount"))
        self.say(amount, _mdo("currency"), _string("USD"))
        self.say(amount, _mdo(bound), _typed(f"{int(billions * 1e9)}.0", "decimal"))
        self.say(node, _mdo("period"), _string("over the last year"))
        self.say(node, _mdo("beneficiaryDescription"), _en(f"{mineral} projects"))

    def statement(self) -> None:
        if not self.agreements and not self.events:
            return
        person, post = self.rng.choice(self.world.people)
        about = self.rng.choice(self.agreements + self.events)
        holding = self.fact("PostHolding", f"{person.name}, {post.name}", f"{person.name}, the {post.name}")
        self.say(holding, _mdo("holder"), person.iri)
        self.say(holding, _mdo("post"), post.iri)
        node = self.fact(
            "Statement",
            f"{person.name} on the {about.name} arrangement",
            f'"This is an important step for supply chain resilience," {person.name}, the '
            f"{post.name}, said about the arrangement with {about.name}.",
        )
        self.say(node, _mdo("statedBy"), person.iri)
        self.say(node, _mdo("about"), about.iri)
        self.say(node, _mdo("description"), _en("an important step for supply chain resilience"))

    def proposal(self) -> None:
        rng = self.rng
        government = rng.choice(self.world.governments)
        kind = rng.choice(("TradeBlocProposal", "PreferentialTradingZoneProposal"))
        words = (
            "a critical minerals trade bloc" if kind == "TradeBlocProposal" else "a preferential trading zone"
        )
        proposed, when = self.date()
        node = self.fact(
            kind,
            f"{words[2:].capitalize()} proposed by {government.name}",
            f"{government.name[0].upper() + government.name[1:]} proposed {words} {when}.",
        )
        self.say(node, _mdo("proposedBy"), government.iri)
        self.say(node, _mdo("proposedOn"), proposed)
        self.say(node, _mdo("status"), _mdo("Proposed"))
        self.say(node, _mdo("purpose"), _en("restore competition in the critical minerals market"))

    def agreement_count(self) -> None:
        if len(self.agreements) < 2:
            return
        stated = len(self.agreements) + self.rng.randint(0, 3)
        node = self.fact(
            "ReportedCount",
            f"{stated} new critical minerals agreements",
            f"In all, {stated} new critical minerals agreements were signed, the report said.",
        )
        self.say(node, _mdo("statedCount"), _typed(str(stated), "integer"))
        self.say(node, _mdo("countedClass"), _mdo("Agreement"))
        self.say(
            node,
            _mdo("listIncomplete"),
            _typed("true" if stated > len(self.agreements) else "false", "boolean"),
        )
        for agreement in self.agreements:
            self.say(node, _mdo("namedMember"), agreement.iri)

    def document(self) -> tuple[str, list[str]]:
        """The text (title and the sentences quoted, in order) and the document's own triples."""
        publisher = self.rng.choice(PUBLISHERS)
        title = f"Critical minerals diplomacy, synthetic report {self.identifier}"
        text = f"{title}\n{publisher}, {self.year}-{self.month:02d}-{self.day:02d}\n\n" + "\n".join(
            self.sentences
        )
        text += "\n"
        source = self.source
        own = [
            f"{source} {A} {_mdo('SourceDocument')}",
            f"{source} {LABEL} {_en(f'{publisher}: {title} ({self.year}-{self.month:02d}-{self.day:02d})')}",
            f"{source} {IDENTIFIER} {_string(self.identifier)}",
            f"{source} {PUBLISHER} {_string(publisher)}",
            f"{source} {ISSUED} {_typed(f'{self.year}-{self.month:02d}-{self.day:02d}', 'date')}",
            f"{source} {_mdo('section')} {_string('Metals & Mining')}",
            f"{source} {_mdo('sha256')} {_string(hashlib.sha256(text.encode()).hexdigest())}",
        ]
        return text, own


def _source(number: int, rng: random.Random, world: _World) -> SourceDocument:
    story = _Story(f"synthetic-{number:06d}", rng, world)
    if rng.random() < 0.45:
        story.ministerial()
    for _ in range(rng.randint(1, 5)):
        story.agreement()
    if rng.random() < 0.5:
        story.action_plan()
    for _ in range(rng.randint(0, 2)):
        story.support()
    if rng.random() < 0.3:
        story.proposal()
    story.agreement_count()
    story.statement()
    text, own = story.document()
    return SourceDocument(story.identifier, text, own + story.triples)


def generate(triples: int, seed: int = DEFAULT_SEED, *, root: Path = REPO_ROOT) -> SyntheticGraph:
    """The synthetic graph of about ``triples`` reference and source triples (see the module doc)."""
    rng = random.Random(seed)
    ontology = _file_triples(sorted((root / "ontology").glob("*.ttl")), "onto")
    real_reference = _file_triples(sorted((root / "graph" / "reference").glob("*.ttl")), "ref")
    world = _world(rng, triples)
    graph = SyntheticGraph(seed, triples, ontology, real_reference + world.triples, _world=world, _rng=rng)
    # The checkout's own transcriptions come along, so that named queries whose parameters default to
    # their entities (one source, the 2026 ministerial) answer as they do on the real dataset.
    texts = root.parent / "shared" / "sources"
    for path in sorted((root / "graph" / "sources").glob("*.ttl")):
        text = texts / f"{path.stem}.txt"
        graph.sources.append(
            SourceDocument(
                path.stem,
                text.read_text(encoding="utf-8") if text.is_file() else "",
                _file_triples([path], f"src{len(graph.sources)}"),
            )
        )
    total = graph.triple_count
    number = 0
    while total < triples:
        source = _source(number, rng, world)
        graph.sources.append(source)
        total += len(source.triples)
        number += 1
    return graph


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--triples", type=int, default=10_000, help="reference and source triples (default 10000)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="write N-Quads here")
    parser.add_argument("--project", type=Path, help="write a project folder (for mdkg --root) here")
    arguments = parser.parse_args(argv)
    graph = generate(arguments.triples, arguments.seed)
    if arguments.out:
        graph.write_nquads(arguments.out)
    if arguments.project:
        graph.write_project(arguments.project)
    print(
        f"{graph.quad_count} quads: {len(graph.ontology)} ontology, {len(graph.reference)} reference, "
        f"{graph.triple_count - len(graph.reference)} in {len(graph.sources)} source graphs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
