"""Which source document a transcription describes, and so which named graph it goes to."""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import RDF
from rdflib.namespace import DCTERMS

from mdkg.errors import BadRequest
from mdkg.namespaces import DatasetIris

__all__ = ["SOURCE_ID", "source_id_of"]

SOURCE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")
"""What a source id may be: the shapes' pattern for ``dcterms:identifier``, never ``.`` or ``..``."""

_RDF_TYPE = ox.NamedNode(str(RDF.type))
_IDENTIFIER = ox.NamedNode(str(DCTERMS.identifier))


def check_source_id(source_id: str) -> str:
    if not SOURCE_ID.fullmatch(source_id):
        raise BadRequest(f"invalid source id {source_id!r}: letters, digits, '_', '.' and '-', "
                         "not starting with '.' or '-'", detail={"source_id": source_id})
    return source_id


def source_id_of(quads: list[ox.Quad], iris: DatasetIris, given: str | None) -> str:
    """The id of the one ``mdo:SourceDocument`` the transcription describes, agreeing with ``given``.

    The document's ``dcterms:identifier`` wins, then the end of its IRI (``<base>id/source/<id>``).
    Without a source document node, ``given`` is used as is.
    """
    source_class = ox.NamedNode(str(iris.mdo.SourceDocument))
    documents = sorted({q.subject for q in quads if q.predicate == _RDF_TYPE and q.object == source_class},
                       key=str)
    if len(documents) > 1:
        raise BadRequest("a transcription describes one source document; this one has "
                         f"{len(documents)}: {', '.join(str(d) for d in documents)}")
    if not documents:
        if given is None:
            raise BadRequest("name the source: give ?id=<source-id>, or describe the document as a "
                             "mdo:SourceDocument with its dcterms:identifier")
        return check_source_id(given)
    document = documents[0]
    identifiers = sorted({q.object.value for q in quads if q.subject == document
                          and q.predicate == _IDENTIFIER and isinstance(q.object, ox.Literal)})
    prefix = str(iris.id) + "source/"
    derived: str | None = identifiers[0] if len(identifiers) == 1 else None
    if derived is None and isinstance(document, ox.NamedNode) and document.value.startswith(prefix):
        derived = document.value[len(prefix):]
    if derived is None:
        if given is None:
            raise BadRequest(f"cannot tell the source id of {document}: give ?id=<source-id> or one "
                             "dcterms:identifier")
        return check_source_id(given)
    if given is not None and given != derived:
        raise BadRequest(f"the request names source {given!r} but the document describes {derived!r}",
                         detail={"given": given, "described": derived})
    return check_source_id(derived)
