"""Reading and writing RDF documents, the same way for every backend.

All backends parse and serialize with pyoxigraph, so a document is accepted or refused, and an
export is written, identically whatever store sits behind the contract.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from mdkg.errors import NotAcceptable, RdfSyntaxError
from mdkg.formats import RdfFormat
from mdkg.store._terms import canonical_quads

OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}


def parse_rdf(data: bytes | str, fmt: RdfFormat, graph: str | None = None) -> list[ox.Quad]:
    """Quads of a document; triples (and a quads document's default graph) go to ``graph`` if given.

    Blank nodes get fresh identifiers, so loading a document twice adds its blank nodes twice, as
    loading into any RDF store does. Typed literals take their canonical lexical form (as
    Oxigraph stores them), whichever backend receives them.
    """
    target = None if graph is None else ox.NamedNode(graph)
    try:
        quads = list(ox.parse(data, format=OX_FORMATS[fmt.name], rename_blank_nodes=True))
    except (SyntaxError, ValueError) as error:
        raise rdf_syntax_error(error, fmt) from error
    quads = canonical_quads(quads)
    if target is None:
        return quads
    return [
        ox.Quad(q.subject, q.predicate, q.object, target) if isinstance(q.graph_name, ox.DefaultGraph) else q
        for q in quads
    ]


def rdf_syntax_error(error: SyntaxError | ValueError, fmt: RdfFormat) -> RdfSyntaxError:
    """The contract's error for a document pyoxigraph refused (with line and column when it says)."""
    if isinstance(error, SyntaxError):
        line, column = error.lineno, error.offset
        message = error.msg or str(error)
        detail: dict[str, object] = {"format": fmt.media_type, "message": message}
        if line is not None:
            detail.update(line=line, column=column)
        return RdfSyntaxError(f"{fmt.name} syntax error: {message}", detail=detail)
    return RdfSyntaxError(f"{fmt.name} document refused: {error}",
                          detail={"format": fmt.media_type, "message": str(error)})


def serialize_rdf(quads: Iterable[ox.Quad], fmt: RdfFormat) -> bytes:
    """A document of ``quads``; triples formats get the triples, whatever graph they came from."""
    items: Iterable[ox.Quad | ox.Triple] = quads if fmt.quads else (q.triple for q in quads)
    try:
        return ox.serialize(items, format=OX_FORMATS[fmt.name]) or b""
    except (ValueError, SyntaxError) as error:
        raise NotAcceptable(f"these data cannot be written as {fmt.name}: {error}") from error
