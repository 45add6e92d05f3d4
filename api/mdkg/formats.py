"""The media types mdkg reads and writes, with their file suffixes and parser names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media_type: str
    suffix: str
    rdflib_name: str
    quads: bool
    aliases: tuple[str, ...] = ()


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", "text/turtle", "ttl", "turtle", False, ("application/x-turtle",)),
    RdfFormat("ntriples", "application/n-triples", "nt", "nt", False, ("text/plain",)),
    RdfFormat("jsonld", "application/ld+json", "jsonld", "json-ld", True),
    RdfFormat("rdfxml", "application/rdf+xml", "rdf", "xml", False, ("application/xml",)),
    RdfFormat("trig", "application/trig", "trig", "trig", True, ("application/x-trig",)),
    RdfFormat("nquads", "application/n-quads", "nq", "nquads", True, ("text/x-nquads",)),
)


@dataclass(frozen=True)
class ResultsFormat:
    name: str
    media_type: str
    suffix: str
    aliases: tuple[str, ...] = ()


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", "application/sparql-results+json", "json", ("application/json",)),
    ResultsFormat("xml", "application/sparql-results+xml", "xml", ("application/xml", "text/xml")),
    ResultsFormat("csv", "text/csv", "csv"),
    ResultsFormat("tsv", "text/tab-separated-values", "tsv"),
)


def rdf_format(key: str) -> RdfFormat:
    """Look a format up by name, media type (parameters ignored), alias or suffix."""
    wanted = key.split(";", 1)[0].strip().lower().lstrip(".")
    for fmt in RDF_FORMATS:
        if wanted in (fmt.name, fmt.media_type, fmt.suffix, fmt.rdflib_name, *fmt.aliases):
            return fmt
    from mdkg.errors import UnsupportedMediaType

    known = ", ".join(f.media_type for f in RDF_FORMATS)
    raise UnsupportedMediaType(f"unknown RDF format {key!r}; known: {known}")


def results_format(key: str) -> ResultsFormat:
    wanted = key.split(";", 1)[0].strip().lower().lstrip(".")
    for fmt in RESULTS_FORMATS:
        if wanted in (fmt.name, fmt.media_type, fmt.suffix, *fmt.aliases):
            return fmt
    from mdkg.errors import NotAcceptable

    known = ", ".join(f.media_type for f in RESULTS_FORMATS)
    raise NotAcceptable(f"unknown results format {key!r}; known: {known}")
