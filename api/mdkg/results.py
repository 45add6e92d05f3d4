"""Write query results in the standard formats.

* SELECT and ASK results: SPARQL 1.1 Query Results JSON, XML, CSV and TSV.
* CONSTRUCT and DESCRIBE results (and any list of triples): Turtle, N-Triples, JSON-LD, RDF/XML,
  TriG and N-Quads (the two quad formats put the triples in the default graph).

The curated API::

    serialize(result, media_type, prefixes=...) -> bytes
    offered_media_types(result)                 -> the media types ``serialize`` accepts for it
    content_type(media_type)                    -> the Content-Type header value to send
    tabular_format(key) / graph_format(key)     -> canonical media type for a name, suffix or type

ASK results in CSV and TSV follow the convention of Apache Jena (a column ``_askResult`` holding
``true`` or ``false``), since the W3C CSV/TSV note defines only SELECT results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from mdkg.errors import MdkgError, NotAcceptable
from mdkg.formats import RDF_FORMATS, RESULTS_FORMATS, rdf_format, results_format
from mdkg.store import AskResult, GraphResult, QueryResult, SelectResult, Term
from mdkg.store._protocol import Triple

__all__ = [
    "GRAPH_MEDIA_TYPES",
    "TABULAR_MEDIA_TYPES",
    "content_type",
    "graph_format",
    "offered_media_types",
    "serialize",
    "serialize_graph",
    "serialize_tabular",
    "tabular_format",
]

SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

TABULAR_MEDIA_TYPES: tuple[str, ...] = tuple(f.media_type for f in RESULTS_FORMATS)
"""Canonical media types of SELECT/ASK results, in the server's order of preference (JSON first)."""

GRAPH_MEDIA_TYPES: tuple[str, ...] = tuple(f.media_type for f in RDF_FORMATS)
"""Canonical media types of graph results, in the server's order of preference (Turtle first)."""

_TABULAR_ALIASES: tuple[str, ...] = tuple(a for f in RESULTS_FORMATS for a in f.aliases)
_GRAPH_ALIASES: tuple[str, ...] = (
    *(a for f in RDF_FORMATS for a in f.aliases if a not in ("text/plain", "application/xml")),
    "text/n3",
    "application/json",
    "application/xml",
    "text/plain",
)
"""Aliases a client may ask for; listed after the canonical types so that ``*/*`` never picks one."""

_ALIAS_TO_GRAPH_TYPE = {
    "text/n3": "text/turtle",  # every Turtle document is N3
    "application/json": "application/ld+json",
}

# Short names that common clients put in ``format=``/``output=`` and that formats.py does not know.
_EXTRA_TABULAR_NAMES = {"srj": SPARQL_JSON, "srx": SPARQL_XML, "sparql-results+json": SPARQL_JSON,
                        "sparql-results+xml": SPARQL_XML}
_EXTRA_GRAPH_NAMES = {
    "json": "application/ld+json",
    "json-ld": "application/ld+json",
    "n3": "text/turtle",
    "ttl": "text/turtle",
    "rdf+xml": "application/rdf+xml",
    "rdf/xml": "application/rdf+xml",
    "n-triples": "application/n-triples",
    "n-quads": "application/n-quads",
    **_ALIAS_TO_GRAPH_TYPE,
}

_OX_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
_PREFIXED_FORMATS = {"text/turtle", "application/trig", "application/rdf+xml"}


def tabular_format(key: str) -> str | None:
    """Canonical SELECT/ASK media type for a name (``json``), suffix, media type or alias; else ``None``."""
    wanted = key.split(";", 1)[0].strip().lower()
    if wanted in _EXTRA_TABULAR_NAMES:
        return _EXTRA_TABULAR_NAMES[wanted]
    try:
        return results_format(wanted).media_type
    except MdkgError:
        return None


def graph_format(key: str) -> str | None:
    """Canonical RDF media type for a name (``turtle``), suffix, media type or alias; else ``None``."""
    wanted = key.split(";", 1)[0].strip().lower()
    if wanted in _EXTRA_GRAPH_NAMES:
        return _EXTRA_GRAPH_NAMES[wanted]
    try:
        return rdf_format(wanted).media_type
    except MdkgError:
        return None


def offered_media_types(result: QueryResult | None = None, *, graph: bool | None = None) -> tuple[str, ...]:
    """Every media type :func:`serialize` writes for ``result`` (or for graphs / tables by ``graph``).

    Canonical types come first in the server's order of preference, aliases after them.
    """
    is_graph = isinstance(result, GraphResult) if graph is None else graph
    if is_graph:
        return (*GRAPH_MEDIA_TYPES, *_GRAPH_ALIASES)
    return (*TABULAR_MEDIA_TYPES, *_TABULAR_ALIASES)


def content_type(media_type: str) -> str:
    """The ``Content-Type`` value for a canonical media type: every format mdkg writes is UTF-8."""
    if media_type == "application/rdf+xml" or media_type == SPARQL_XML:
        return media_type  # XML declares its own encoding; a charset parameter could only contradict it
    return f"{media_type}; charset=utf-8"


def serialize(result: QueryResult, media_type: str, *, prefixes: Mapping[str, str] | None = None) -> bytes:
    """Write ``result`` as ``media_type`` (canonical or alias); :class:`NotAcceptable` if it can't be."""
    if isinstance(result, GraphResult):
        return serialize_graph(result.triples, media_type, prefixes=prefixes)
    return serialize_tabular(result, media_type)


# --- SELECT and ASK ----------------------------------------------------------------------------------

_XSD_STRING = str(XSD.string)
_RDF_LANG_STRING = str(RDF.langString)


def _datatype(literal: Literal) -> str | None:
    """The datatype to write, or ``None`` for simple and language-tagged strings (RDF 1.1)."""
    if literal.language or literal.datatype is None:
        return None
    datatype = str(literal.datatype)
    return None if datatype in (_XSD_STRING, _RDF_LANG_STRING) else datatype


def serialize_tabular(result: SelectResult | AskResult, media_type: str) -> bytes:
    canonical = tabular_format(media_type)
    writers = {SPARQL_JSON: _json, SPARQL_XML: _xml, CSV: _csv, TSV: _tsv}
    if canonical not in writers:
        raise NotAcceptable(f"query results cannot be written as {media_type!r}",
                            detail={"available": list(TABULAR_MEDIA_TYPES)})
    return writers[canonical](result)


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    encoded = {"type": "literal", "value": str(term)}
    if term.language:
        encoded["xml:lang"] = term.language
    datatype = _datatype(term)
    if datatype:
        encoded["datatype"] = datatype
    return encoded


def _json(result: SelectResult | AskResult) -> bytes:
    document: dict[str, Any]
    if isinstance(result, AskResult):
        document = {"head": {}, "boolean": result.value}
    else:
        bindings = [
            {name: _json_term(term) for name, term in zip(result.variables, row, strict=True)
             if term is not None}
            for row in result.rows
        ]
        document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# Characters XML 1.0 cannot carry at all, not even as character references.
_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    text = _XML_ILLEGAL.sub("\ufffd", text)
    # ">" is escaped for "]]>"; "\r" because XML parsers would otherwise turn it into "\n".
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attribute(text: str) -> str:
    # Attribute-value normalisation would turn raw tabs and newlines into spaces.
    return (_xml_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;"))


def _xml_term(term: Term) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{_xml_text(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{_xml_text(str(term))}</bnode>"
    attributes = ""
    if term.language:
        attributes = f' xml:lang="{_xml_attribute(term.language)}"'
    datatype = _datatype(term)
    if datatype:
        attributes += f' datatype="{_xml_attribute(datatype)}"'
    return f"<literal{attributes}>{_xml_text(str(term))}</literal>"


def _xml(result: SelectResult | AskResult) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if isinstance(result, AskResult):
        lines += ["  <head/>", f"  <boolean>{'true' if result.value else 'false'}</boolean>"]
    else:
        lines.append("  <head>")
        lines += [f'    <variable name="{_xml_attribute(v)}"/>' for v in result.variables]
        lines += ["  </head>", "  <results>"]
        for row in result.rows:
            lines.append("    <result>")
            for name, term in zip(result.variables, row, strict=True):
                if term is not None:
                    lines.append(f'      <binding name="{_xml_attribute(name)}">{_xml_term(term)}</binding>')
            lines.append("    </result>")
        lines.append("  </results>")
    lines.append("</sparql>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv_field(text: str) -> str:
    # RFC 4180: quote fields holding a separator, a quote or a line break; double inner quotes.
    # Leading or trailing spaces are quoted too, so that no spreadsheet trims them away.
    if any(c in text for c in ',"\r\n') or text != text.strip(" "):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return _csv_field(f"_:{term}")
    return _csv_field(str(term))  # IRIs and literals: the bare string, no datatype or language


def _csv(result: SelectResult | AskResult) -> bytes:
    if isinstance(result, AskResult):
        rows = [["_askResult"], ["true" if result.value else "false"]]
    else:
        rows = [[_csv_field(v) for v in result.variables]]
        rows += [[_csv_term(t) for t in row] for row in result.rows]
    return "".join(",".join(row) + "\r\n" for row in rows).encode("utf-8")


_TSV_STRING_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_TURTLE_NUMBERS = {
    str(XSD.integer): re.compile(r"[+-]?[0-9]+"),
    str(XSD.decimal): re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    str(XSD.double): re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    # Turtle's boolean shorthand, as Oxigraph's own TSV writer has it: both writers give one text.
    str(XSD.boolean): re.compile(r"true|false"),
}


def _turtle_iri(iri: str) -> str:
    # Characters IRIREF forbids are written as \u escapes, which Turtle and SPARQL both read back.
    return "<" + _IRI_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return _turtle_iri(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    lexical = str(term)
    datatype = _datatype(term)
    if datatype in _TURTLE_NUMBERS and _TURTLE_NUMBERS[datatype].fullmatch(lexical):
        return lexical
    quoted = '"' + lexical.translate(_TSV_STRING_ESCAPES) + '"'
    if term.language:
        return f"{quoted}@{term.language}"
    if datatype:
        return f"{quoted}^^{_turtle_iri(datatype)}"
    return quoted


def _tsv(result: SelectResult | AskResult) -> bytes:
    if isinstance(result, AskResult):
        rows = [["?_askResult"], ["true" if result.value else "false"]]
    else:
        rows = [[f"?{v}" for v in result.variables]]
        rows += [[_tsv_term(t) for t in row] for row in result.rows]
    return "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")


# --- CONSTRUCT and DESCRIBE --------------------------------------------------------------------------

def _to_ox(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _used_prefixes(triples: list[Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    """Only the prefixes some IRI of the graph starts with, so small results stay small."""
    iris: set[str] = set()
    for triple in triples:
        for term in triple:
            if isinstance(term, URIRef):
                iris.add(str(term))
            elif isinstance(term, Literal) and term.datatype is not None:
                iris.add(str(term.datatype))
    return {name: ns for name, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


def serialize_graph(triples: Iterable[Triple], media_type: str, *,
                    prefixes: Mapping[str, str] | None = None) -> bytes:
    """Write triples as an RDF document; prefixes abbreviate Turtle, TriG and RDF/XML."""
    canonical = graph_format(media_type)
    if canonical not in _OX_FORMATS:
        raise NotAcceptable(f"graphs cannot be written as {media_type!r}",
                            detail={"available": list(GRAPH_MEDIA_TYPES)})
    triples = list(triples)
    used = _used_prefixes(triples, prefixes or {})
    if canonical == "application/rdf+xml":
        return _rdf_xml(triples, used)
    ox_triples = [ox.Triple(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in triples]
    options: dict[str, object] = {"format": _OX_FORMATS[canonical]}
    if used and canonical in _PREFIXED_FORMATS:
        options["prefixes"] = used
    return ox.serialize(ox_triples, **options) or b""


# RDF/XML is written here rather than by Oxigraph, whose writer leaves carriage returns and control
# characters raw and emits an empty element name for predicates without a local name.

_NAME_START = ("A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
               "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
               "\U00010000-\U000effff")
_NAME_CHAR = _NAME_START + "\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
_LOCAL_NAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*$")
_NCNAME = re.compile(f"[{_NAME_START}][{_NAME_CHAR}]*")
_RDF_NS = str(RDF)


def _split_predicate(iri: str) -> tuple[str, str]:
    """Namespace and XML local name of a predicate IRI (RDF/XML needs one for every predicate)."""
    match = _LOCAL_NAME.search(iri)
    if match is None or match.start() == 0:
        raise NotAcceptable(
            f"the predicate <{iri}> has no XML local name, so this graph cannot be written as RDF/XML",
            detail={"available": [t for t in GRAPH_MEDIA_TYPES if t != "application/rdf+xml"]})
    return iri[:match.start()], match.group()


def _rdf_xml(triples: list[Triple], prefixes: Mapping[str, str]) -> bytes:
    namespaces = {_RDF_NS: "rdf"}
    namespaces.update({ns: name for name, ns in prefixes.items()
                       if _NCNAME.fullmatch(name) and name.lower() not in ("rdf", "xml", "xmlns")})
    node_ids: dict[BNode, str] = {}

    def node_id(node: BNode) -> str:
        # Blank node labels need not be XML names, so each gets a fresh one that is.
        return node_ids.setdefault(node, f"b{len(node_ids)}")

    def qname(iri: str) -> str:
        namespace, local = _split_predicate(iri)
        if namespace not in namespaces:
            namespaces[namespace] = f"ns{len(namespaces)}"
        return f"{namespaces[namespace]}:{local}"

    by_subject: dict[Term, list[tuple[Term, Term]]] = {}
    for subject, predicate, obj in triples:
        by_subject.setdefault(subject, []).append((predicate, obj))
    body: list[str] = []
    for subject, properties in by_subject.items():
        about = (f'rdf:nodeID="{node_id(subject)}"' if isinstance(subject, BNode)
                 else f'rdf:about="{_xml_attribute(str(subject))}"')
        body.append(f"  <rdf:Description {about}>")
        for predicate, obj in properties:
            name = qname(str(predicate))
            if isinstance(obj, URIRef):
                body.append(f'    <{name} rdf:resource="{_xml_attribute(str(obj))}"/>')
            elif isinstance(obj, BNode):
                body.append(f'    <{name} rdf:nodeID="{node_id(obj)}"/>')
            else:
                attributes = ""
                if obj.language:
                    attributes = f' xml:lang="{_xml_attribute(obj.language)}"'
                elif obj.datatype is not None and str(obj.datatype) != _XSD_STRING:
                    attributes = f' rdf:datatype="{_xml_attribute(str(obj.datatype))}"'
                body.append(f"    <{name}{attributes}>{_xml_text(str(obj))}</{name}>")
        body.append("  </rdf:Description>")
    declarations = "".join(f'\n    xmlns:{name}="{_xml_attribute(ns)}"' for ns, name in namespaces.items())
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<rdf:RDF{declarations}>", *body, "</rdf:RDF>"]
    return ("\n".join(lines) + "\n").encode("utf-8")
