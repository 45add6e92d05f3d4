"""Named queries written as documents: the engine's own writer on Oxigraph gives what the contract gives.

``answer_named_query`` evaluates and serializes with pyoxigraph when the store is Oxigraph; the
reference is the path every backend takes (rows as rdflib terms, written by :mod:`mdkg.results`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from mdkg.dataset import load_dataset
from mdkg.execution import _evaluate, serialize_capped
from mdkg.queries import NamedQuery, NamedQueryLibrary, answer_named_query, run_named_query
from mdkg.queries import _answer as answer_module
from mdkg.settings import Settings
from mdkg.store import oxigraph as oxigraph_module
from mdkg.store._terms import from_ox, from_ox_rows
from mdkg.store.oxigraph import OxigraphStore
from rdflib import Literal, URIRef
from test_named_queries import BACKEND_CASES  # the cases the backends are compared on

SETTINGS = Settings()
FORMATS = ["application/sparql-results+json", "text/csv", "text/tab-separated-values",
           "application/sparql-results+xml"]


@pytest.fixture(scope="module")
def library() -> NamedQueryLibrary:
    return NamedQueryLibrary.from_dir(SETTINGS.queries_dir, SETTINGS.base_iri)


@pytest.fixture(scope="module")
def store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    load_dataset(store, SETTINGS)
    yield store
    store.close()


def _comparable(body: bytes, media_type: str) -> object:
    # JSON members have no order; every other format must come out byte for byte the same.
    return json.loads(body) if media_type.endswith("json") else body


@pytest.mark.parametrize("row_limit", [100_000, 3])
@pytest.mark.parametrize("media_type", FORMATS)
@pytest.mark.parametrize(("name", "params"), BACKEND_CASES,
                         ids=[f"{n}-{'-'.join(p) or 'defaults'}" for n, p in BACKEND_CASES])
def test_the_engine_writes_what_the_contract_writes(store: OxigraphStore, library: NamedQueryLibrary,
                                                    name: str, params: dict[str, str], media_type: str,
                                                    row_limit: int) -> None:
    query = library.get(name)
    native = answer_named_query(store, query, params, media_type, row_limit)
    expected = serialize_capped(run_named_query(store, query, params), media_type, row_limit)
    assert (native.media_type, native.truncated, native.row_limit) == (
        expected.media_type, expected.truncated, expected.row_limit)
    assert _comparable(native.body, media_type) == _comparable(expected.body, media_type)


def test_a_cut_answer_says_so(store: OxigraphStore, library: NamedQueryLibrary) -> None:
    answer = answer_named_query(store, library.get("agreement-parties"), {},
                                "application/sparql-results+json", 3)
    document = json.loads(answer.body)
    assert answer.truncated and len(document["results"]["bindings"]) == 3
    assert document["mdkg:note"]["limit"] == 3


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "text/tab-separated-values",
                                        "text/csv"])
def test_json_tsv_and_csv_never_become_rdflib_terms(store: OxigraphStore, library: NamedQueryLibrary,
                                                    media_type: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("a row was converted to rdflib terms")

    monkeypatch.setattr(_evaluate, "from_ox", refuse)
    monkeypatch.setattr(oxigraph_module, "from_ox_rows", refuse)
    monkeypatch.setattr(answer_module, "from_ox", refuse)
    monkeypatch.setattr(answer_module, "from_ox_rows", refuse)
    answer = answer_named_query(store, library.get("agreement-parties"), {}, media_type, 100_000)
    assert answer.body.count(b"us-japan-framework-2025-10") > 0


# Values that hold the bytes between two rows of SPARQL JSON ('},{'), or look like a row.
TRICKY = ['ends with },{', 'holds },{ twice },{', '{},{}', '{"type":"uri"}', 'plain']
TRICKY_QUERY = """#+ summary: every value of ex:p
SELECT ?s ?v WHERE { GRAPH ?g { ?s <http://example.org/p> ?v } } ORDER BY ?v
"""


@pytest.fixture(scope="module")
def tricky_store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    store.raw.extend(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"), ox.NamedNode("http://example.org/p"),
                             ox.Literal(value), ox.NamedNode("http://example.org/g"))
                     for i, value in enumerate(TRICKY))
    yield store
    store.close()


@pytest.mark.parametrize("row_limit", [len(TRICKY) - 1, len(TRICKY), len(TRICKY) + 1, len(TRICKY) + 10])
def test_rows_are_counted_right_whatever_the_strings_hold(tricky_store: OxigraphStore,
                                                          row_limit: int) -> None:
    query = NamedQuery.from_text(TRICKY_QUERY, name="tricky", file="tricky.rq")
    answer = answer_named_query(tricky_store, query, {}, "application/sparql-results+json", row_limit)
    rows = json.loads(answer.body)["results"]["bindings"]
    assert answer.truncated == (row_limit < len(TRICKY))
    assert [row["v"]["value"] for row in rows] == sorted(TRICKY)[:row_limit]


def test_rows_share_the_terms_they_repeat() -> None:
    iri = ox.NamedNode("https://w3id.org/mdkg/id/japan")
    date = ox.Literal("2025-10-28", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date"))
    rows = from_ox_rows([(iri, date, None), (iri, date, ox.Literal("x", language="en"))])
    assert rows[0][0] is rows[1][0] and rows[0][1] is rows[1][1]
    assert rows == [tuple(None if t is None else from_ox(t) for t in row)
                    for row in [(iri, date, None), (iri, date, ox.Literal("x", language="en"))]]
    assert type(rows[0][0]) is URIRef and rows[0][0] == URIRef("https://w3id.org/mdkg/id/japan")
    assert isinstance(rows[0][1], Literal) and rows[0][1].value.isoformat() == "2025-10-28"
