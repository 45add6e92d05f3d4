"""RDF documents sent by a client, inspected before a parser reads them.

* RDF/XML with a ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused: pyoxigraph expands internal
  entities (nested ones grow exponentially, the "billion laughs"), and other parsers read external
  ones from files or the web. The document must be UTF-8 (or declare US-ASCII), so that no other
  encoding (UTF-16, UTF-7...) can hide a declaration from this check.
* JSON-LD whose ``@context`` (at any depth, in a list, or through ``@import``) names a document
  instead of holding the definitions inline is refused: loading it would reach outside.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mdkg.errors import BadRequest, RdfSyntaxError
from mdkg.formats import rdf_format

_XML_DECLARATION_ENCODING = re.compile(r"""<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_XML_DECLARATIONS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_ENCODINGS = ("utf-8", "utf8", "us-ascii", "ascii")


def inspect_document(data: bytes | str, media_type: str) -> None:
    """Raise an :mod:`mdkg.errors` error if the document may not be parsed (unknown format: 415)."""
    fmt = rdf_format(media_type)
    if fmt.name == "rdfxml":
        _inspect_rdf_xml(data)
    elif fmt.name == "jsonld":
        _inspect_json_ld(data)


def _text(data: bytes | str, what: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"{what} input must be UTF-8 (byte {error.start} is not)") from error


def _inspect_rdf_xml(data: bytes | str) -> None:
    text = _text(data, "RDF/XML")
    declared = _XML_DECLARATION_ENCODING.search(text[:1024])
    if declared and declared.group(1).strip().lower() not in _XML_ENCODINGS:
        raise BadRequest(f"RDF/XML input must be UTF-8, not {declared.group(1)!r}")
    found = _XML_DECLARATIONS.search(text)
    if found:
        raise BadRequest(
            f"RDF/XML with a <!{found.group(1).upper()} declaration is refused: entities could expand "
            "without bound or read files and URLs",
            detail={"offset": found.start()},
        )


def _inspect_json_ld(data: bytes | str) -> None:
    try:
        document = json.loads(_text(data, "JSON-LD"))
    except (ValueError, RecursionError) as error:
        # RecursionError: the json module's own limit on nesting.
        raise RdfSyntaxError(f"JSON-LD syntax error: {error}"[:500]) from None
    for context in _values_of(document, "@context"):
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, str):
                _refuse_remote_context(entry, "@context")
            elif isinstance(entry, dict) and isinstance(entry.get("@import"), str):
                _refuse_remote_context(entry["@import"], "@import")


def _values_of(document: Any, key: str) -> list[Any]:
    """Every value of ``key`` in the JSON tree, walked without recursion (scoped contexts nest)."""
    found: list[Any] = []
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if key in node:
                found.append(node[key])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


def _refuse_remote_context(reference: str, keyword: str) -> None:
    raise BadRequest(
        f"JSON-LD with a remote {keyword} ({reference!r}) is refused: mdkg fetches nothing; "
        "write the context inline",
        detail={"context": reference},
    )
