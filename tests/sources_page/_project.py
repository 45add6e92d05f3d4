"""The test document: its text, its transcription, and a project root that holds them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mdkg.settings import Settings

REAL = Settings()
DOC_ID = "doc_test"
TEXT = (
    "Site navigation, not article text\n"
    "Alpha signed a pact with Beta on March 3. Gamma, by contrast, said nothing.\n"
    "\n"
    "\"We welcome it,\" said Delta. The pact covers lithium.\n"
)
DIGEST = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()

QUOTES = {
    "pact": ["Alpha signed a pact with Beta", "The pact covers lithium."],
    "gamma-silence": ["Gamma, by contrast, said nothing."],
    "delta-statement": ["\"We welcome it,\" said Delta."],
    "pact-reaction": ["\"We welcome it,\" said Delta."],
}
LABELS = {
    "pact": "A pact between Alpha and Beta",
    "gamma-silence": "Gamma's silence",
    "delta-statement": "Delta's statement",
    "pact-reaction": "Reaction to the pact",
}
DOCUMENT_ORDER = ["Alpha signed a pact with Beta", "Gamma, by contrast, said nothing.",
                  "\"We welcome it,\" said Delta.", "The pact covers lithium."]


def transcription(digest: str = DIGEST) -> str:
    facts = []
    for fact, quotes in QUOTES.items():
        kind = "mdo:Statement" if "statement" in fact or "reaction" in fact else "mdo:Agreement"
        evidence = " , ".join(
            f'[ a mdo:Quotation ; prov:wasQuotedFrom src:{DOC_ID} ; oa:exact "{_escape(q)}" ]'
            for q in quotes)
        facts.append(f'id:{fact} a {kind} ; rdfs:label "{LABELS[fact]}"@en ;\n'
                     f'    prov:wasDerivedFrom src:{DOC_ID} ; mdo:evidence {evidence} .')
    return f"""@prefix mdo: <https://w3id.org/mdkg/ontology#> .
@prefix id: <https://w3id.org/mdkg/id/> .
@prefix src: <https://w3id.org/mdkg/id/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .

src:{DOC_ID} a mdo:SourceDocument ;
    rdfs:label "Test Gazette: Alpha and Beta sign a pact (2026-03-04)"@en ;
    dcterms:identifier "{DOC_ID}" ;
    dcterms:publisher "Test Gazette" ;
    dcterms:issued "2026-03-04"^^xsd:date ;
    mdo:section "Treaties" ;
    mdo:sha256 "{digest}" ;
    skos:note "Written for the tests."@en .

id:alpha a mdo:State ; rdfs:label "Alpha"@en .
id:pact mdo:party id:alpha .

""" + "\n\n".join(facts) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def make_project(base: Path, text: str | None = TEXT, digest: str = DIGEST) -> Path:
    """A project root whose source graph is the test document; ``text=None`` leaves the text out."""
    root = base / "project"
    (root / "graph" / "sources").mkdir(parents=True)
    (root / "graph" / "reference").mkdir()
    (root / "ontology").symlink_to(REAL.ontology_dir, target_is_directory=True)
    (root / "shapes").symlink_to(REAL.shapes_dir, target_is_directory=True)
    (root / "queries").symlink_to(REAL.queries_dir, target_is_directory=True)
    (root / "graph" / "sources" / f"{DOC_ID}.ttl").write_text(transcription(digest), encoding="utf-8")
    sources = base / "shared" / "sources"
    sources.mkdir(parents=True)
    if text is not None:
        (sources / f"{DOC_ID}.txt").write_text(text, encoding="utf-8")
    return root
