"""Run one query and serialize its result, capped at a number of rows, with the cap stated.

Two ways, with the same observable result:

* :func:`evaluate_oxigraph` talks to a pyoxigraph store directly: the engine stops at the cap
  (see :mod:`._limit`) and writes SPARQL JSON, TSV and graph formats itself, so no row becomes a
  Python object on the common path. Used by the query workers of the embedded Oxigraph backend.
* :func:`evaluate_store` goes through the :class:`~mdkg.store.Store` contract and
  :mod:`mdkg.results`; any backend, used by the rdflib workers and when queries run in process.

A truncated result says so: the caller sends ``MDKG-Truncated: true``, SPARQL JSON gets a
top-level ``"mdkg:note"`` member, and the line-based RDF formats start with a comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import islice

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from mdkg import results
from mdkg.errors import NotAcceptable, QuerySyntaxError
from mdkg.execution._limit import limited_select
from mdkg.execution._model import QueryAnswer, QueryRequest
from mdkg.formats import rdf_format
from mdkg.store import AskResult, GraphResult, QueryResult, SelectResult, Store
from mdkg.store._base import effective_dataset
from mdkg.store._protocol import Triple
from mdkg.store._rdf_io import OX_FORMATS
from mdkg.store._sparql_text import PreparedQuery, prepare_query
from mdkg.store._terms import from_ox
from mdkg.store.oxigraph import ENGINE_ERRORS, engine_failure

SPARQL_JSON = "application/sparql-results+json"
TSV = "text/tab-separated-values"
RDF_XML = "application/rdf+xml"
NOTE_MEMBER = "mdkg:note"
"""Top-level member of a truncated SPARQL JSON result (clients ignore members they do not know)."""

_NATIVE_TABULAR = {SPARQL_JSON: ox.QueryResultsFormat.JSON, TSV: ox.QueryResultsFormat.TSV}
_PREFIXED_GRAPH_FORMATS = {"text/turtle", "application/trig"}
_COMMENTED_GRAPH_FORMATS = {"text/turtle", "application/trig", "application/n-triples", "application/n-quads"}
_LINE_GRAPH_FORMATS = {"application/n-triples", "application/n-quads"}
_SELECT_WORD = re.compile("select", re.IGNORECASE)
_SMALLEST_JSON_ROW = 3
"""Bytes of the shortest SPARQL JSON solution with its separator (``{},``)."""


def truncation_message(limit: int, *, graph: bool) -> str:
    unit = "triples" if graph else "rows"
    return (f"the result was cut at {limit} {unit} (the service's limit); "
            f"narrow the query or page through it with LIMIT and OFFSET")


def _note_json(body: bytes, limit: int) -> bytes:
    note = json.dumps({"truncated": True, "limit": limit, "message": truncation_message(limit, graph=False)},
                      separators=(",", ":")).encode("utf-8")
    # The document is one object; the note goes last so that "head" stays first for naive readers.
    end = body.rstrip().rfind(b"}")
    return body[:end] + b',"' + NOTE_MEMBER.encode() + b'":' + note + b"}" + body[end + 1:]


def _note_graph(body: bytes, media_type: str, limit: int) -> bytes:
    if media_type not in _COMMENTED_GRAPH_FORMATS:
        return body  # JSON-LD and RDF/XML have no comment a parser would keep; the header says it
    return f"# mdkg: {truncation_message(limit, graph=True)}\n".encode() + body


def answer_from_result(result: QueryResult, request: QueryRequest, row_limit: int) -> QueryAnswer:
    """Serialize a result of the Store contract, cut at ``row_limit``."""
    if isinstance(result, GraphResult):
        media_type = request.graph_media_type
        if media_type is None:
            return QueryAnswer(is_graph=True, media_type=None, row_limit=row_limit)
        triples = result.triples
        truncated = len(triples) > row_limit
        body = results.serialize_graph(triples[:row_limit] if truncated else triples, media_type,
                                       prefixes=request.prefixes)
        if truncated:
            body = _note_graph(body, media_type, row_limit)
        return QueryAnswer(True, media_type, body, truncated, row_limit)
    media_type = request.tabular_media_type
    if media_type is None:
        return QueryAnswer(is_graph=False, media_type=None, row_limit=row_limit)
    truncated = isinstance(result, SelectResult) and len(result.rows) > row_limit
    if truncated:
        assert isinstance(result, SelectResult)
        result = SelectResult(result.variables, result.rows[:row_limit])
    body = results.serialize_tabular(result, media_type)
    if truncated and media_type == SPARQL_JSON:
        body = _note_json(body, row_limit)
    return QueryAnswer(False, media_type, body, truncated, row_limit)


def evaluate_store(store: Store, request: QueryRequest, row_limit: int) -> QueryAnswer:
    """Any backend, through the Store contract (rows become rdflib terms)."""
    limited = limited_select(request.text, row_limit + 1)
    try:
        # The engine stops at the cap instead of handing over every row as Python objects.
        result = store.query(limited.text if limited else request.text, dataset=request.dataset)
    except QuerySyntaxError:
        if limited is None or not limited.rewritten:
            raise
        result = store.query(request.text, dataset=request.dataset)  # the user's text names the error
    return answer_from_result(result, request, row_limit)


# --- pyoxigraph, natively --------------------------------------------------------------------------------

def _dataset_options(request: QueryRequest) -> dict[str, object]:
    dataset = effective_dataset(request.dataset)
    if dataset is None:
        return {}
    # The protocol's dataset replaces the store's: graphs it does not list are not visible.
    return {"default_graph": [ox.NamedNode(g) for g in dataset.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in dataset.named_graphs]}


def _may_exceed(body: bytes, media_type: str, row_limit: int) -> bool:
    if media_type == TSV:
        return body.count(b"\n") - 1 > row_limit  # one line per row: TSV escapes line breaks
    if len(body) < _SMALLEST_JSON_ROW * (row_limit + 1):
        return False
    # Oxigraph writes solutions one after the other as '{...},{...}': outside strings '},{' is found
    # between two solutions and nowhere else, so one plus its count is at least the number of rows
    # (more only if some string holds it), and a count within the cap needs no parsing.
    return body.count(b"},{") + 1 > row_limit


def _count_rows(body: bytes, native: ox.QueryResultsFormat) -> int:
    parsed = ox.parse_query_results(body, format=native)
    return sum(1 for _ in parsed) if isinstance(parsed, ox.QuerySolutions) else 0


def _json_with_columns(body: bytes, columns: tuple[str, ...]) -> bytes:
    """SPARQL JSON whose ``head`` lists ``columns`` (variable names hold no ``]``)."""
    end = body.index(b"]") + 1
    head = json.dumps({"head": {"vars": list(columns)}}, separators=(",", ":")).encode("utf-8")
    # Replace '{"head":{"vars":[...]' keeping what follows ('},"results":...').
    return head[:-2] + body[end:]


def _rows(solutions: Iterable[ox.QuerySolution], limit: int) -> list[tuple[object, ...]]:
    return [tuple(None if term is None else from_ox(term) for term in solution)
            for solution in islice(solutions, limit)]


def _select_answer(solutions: ox.QuerySolutions, prepared: PreparedQuery, bounded: bool,
                   request: QueryRequest, row_limit: int) -> QueryAnswer:
    media_type = request.tabular_media_type
    if media_type is None:
        return QueryAnswer(is_graph=False, media_type=None, row_limit=row_limit)
    variables = tuple(v.value for v in solutions.variables)
    columns = prepared.order_columns(variables)
    native = _NATIVE_TABULAR.get(media_type)
    source: Iterable[ox.QuerySolution] = solutions
    if bounded and native is not None and (columns == variables or media_type == SPARQL_JSON):
        body = solutions.serialize(format=native)
        if not (_may_exceed(body, media_type, row_limit) and _count_rows(body, native) > row_limit):
            if columns != variables:
                body = _json_with_columns(body, columns)
            return QueryAnswer(False, media_type, body, False, row_limit)
        reread = ox.parse_query_results(body, format=native)
        assert isinstance(reread, ox.QuerySolutions)
        source = reread
    rows = _rows(source, row_limit + 1)
    result = SelectResult(variables, rows)  # type: ignore[arg-type]
    if columns != variables:
        position = [variables.index(name) for name in columns]
        result = SelectResult(columns, [tuple(row[i] for i in position) for row in rows])  # type: ignore[misc]
    return answer_from_result(result, request, row_limit)


def _used_prefixes(triples: list[ox.Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    iris: set[str] = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {name: ns for name, ns in prefixes.items() if any(iri.startswith(ns) for iri in iris)}


def _to_rdflib(triple: ox.Triple) -> Triple:
    subject, predicate, obj = from_ox(triple.subject), from_ox(triple.predicate), from_ox(triple.object)
    assert isinstance(subject, URIRef | BNode) and isinstance(predicate, URIRef)
    assert isinstance(obj, URIRef | BNode | Literal)
    return subject, predicate, obj


def _line_graph_answer(found: ox.QueryTriples, media_type: str, row_limit: int) -> QueryAnswer:
    """N-Triples and N-Quads: the engine writes the triples straight from its iterator (no list of
    Python triples kept), and the cap is counted in lines, one per triple (both formats escape line
    breaks inside terms)."""
    body = ox.serialize(islice(found, row_limit + 1), format=OX_FORMATS[rdf_format(media_type).name]) or b""
    if body.count(b"\n") <= row_limit:
        return QueryAnswer(True, media_type, body, False, row_limit)
    beyond = body.split(b"\n", row_limit)[-1]  # what follows the first row_limit lines
    kept = body[: len(body) - len(beyond)]
    return QueryAnswer(True, media_type, _note_graph(kept, media_type, row_limit), True, row_limit)


def _graph_answer(found: ox.QueryTriples, request: QueryRequest, row_limit: int) -> QueryAnswer:
    media_type = request.graph_media_type
    if media_type is None:
        return QueryAnswer(is_graph=True, media_type=None, row_limit=row_limit)
    if media_type in _LINE_GRAPH_FORMATS:
        return _line_graph_answer(found, media_type, row_limit)
    triples = list(islice(found, row_limit + 1))
    if media_type == RDF_XML:  # mdkg writes RDF/XML itself (see mdkg.results), and cuts it there
        return answer_from_result(GraphResult([_to_rdflib(t) for t in triples]), request, row_limit)
    truncated = len(triples) > row_limit
    triples = triples[:row_limit]
    options: dict[str, object] = {"format": OX_FORMATS[rdf_format(media_type).name]}
    if media_type in _PREFIXED_GRAPH_FORMATS and (used := _used_prefixes(triples, request.prefixes)):
        options["prefixes"] = used
    try:
        body = ox.serialize(triples, **options) or b""
    except (ValueError, SyntaxError) as error:
        raise NotAcceptable(f"this graph cannot be written as {media_type}: {error}") from error
    if truncated:
        body = _note_graph(body, media_type, row_limit)
    return QueryAnswer(True, media_type, body, truncated, row_limit)


@lru_cache(maxsize=64)
def _boolean_body(value: bool, media_type: str) -> bytes:
    """An ASK answer has two possible bodies per format: written once by mdkg.results, then reused."""
    return results.serialize_tabular(AskResult(value), media_type)


def _ask_answer(value: bool, request: QueryRequest, row_limit: int) -> QueryAnswer:
    media_type = request.tabular_media_type
    if media_type is None:
        return QueryAnswer(is_graph=False, media_type=None, row_limit=row_limit)
    return QueryAnswer(False, media_type, _boolean_body(value, media_type), False, row_limit)


def evaluate_oxigraph(store: ox.Store, request: QueryRequest, row_limit: int) -> QueryAnswer:
    """A pyoxigraph store, with the engine's own serializers where they write what mdkg writes."""
    text = request.text
    # Only a SELECT needs its tokens read (the LIMIT rewrite, the column order of SELECT *). A text
    # without the word anywhere is none, and holds no sub-SELECT: it goes to the engine as it is.
    prepared = prepare_query(text) if _SELECT_WORD.search(text) else None
    options = _dataset_options(request)
    limited = limited_select(text, row_limit + 1) if prepared and prepared.form == "SELECT" else None
    try:
        try:
            result = store.query(limited.text if limited else text, **options)
        except SyntaxError:
            if limited is None or not limited.rewritten:
                raise
            # The rewrite is only an optimisation; the user's own text decides (and names the error).
            limited = None
            result = store.query(text, **options)
        if isinstance(result, ox.QueryBoolean):
            return _ask_answer(bool(result), request, row_limit)
        if isinstance(result, ox.QuerySolutions):
            return _select_answer(result, prepared or prepare_query(text), limited is not None, request,
                                  row_limit)
        return _graph_answer(result, request, row_limit)
    except ENGINE_ERRORS as error:
        raise engine_failure(error, lambda: prepared or prepare_query(text)) from None
