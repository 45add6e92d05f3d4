"""Helpers of the linked-data, entity and path tests: the project's data read with rdflib, apart from
the service, so that what the service says can be checked against the files themselves."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path

from mdkg.settings import Settings
from rdflib import Graph, URIRef
from rdflib.namespace import Namespace

CANONICAL = "https://w3id.org/mdkg/"
ID = Namespace(CANONICAL + "id/")
MDO = Namespace(CANONICAL + "ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
SOURCE_ID = "000_bede271d1d92b66d"
SOURCE_GRAPH = f"{CANONICAL}graph/source/{SOURCE_ID}"
REFERENCE_GRAPH = f"{CANONICAL}graph/reference"


@cache
def source_graph() -> Graph:
    graph = Graph()
    graph.parse(Settings().graph_dir / "sources" / f"{SOURCE_ID}.ttl", format="turtle")
    return graph


@cache
def quotes_by_fact() -> dict[str, frozenset[str]]:
    """Every fact's ``mdo:evidence/oa:exact`` quotes, as the transcription file has them."""
    found: dict[str, set[str]] = defaultdict(set)
    graph = source_graph()
    for fact, quotation in graph.subject_objects(MDO.evidence):
        for quote in graph.objects(quotation, OA.exact):
            found[str(fact)].add(str(quote))
    return {fact: frozenset(quotes) for fact, quotes in found.items()}


def data_file(*parts: str) -> Path:
    return Settings().root.joinpath(*parts)


def iri(local: str) -> URIRef:
    return ID[local]
