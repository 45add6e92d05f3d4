"""SPARQL Update text that mdkg writes itself, and the few readings of a client's update it needs.

Every write reaches the store as one SPARQL update, because an update is the one operation every
backend applies as a whole (pyoxigraph: in one transaction). Data a client sends as a document
(Graph Store Protocol, ``/sources``) therefore become ``INSERT DATA`` blocks written here, with the
strict term writers of :mod:`mdkg.store._terms`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from mdkg.errors import BadRequest
from mdkg.store import QueryDataset
from mdkg.store._sparql_text import Token, tokens
from mdkg.store._terms import check_iri, sparql_iri, sparql_string

__all__ = [
    "data_block",
    "drop_graph",
    "is_deterministic",
    "with_protocol_dataset",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_NONDETERMINISTIC = ("NOW", "RAND", "UUID", "STRUUID")
"""Functions whose value differs between two runs of the same update."""


def term_text(term: object) -> str:
    """SPARQL text of a pyoxigraph term inside ``INSERT DATA``/``DELETE DATA``."""
    if isinstance(term, ox.NamedNode):
        return sparql_iri(term.value)
    if isinstance(term, ox.BlankNode):
        # Inside one INSERT DATA, one label is one new node: the document's blank nodes stay linked.
        # Labels other than plain letters and digits are hex-encoded under another prefix, so that
        # no two labels meet and every label is valid SPARQL.
        value = term.value
        return f"_:b{value}" if value.isascii() and value.isalnum() else f"_:x{value.encode().hex()}"
    if isinstance(term, ox.Literal):
        text = sparql_string(term.value)
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING):
            return f"{text}^^{sparql_iri(term.datatype.value)}"
        return text
    raise BadRequest(f"mdkg cannot write the term {term!r} (RDF 1.2 triple terms are not supported)")


def graph_text(graph: str | None) -> str:
    return "DEFAULT" if graph is None else f"GRAPH {sparql_iri(graph)}"


def drop_graph(graph: str | None, *, silent: bool = True) -> str:
    """``DROP`` of one graph; the default graph is emptied (it cannot be dropped)."""
    return f"DROP {'SILENT ' if silent else ''}{graph_text(graph)}"


def data_block(keyword: str, quads: Iterable[ox.Quad]) -> str:
    """``INSERT DATA { ... }`` (or ``DELETE DATA``) of ``quads``, grouped by graph; ``""`` if none."""
    by_graph: dict[str | None, list[str]] = defaultdict(list)
    for quad in quads:
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
        if name is not None and not isinstance(name, ox.NamedNode):
            raise BadRequest("a graph named by a blank node cannot be written")
        key = None if name is None else check_iri(name.value)
        by_graph[key].append(
            f"{term_text(quad.subject)} {term_text(quad.predicate)} {term_text(quad.object)} .")
    if not by_graph:
        return ""
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(body if graph is None else f"GRAPH {sparql_iri(graph)} {{\n{body}\n}}")
    return f"{keyword} {{\n" + "\n".join(parts) + "\n}"


def join_operations(*operations: str) -> str:
    return " ;\n".join(op for op in operations if op)


def _words(stream: list[Token]) -> list[tuple[int, Token]]:
    """``(brace depth, token)`` for every token, the depth being the one the token stands at."""
    depth = 0
    placed: list[tuple[int, Token]] = []
    for token in stream:
        if token.kind == "punct" and token.text == "}":
            depth -= 1
        placed.append((depth, token))
        if token.kind == "punct" and token.text == "{":
            depth += 1
    return placed


def _is_keyword(stream: list[Token], index: int, *words: str) -> bool:
    token = stream[index]
    if not token.is_word(*words):
        return False
    # ``ex:where`` or ``where:x`` are prefixed names, not keywords.
    before = stream[index - 1] if index > 0 else None
    after = stream[index + 1] if index + 1 < len(stream) else None
    return not ((before and before.text == ":") or (after and after.text == ":"))


def is_deterministic(update: str) -> bool:
    """False if the update calls a function whose value changes from one run to the next."""
    stream = list(tokens(update))
    return not any(
        _is_keyword(stream, i, *_NONDETERMINISTIC) and i + 1 < len(stream) and stream[i + 1].text == "("
        for i in range(len(stream))
    )


def with_protocol_dataset(update: str, using: QueryDataset) -> str:
    """The update with the protocol's ``using-graph-uri``/``using-named-graph-uri`` as ``USING`` clauses.

    SPARQL 1.1 Protocol: these parameters give the dataset of every ``DELETE``/``INSERT ... WHERE``
    operation of the request, and a request that also says ``USING``, ``USING NAMED`` or ``WITH``
    is an error. pyoxigraph has no API for the dataset of an update, so the clauses are written into
    the text, before each top-level ``WHERE``.
    """
    clauses = " ".join([f"USING {sparql_iri(check_iri(g))}" for g in using.default_graphs]
                       + [f"USING NAMED {sparql_iri(check_iri(g))}" for g in using.named_graphs])
    if not clauses:
        return update
    stream = list(tokens(update))
    insert_at: list[int] = []
    for index, (depth, token) in enumerate(_words(stream)):
        if depth != 0:
            continue
        if _is_keyword(stream, index, "USING", "WITH"):
            raise BadRequest(
                f"the update says {token.text.upper()} and the request gives using-graph-uri or "
                "using-named-graph-uri: give the dataset one way only (SPARQL 1.1 Protocol, 2.2.3)")
        if _is_keyword(stream, index, "WHERE"):
            if index > 0 and stream[index - 1].is_word("DELETE"):
                raise BadRequest("DELETE WHERE takes no dataset: with using-graph-uri, write "
                                 "DELETE { ... } WHERE { ... }")
            insert_at.append(token.start)
    if not insert_at:
        raise BadRequest("using-graph-uri and using-named-graph-uri give the dataset of DELETE/INSERT ... "
                         "WHERE operations, and this update has none")
    pieces: list[str] = []
    previous = 0
    for offset in insert_at:
        pieces += [update[previous:offset], clauses, " "]
        previous = offset
    pieces.append(update[previous:])
    return "".join(pieces)
