"""VoID descriptions of the dataset, shared by ``mdkg build`` (``dist/void.ttl``) and the service
(``GET /.well-known/void``).

Statistics are computed with SPARQL through the :class:`~mdkg.store.Store` contract, so the same
code describes the build (an in-memory store loaded with the dumps' quads) and a running service,
whatever its backend. Every count is over the named graphs (mdkg keeps nothing in the default graph):

* ``void:triples`` of the dataset: distinct triples of the union of all named graphs (what the
  triples dumps -- Turtle, N-Triples, RDF/XML -- hold);
* ``void:subset``: one ``void:Dataset`` per named graph (its IRI is the graph's name) with its own
  ``void:triples``;
* ``void:classPartition``: per class, ``void:entities`` = distinct instances;
* ``void:propertyPartition``: per property, ``void:triples`` = distinct triples of the union.

The output is sorted, so the same data and the same ``modified`` give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pyoxigraph as ox

from mdkg.formats import rdf_format
from mdkg.namespaces import PREFIXES, DatasetIris
from mdkg.settings import CANONICAL_BASE_IRI
from mdkg.store._protocol import Store

__all__ = [
    "DATA_LICENSE",
    "DESCRIPTION",
    "TITLE",
    "DatasetStatistics",
    "Dump",
    "dataset_iri",
    "describe",
    "serialize",
    "statistics",
]

TITLE = "mdkg: the minerals-diplomacy knowledge graph"
DESCRIPTION = (
    "Who signed which memorandum of understanding, framework or action plan with whom, which forums "
    "exist and who chairs them, which agencies fund what, and how much, in critical-minerals diplomacy: "
    "every fact with its source document and a verbatim quote. One named graph per source document, "
    "plus the ontology and reference data."
)
DATA_LICENSE = "https://www.apache.org/licenses/LICENSE-2.0"
"""The project's declared licence (pyproject), until the data gets a licence of its own."""

_VOID = "http://rdfs.org/ns/void#"
_DCTERMS = "http://purl.org/dc/terms/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_FORMATS_NS = "http://www.w3.org/ns/formats/"
_FORMAT_FEATURES = {
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML",
    "trig": "TriG",
    "nquads": "N-Quads",
}


@dataclass(frozen=True)
class DatasetStatistics:
    quads: int
    """Statements over all named graphs (a triple in two graphs counts twice)."""
    triples: int
    """Distinct triples of the union of the named graphs."""
    graphs: dict[str, int]
    classes: dict[str, int]
    """Class IRI -> distinct instances."""
    properties: dict[str, int]
    """Property IRI -> distinct triples in the union."""
    distinct_subjects: int
    distinct_objects: int


@dataclass(frozen=True)
class Dump:
    """One downloadable serialization of the dataset."""

    iri: str
    media_type: str
    description: str


_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_UNION = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
_TRIPLES = f"SELECT (COUNT(*) AS ?n) WHERE {{ {_UNION} }}"
_PROPERTIES = f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {_UNION} }} GROUP BY ?p"
_CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c"
_SUBJECTS = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
_OBJECTS = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _counts(store: Store, sparql: str) -> dict[str, int]:
    return {str(row[0]): int(str(row[1])) for row in store.select(sparql).rows
            if row[0] is not None and row[1] is not None}


def _single(store: Store, sparql: str) -> int:
    rows = store.select(sparql).rows
    return int(str(rows[0][0])) if rows and rows[0][0] is not None else 0


def statistics(store: Store) -> DatasetStatistics:
    graphs = _counts(store, _GRAPHS)
    return DatasetStatistics(
        quads=sum(graphs.values()),
        triples=_single(store, _TRIPLES),
        graphs=dict(sorted(graphs.items())),
        classes=dict(sorted(_counts(store, _CLASSES).items())),
        properties=dict(sorted(_counts(store, _PROPERTIES).items())),
        distinct_subjects=_single(store, _SUBJECTS),
        distinct_objects=_single(store, _OBJECTS),
    )


def dataset_iri(base_iri: str) -> str:
    """The dataset's IRI: a fragment of the VoID document, so it dereferences to its description."""
    return f"{DatasetIris(base_iri).base}.well-known/void#dataset"


def _prefixes(base_iri: str) -> dict[str, str]:
    iris = DatasetIris(base_iri)
    prefixes = {**PREFIXES, "mdo": str(iris.mdo), "id": str(iris.id)}
    prefixes["formats"] = _FORMATS_NS
    return prefixes


def _namespace(iri: str, known: Iterable[str]) -> str:
    matches = [ns for ns in known if iri.startswith(ns) and len(iri) > len(ns)]
    if matches:
        return max(matches, key=len)
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def describe(
    stats: DatasetStatistics,
    *,
    base_iri: str = CANONICAL_BASE_IRI,
    modified: datetime,
    dumps: Sequence[Dump] = (),
    graph_dump: Callable[[str], str | None] | None = None,
    title: str = TITLE,
    description: str = DESCRIPTION,
    license_iri: str = DATA_LICENSE,
) -> list[ox.Triple]:
    """The VoID triples; ``graph_dump(graph_iri)`` gives a download IRI for one named graph, if any."""
    iris = DatasetIris(base_iri)
    dataset = ox.NamedNode(dataset_iri(base_iri))
    document = dataset.value.split("#", 1)[0]

    def iri(value: str) -> ox.NamedNode:
        return ox.NamedNode(value)

    def void(name: str) -> ox.NamedNode:
        return ox.NamedNode(_VOID + name)

    def dcterms(name: str) -> ox.NamedNode:
        return ox.NamedNode(_DCTERMS + name)

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))

    stamp = modified.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    head: list[ox.Triple] = [
        ox.Triple(dataset, _RDF_TYPE, void("Dataset")),
        ox.Triple(dataset, dcterms("title"), ox.Literal(title, language="en")),
        ox.Triple(dataset, dcterms("description"), ox.Literal(description, language="en")),
        ox.Triple(dataset, dcterms("license"), iri(license_iri)),
        ox.Triple(dataset, dcterms("modified"), ox.Literal(stamp, datatype=ox.NamedNode(_XSD + "dateTime"))),
        ox.Triple(dataset, void("triples"), integer(stats.triples)),
        ox.Triple(dataset, void("distinctSubjects"), integer(stats.distinct_subjects)),
        ox.Triple(dataset, void("distinctObjects"), integer(stats.distinct_objects)),
        ox.Triple(dataset, void("classes"), integer(len(stats.classes))),
        ox.Triple(dataset, void("properties"), integer(len(stats.properties))),
        ox.Triple(dataset, void("sparqlEndpoint"), iri(iris.base + "sparql")),
        ox.Triple(dataset, void("uriSpace"), ox.Literal(str(iris.id))),
    ]
    rest: list[ox.Triple] = []
    for dump in dumps:
        head.append(ox.Triple(dataset, void("dataDump"), iri(dump.iri)))
        fmt = rdf_format(dump.media_type)
        head.append(ox.Triple(dataset, void("feature"), iri(_FORMATS_NS + _FORMAT_FEATURES[fmt.name])))
        rest += [
            ox.Triple(iri(dump.iri), dcterms("format"), ox.Literal(fmt.media_type)),
            ox.Triple(iri(dump.iri), dcterms("description"), ox.Literal(dump.description, language="en")),
        ]
    known = _prefixes(base_iri).values()
    vocabularies = {_namespace(term, known) for term in (*stats.classes, *stats.properties)}
    head += [ox.Triple(dataset, void("vocabulary"), iri(v)) for v in vocabularies]

    for graph, count in stats.graphs.items():
        subset = iri(graph)
        head.append(ox.Triple(dataset, void("subset"), subset))
        rest += [
            ox.Triple(subset, _RDF_TYPE, void("Dataset")),
            ox.Triple(subset, void("triples"), integer(count)),
        ]
        download = graph_dump(graph) if graph_dump else None
        if download:
            rest.append(ox.Triple(subset, void("dataDump"), iri(download)))
    # Zero-padded so that the partitions sort in the order of their classes and properties.
    width = len(str(max(len(stats.classes), len(stats.properties), 1)))
    for index, (cls, count) in enumerate(stats.classes.items(), start=1):
        partition = iri(f"{document}#class-{index:0{width}d}")
        head.append(ox.Triple(dataset, void("classPartition"), partition))
        rest += [ox.Triple(partition, void("class"), iri(cls)),
                 ox.Triple(partition, void("entities"), integer(count))]
    for index, (prop, count) in enumerate(stats.properties.items(), start=1):
        partition = iri(f"{document}#property-{index:0{width}d}")
        head.append(ox.Triple(dataset, void("propertyPartition"), partition))
        rest += [ox.Triple(partition, void("property"), iri(prop)),
                 ox.Triple(partition, void("triples"), integer(count))]
    return _ordered(head) + _ordered(rest)


def _ordered(triples: list[ox.Triple]) -> list[ox.Triple]:
    # Grouped by subject (first appearance), then sorted within: stable bytes, readable Turtle.
    position: dict[str, int] = {}
    for triple in triples:
        position.setdefault(str(triple.subject), len(position))
    unique = {str(t): t for t in triples}
    return sorted(unique.values(),
                  key=lambda t: (position[str(t.subject)], str(t.predicate), str(t.object)))


def serialize(triples: Sequence[ox.Triple], media_type: str = "text/turtle", *,
              base_iri: str = CANONICAL_BASE_IRI) -> bytes:
    """The description in any RDF format mdkg writes (quads formats: in the default graph)."""
    fmt = rdf_format(media_type)
    statements: Sequence[ox.Triple | ox.Quad] = (
        [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples] if fmt.quads
        else triples
    )
    prefixes = _prefixes(base_iri)
    used = {ns for ns in prefixes.values() if any(ns in str(t) for t in triples)}
    return ox.serialize(statements, format=ox.RdfFormat.from_media_type(fmt.media_type),
                        prefixes={p: ns for p, ns in prefixes.items() if ns in used}) or b""
