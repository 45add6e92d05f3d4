"""IRIs of the ontology, the dataset and the vocabularies mdkg reuses.

Data files are written with the canonical base (``https://w3id.org/mdkg/``); a server configured
with another base rewrites them on load (see :func:`mdkg.dataset.rebase`).
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from mdkg.settings import CANONICAL_BASE_IRI

ORG = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")
TIME = Namespace("http://www.w3.org/2006/time#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
VOID = Namespace("http://rdfs.org/ns/void#")
SH = Namespace("http://www.w3.org/ns/shacl#")


class DatasetIris:
    """The IRIs of one deployment, derived from its base IRI."""

    def __init__(self, base: str = CANONICAL_BASE_IRI) -> None:
        if not base.endswith("/"):
            base += "/"
        self.base = base
        self.ontology = base + "ontology"
        self.mdo = Namespace(base + "ontology#")
        self.id = Namespace(base + "id/")
        self.graph = Namespace(base + "graph/")
        self.ontology_graph = base + "graph/ontology"
        self.reference_graph = base + "graph/reference"

    def source_graph(self, source_id: str) -> str:
        return f"{self.graph}source/{source_id}"


CANONICAL = DatasetIris()
MDO = CANONICAL.mdo
ID = CANONICAL.id

PREFIXES: dict[str, str] = {
    "mdo": str(MDO),
    "id": str(ID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "oa": str(OA),
    "time": str(TIME),
    "schema": str(SCHEMA),
    "wd": str(WD),
    "void": str(VOID),
    "sh": str(SH),
}
