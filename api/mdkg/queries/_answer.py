"""A named query answered as a document (SPARQL JSON, XML, CSV, TSV...), cut at the row cap.

On the embedded Oxigraph store the query is evaluated and written by the engine itself, as the
query workers answer ``/sparql`` (:mod:`mdkg.execution._evaluate`): no row becomes a Python object
for SPARQL JSON and TSV, CSV is written from the engine's terms (no rdflib term either), SPARQL
XML converts each repeated term once, and the engine stops one row past the cap. Any other store, and a
CONSTRUCT or DESCRIBE query, goes through the :class:`~mdkg.store.Store` contract and
:mod:`mdkg.results`. Both give the same answer (tested on every named query), with the same cap
and the same truncation marks.

The text to run is prepared once per query, cap and parameter values (the outer ``LIMIT`` added
to the named query's own text, the values bound as :func:`mdkg.store._sparql_text.prepare_query`
binds them), so a call costs the engine's work and little more.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from itertools import islice

import pyoxigraph as ox

from mdkg.execution import QueryAnswer, QueryRequest, serialize_capped
from mdkg.execution._evaluate import _select_answer as select_answer
from mdkg.execution._evaluate import answer_from_result
from mdkg.execution._limit import LimitedText, limited_select
from mdkg.queries._library import NamedQuery
from mdkg.results import CSV, SPARQL_XML, TSV, tabular_format
from mdkg.results import _csv_field as csv_field
from mdkg.store import AskResult, GraphResult, SelectResult, Store
from mdkg.store._protocol import Term
from mdkg.store._sparql_text import PreparedQuery, prepare_query
from mdkg.store._terms import from_ox, from_ox_rows
from mdkg.store.oxigraph import ENGINE_ERRORS, OxigraphStore, engine_failure

__all__ = ["answer_named_query"]


@lru_cache(maxsize=256)
def _limited(sparql: str, limit: int) -> LimitedText | None:
    return limited_select(sparql, limit)


@lru_cache(maxsize=1024)
def _prepared(sparql: str, bindings: tuple[tuple[str, Term], ...]) -> PreparedQuery:
    # Requests repeat their parameters (the defaults most of all): the text for the same values is
    # the same, so it is written once.
    return prepare_query(sparql, dict(bindings))


@lru_cache(maxsize=64)
def _tabular_format(media_type: str) -> str | None:
    return tabular_format(media_type)


def answer_named_query(store: Store, named_query: NamedQuery, raw_params: Mapping[str, str | list[str]],
                       media_type: str, row_limit: int, *,
                       prefixes: Mapping[str, str] | None = None) -> QueryAnswer:
    """Run ``named_query`` with ``raw_params`` and write its answer as ``media_type``, cut at ``row_limit``.

    ``prefixes`` abbreviate a graph answer in the formats that have them. A table asked of a graph
    query in CSV or TSV is its triples as three columns, subject, predicate and object.
    """
    bindings = named_query.bind(raw_params)
    tabular = _tabular_format(media_type)
    if isinstance(store, OxigraphStore) and named_query.form in ("SELECT", "ASK") and tabular is not None:
        request = QueryRequest("", tabular_media_type=tabular, graph_media_type=None)
        return _answer_natively(store.raw, named_query, bindings, request, row_limit)
    result = store.query(named_query.executable_sparql, bindings=bindings)
    if isinstance(result, GraphResult) and tabular in (CSV, TSV):
        # A graph as a three-column table is what a spreadsheet can open.
        result = SelectResult(("subject", "predicate", "object"), [tuple(t) for t in result.triples])
    return serialize_capped(result, media_type, row_limit, prefixes=prefixes)


def _answer_natively(raw: ox.Store, named_query: NamedQuery, bindings: Mapping[str, Term],
                     request: QueryRequest, row_limit: int) -> QueryAnswer:
    limited = _limited(named_query.executable_sparql, row_limit + 1)
    text = limited.text if limited else named_query.executable_sparql
    prepared = _prepared(text, tuple(sorted(bindings.items())))
    try:
        result = raw.query(prepared.text)
        if isinstance(result, ox.QueryBoolean):
            return answer_from_result(AskResult(bool(result)), request, row_limit)
        assert isinstance(result, ox.QuerySolutions)  # the form was checked when the file was read
        if request.tabular_media_type == CSV:
            return _csv_answer(result, prepared, row_limit)
        if request.tabular_media_type == SPARQL_XML:
            return _answer_from_terms(result, prepared, request, row_limit)
        return select_answer(result, prepared, limited is not None, request, row_limit)
    except ENGINE_ERRORS as error:
        failure = engine_failure(error, lambda: prepared)
    # Raised outside the handler, as OxigraphStore does, so that no traceback keeps pyoxigraph's
    # result iterator alive.
    raise failure


def _answer_from_terms(solutions: ox.QuerySolutions, prepared: PreparedQuery, request: QueryRequest,
                       row_limit: int) -> QueryAnswer:
    """Through rdflib terms and :mod:`mdkg.results` (SPARQL XML), each repeated term converted once."""
    variables = tuple(v.value for v in solutions.variables)
    columns = prepared.order_columns(variables)
    position = [variables.index(name) for name in columns]
    rows = from_ox_rows(islice(solutions, row_limit + 1))
    result = SelectResult(columns, [tuple(row[i] for i in position) for row in rows])
    return answer_from_result(result, request, row_limit)


def _csv_cell(term: object | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return csv_field(f"_:{term.value}")
    if isinstance(term, ox.NamedNode | ox.Literal):
        return csv_field(term.value)  # IRIs and literals: the bare string, as mdkg.results writes CSV
    from_ox(term)  # raises the contract's error for a term it cannot carry
    raise AssertionError(term)


def _csv_answer(solutions: ox.QuerySolutions, prepared: PreparedQuery, row_limit: int) -> QueryAnswer:
    """CSV written from the engine's terms: the text is their bare value, so no rdflib term is needed
    (Oxigraph's own CSV writer quotes differently from :mod:`mdkg.results`)."""
    variables = tuple(v.value for v in solutions.variables)
    columns = prepared.order_columns(variables)
    position = [variables.index(name) for name in columns]
    rows = list(islice(solutions, row_limit + 1))
    lines = [",".join(csv_field(name) for name in columns)]
    lines += [",".join([_csv_cell(row[i]) for i in position]) for row in rows[:row_limit]]
    body = "".join(line + "\r\n" for line in lines).encode("utf-8")
    return QueryAnswer(False, CSV, body, len(rows) > row_limit, row_limit)
