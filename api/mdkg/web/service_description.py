"""The SPARQL 1.1 Service Description of the ``/sparql`` endpoint, as a list of triples.

It names the endpoint, the languages and result formats it supports, and its default dataset:
the default graph and every named graph, each with its triple count (``void:triples``).
"""

from __future__ import annotations

from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from mdkg.namespaces import VOID
from mdkg.store import Store
from mdkg.store._protocol import Triple

__all__ = ["SD", "SERVICE_DESCRIPTION_PREFIXES", "describe_service"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = Namespace("http://www.w3.org/ns/entailment/")

SERVICE_DESCRIPTION_PREFIXES = {
    "sd": str(SD),
    "formats": str(FORMATS),
    "void": str(VOID),
    "dcterms": str(DCTERMS),
    "ent": str(ENTAILMENT),
}

_RESULT_FORMATS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads",
)

_DEFAULT_GRAPH_SIZE = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
_NAMED_GRAPH_SIZES = (
    "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } } GROUP BY ?graph"
)


def _count(value: object) -> Literal:
    return Literal(int(str(value)) if value is not None else 0, datatype=XSD.integer)


def describe_service(endpoint: str, store: Store, *, read_only: bool = True) -> list[Triple]:
    """The service description of ``endpoint``; asks ``store`` for its graphs (blocking: run in a thread)."""
    service = URIRef(endpoint)
    triples: list[Triple] = [
        (service, RDF.type, SD.Service),
        (service, SD.endpoint, service),
        (service, DCTERMS.title, Literal("mdkg: the minerals-diplomacy knowledge graph", lang="en")),
        (service, SD.supportedLanguage, SD.SPARQL10Query),
        (service, SD.supportedLanguage, SD.SPARQL11Query),
        (service, SD.defaultEntailmentRegime, ENTAILMENT.Simple),
    ]
    if not read_only:
        triples.append((service, SD.supportedLanguage, SD.SPARQL11Update))
    triples += [(service, SD.resultFormat, FORMATS[name]) for name in _RESULT_FORMATS]

    dataset, default_graph = BNode("dataset"), BNode("default-graph")
    triples += [
        (service, SD.defaultDataset, dataset),
        (dataset, RDF.type, SD.Dataset),
        (dataset, SD.defaultGraph, default_graph),
        (default_graph, RDF.type, SD.Graph),
        (default_graph, VOID.triples, _count(store.select(_DEFAULT_GRAPH_SIZE).rows[0][0])),
    ]
    sizes = {str(row[0]): row[1] for row in store.select(_NAMED_GRAPH_SIZES).rows}
    # store.graphs() also lists empty named graphs, which the counting query cannot see.
    for index, name in enumerate(sorted(set(store.graphs()) | set(sizes))):
        named, graph = BNode(f"named-graph-{index}"), BNode(f"graph-{index}")
        triples += [
            (dataset, SD.namedGraph, named),
            (named, RDF.type, SD.NamedGraph),
            (named, SD.name, URIRef(name)),
            (named, SD.graph, graph),
            (graph, RDF.type, SD.Graph),
            (graph, VOID.triples, _count(sizes.get(name))),
        ]
    return triples
