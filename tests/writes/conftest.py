"""Fixtures for the write path: a store holding the project's dataset, a writer and an app that may write.

* ``validator``      the project's shapes and ontology, loaded once for the session
* ``dataset_store``  a fresh in-memory Oxigraph store with ontology, sources and reference data
* ``writer``         a :class:`~mdkg.writes.Writer` on it
* ``write_client``   a client on an app with writes enabled (token ``TOKEN``; send ``AUTH``)
* ``snapshot``       ``snapshot(store)``: every graph of the store, to compare before and after
* ``new_source``     ``new_source(source_id, fact=...)``: a valid transcription (Turtle) of a new source
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from mdkg.dataset import load_dataset
from mdkg.settings import Settings
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.testing import graphs_by_name
from mdkg.web.app import create_app
from mdkg.web.writes import writer_for
from mdkg.writes import Writer, WriteValidator
from rdflib import Graph
from rdflib.compare import isomorphic
from starlette.testclient import TestClient

TOKEN = "s3cret-write-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

PREFIXES = """\
@prefix mdo: <https://w3id.org/mdkg/ontology#> .
@prefix id: <https://w3id.org/mdkg/id/> .
@prefix src: <https://w3id.org/mdkg/id/source/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
"""

SPARQL_PREFIXES = """\
PREFIX mdo: <https://w3id.org/mdkg/ontology#>
PREFIX id: <https://w3id.org/mdkg/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""


def source_turtle(source_id: str, *, fact: str = "id:test-japan-us-mou",
                  parties: str = "id:japan, id:united-states", identifier: bool = True) -> str:
    """A transcription the shapes accept: one source document and one MOU between two reference states."""
    ident = f'    dcterms:identifier "{source_id}" ;\n' if identifier else ""
    return PREFIXES + f"""
src:{source_id} a mdo:SourceDocument ;
    rdfs:label "A test source"@en ;
{ident}    dcterms:publisher "Test Publisher" ;
    dcterms:issued "2026-01-15"^^xsd:date ;
    mdo:sha256 "{"ab" * 32}" .

{fact} a mdo:MouOrFrameworkAgreement ;
    rdfs:label "Japan-US test MOU"@en ;
    mdo:party {parties} ;
    prov:wasDerivedFrom src:{source_id} ;
    mdo:evidence [ a mdo:Quotation ; prov:wasQuotedFrom src:{source_id} ;
                   oa:exact "Japan and the US signed." ] .
"""


@dataclass(frozen=True)
class Snapshot:
    """Every graph of a store (``None``: the default graph), blank nodes as rdflib blank nodes."""

    quads: int
    graphs: dict[str | None, Graph]

    def same_as(self, other: Snapshot) -> bool:
        return (self.quads == other.quads and self.graphs.keys() == other.graphs.keys()
                and all(isomorphic(self.graphs[name], other.graphs[name]) for name in self.graphs))


def take_snapshot(store: Store) -> Snapshot:
    return Snapshot(store.quad_count(), graphs_by_name(store))


@pytest.fixture
def snapshot() -> Callable[[Store], Snapshot]:
    return take_snapshot


@pytest.fixture
def new_source() -> Callable[..., str]:
    return source_turtle


@pytest.fixture(scope="session")
def validator() -> WriteValidator:
    return WriteValidator(Settings())


@pytest.fixture
def dataset_store() -> Iterator[OxigraphStore]:
    store = OxigraphStore()
    load_dataset(store, Settings())
    yield store
    store.close()


@pytest.fixture
def writer(dataset_store: OxigraphStore, validator: WriteValidator) -> Writer:
    return Writer(dataset_store, Settings(), validator=validator)


@pytest.fixture
def write_settings() -> Settings:
    return Settings(load_on_start=False, write_token=TOKEN)


@pytest.fixture
def write_client(write_settings: Settings, dataset_store: OxigraphStore,
                 validator: WriteValidator) -> Iterator[TestClient]:
    app = create_app(write_settings, store=dataset_store)
    writer_for(app.state.mdkg).validator = validator  # the shapes are loaded once per session
    with TestClient(app) as client:
        yield client
