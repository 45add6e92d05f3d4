"""The IRIs, labels and graph kinds every view needs, for one deployment's base IRI.

Data files are rebased on load (``mdkg.dataset.rebase``), so the ontology namespace of a server whose
base is ``http://127.0.0.1:8000/`` is ``http://127.0.0.1:8000/ontology#``: every term of ``mdo:`` is
derived here from the settings' base, never taken from the canonical constants.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from mdkg.errors import ParameterError
from mdkg.namespaces import OA, PREFIXES, DatasetIris
from mdkg.settings import CANONICAL_BASE_IRI

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)

# What may not appear inside <...> in SPARQL or Turtle; an IRI from a request that has one of them
# names nothing in the dataset, so it is refused here with a readable message.
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f]')
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def check_iri(iri: str) -> str:
    """``iri`` if it is absolute and has no character that IRIs exclude; else a ParameterError."""
    bad = _IRI_FORBIDDEN.search(iri)
    if bad:
        raise ParameterError(f"{iri!r} is not an IRI: it contains {bad.group()!r}", detail={"iri": iri})
    if not _IRI_SCHEME.match(iri):
        raise ParameterError(f"{iri!r} is not an absolute IRI", detail={"iri": iri})
    return iri

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Fold case and accents and collapse punctuation, so that ``cote d'ivoire`` finds ``Côte d’Ivoire``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def _language_rank(literal: Literal) -> int:
    language = (literal.language or "").lower()
    if language == "en" or language.startswith("en-"):
        return 0
    return 1 if not language else 2


def best_label(labels: Iterable[tuple[URIRef, Literal]]) -> str | None:
    """The label a reader sees: ``rdfs:label`` before ``skos:prefLabel`` before ``skos:altLabel``,
    English or untagged first; ties broken alphabetically so the choice is stable."""
    order = {prop: rank for rank, prop in enumerate(LABEL_PROPERTIES)}
    ranked = sorted((order.get(prop, len(order)), _language_rank(value), str(value))
                    for prop, value in labels if isinstance(value, Literal))
    return ranked[0][2] if ranked else None


def local_name(iri: str) -> str:
    """What follows the last ``#`` or ``/``: a readable stand-in for a resource without a label."""
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return unquote(tail) or iri


@dataclass(frozen=True)
class GraphRef:
    iri: str
    kind: str
    """``source`` (what one document says), ``reference`` (codes and classifications), ``ontology``
    or ``other`` (anything a client loaded elsewhere)."""

    def as_json(self) -> dict[str, Any]:
        return {"iri": self.iri, "kind": self.kind}


class Vocab:
    """IRIs of one deployment: namespaces, graph names, the terms views refer to, and id <-> IRI."""

    def __init__(self, base_iri: str = CANONICAL_BASE_IRI) -> None:
        self.iris = DatasetIris(base_iri)
        self.base = self.iris.base
        self.mdo = self.iris.mdo
        self.id_base = str(self.iris.id)
        self.ontology = URIRef(self.iris.ontology)
        self.ontology_graph = URIRef(self.iris.ontology_graph)
        self.reference_graph = URIRef(self.iris.reference_graph)
        self.source_graph_prefix = self.iris.source_graph("")
        self.evidence = self.mdo.evidence
        self.source_document = self.mdo.SourceDocument
        self.prefixes = {name: self.rebase(namespace) for name, namespace in PREFIXES.items()}

    # --- IRIs -------------------------------------------------------------------------------------

    def rebase(self, iri: str) -> str:
        """A canonical IRI moved to this deployment's base (the data was moved the same way)."""
        if self.base != CANONICAL_BASE_IRI and iri.startswith(CANONICAL_BASE_IRI):
            return self.base + iri[len(CANONICAL_BASE_IRI):]
        return iri

    def local_id(self, iri: str) -> str | None:
        """The part of an entity IRI below ``<base>id/`` (``japan``, ``source/000_...``)."""
        if iri.startswith(self.id_base) and len(iri) > len(self.id_base):
            return iri[len(self.id_base):]
        return None

    def local_path(self, iri: str) -> str | None:
        """The path at which this server dereferences ``iri`` (``/id/japan``), or ``None`` if not ours."""
        if iri.startswith(self.base) and len(iri) >= len(self.base):
            return "/" + iri[len(self.base):]
        return None

    def entity_iri(self, id_or_iri: str) -> URIRef:
        """``japan`` -> ``<base>id/japan``; an absolute IRI is taken as is (a canonical one rebased)."""
        text = id_or_iri.strip()
        if text.startswith("id:"):
            text = text[3:]
        elif re.match(r"[A-Za-z][A-Za-z0-9+.\-]*:", text):
            # Servers and proxies may merge the "//" of an IRI given (encoded) in a path.
            text = re.sub(r"^(https?):/(?!/)", r"\1://", text)
            return URIRef(check_iri(self.rebase(text)))
        text = text.strip("/")
        if not text:
            raise ParameterError("an entity id is required (for example 'japan')")
        return URIRef(check_iri(self.id_base + text))

    def expand_class(self, name: str) -> URIRef:
        """A class given as ``State``, ``mdo:State``, ``foaf:Person`` or a full IRI."""
        text = name.strip()
        if not text:
            raise ParameterError("the type is empty")
        if "://" in text or text.startswith("urn:"):
            return URIRef(check_iri(self.rebase(text)))
        prefix, colon, local = text.partition(":")
        if colon:
            namespace = self.prefixes.get(prefix) or {"foaf": "http://xmlns.com/foaf/0.1/"}.get(prefix)
            if namespace is None:
                raise ParameterError(f"unknown prefix {prefix!r} in type {name!r}",
                                     detail={"known_prefixes": sorted(self.prefixes)})
            return URIRef(check_iri(namespace + local))
        return URIRef(check_iri(str(self.mdo) + text))

    def graph_ref(self, graph: str) -> GraphRef:
        if graph == str(self.ontology_graph):
            kind = "ontology"
        elif graph == str(self.reference_graph):
            kind = "reference"
        elif graph.startswith(self.source_graph_prefix):
            kind = "source"
        else:
            kind = "other"
        return GraphRef(graph, kind)

    def is_vocabulary_term(self, iri: str) -> bool:
        """Terms of the ontology itself (classes, properties, concepts of its schemes)."""
        return iri == str(self.ontology) or iri.startswith(str(self.mdo))

    # --- query text -------------------------------------------------------------------------------

    def sparql_prologue(self) -> str:
        """PREFIX lines for the views' own queries; the only deployment-dependent one is ``mdo:``,
        which comes from the settings (checked as an IRI), never from a request."""
        namespaces = {
            "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD), "skos": str(SKOS),
            "prov": str(PROV), "oa": str(OA), "dcterms": str(DCTERMS), "mdo": str(self.mdo),
        }
        return "".join(f"PREFIX {name}: <{check_iri(ns)}>\n" for name, ns in namespaces.items())
