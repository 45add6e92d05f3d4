"""rdflib in memory: a pure-Python backend (an ``rdflib.Dataset`` whose default graph is its own).

rdflib's query processor is steered so that it answers like the other backends: queries are
translated without rdflib's pre-bound prefixes, the dataset of a query (``FROM``/``FROM NAMED``
or the protocol's graphs) is assembled here from graphs the store holds (rdflib would fetch
unknown ones from the web), and ``LOAD`` is refused for the same reason.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox
from pyparsing import ParseBaseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.sparql import update as rdflib_update
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.sparql import Query, QueryContext
from rdflib.query import Result

from mdkg.errors import BadRequest, MdkgError, StoreUnavailable
from mdkg.store._base import BaseStore
from mdkg.store._protocol import (
    AskResult,
    GraphResult,
    QueryDataset,
    QueryResult,
    SelectResult,
    Term,
)
from mdkg.store._sparql_text import (
    PreparedQuery,
    line_column,
    syntax_error,
    undeclared_prefixes,
)
from mdkg.store._terms import (
    canonical_quads,
    canonical_terms,
    from_ox,
    from_ox_graph,
    literal,
    to_ox,
)

_UPDATE_OPERATIONS = {
    "Clear": rdflib_update.evalClear,
    "Drop": rdflib_update.evalDrop,
    "Create": rdflib_update.evalCreate,
    "Add": rdflib_update.evalAdd,
    "Move": rdflib_update.evalMove,
    "Copy": rdflib_update.evalCopy,
    "InsertData": rdflib_update.evalInsertData,
    "DeleteData": rdflib_update.evalDeleteData,
    "DeleteWhere": rdflib_update.evalDeleteWhere,
    "Modify": rdflib_update.evalModify,
}


def _default_graph(dataset: Dataset) -> Graph:
    """The dataset's default graph (``default_graph`` in recent rdflib, ``default_context`` before)."""
    graph = getattr(dataset, "default_graph", None)
    return graph if isinstance(graph, Graph) else dataset.default_context


def _contract_term(term: object) -> Term | None:
    """rdflib's own terms as the contract hands them out (simple literals without ``xsd:string``)."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return literal(str(term), language=term.language,
                       datatype=None if term.datatype is None else str(term.datatype))
    if isinstance(term, URIRef | BNode):
        return term
    raise MdkgError(f"rdflib returned a term mdkg does not support: {term!r}")


def _check_prefixes(text: str, *, kind: str, prepared: PreparedQuery | None = None) -> None:
    for prefix, offset in undeclared_prefixes(text)[:1]:
        line, column = line_column(text, offset)
        reason = f"the prefix {prefix!r} is not declared (add PREFIX {prefix}: <...>)"
        if prepared is not None:
            raise prepared.syntax_error(reason, line, column)
        raise syntax_error(reason, line, column, kind=kind)


class RdflibStore(BaseStore):
    """An in-memory ``rdflib.Dataset``; ``default_union`` is off, as in the other backends."""

    name = "rdflib"

    def __init__(self) -> None:
        self._dataset: Dataset | None = Dataset(default_union=False)
        # rdflib's memory store is not safe for a write concurrent with reads.
        self._lock = threading.RLock()

    @contextmanager
    def _open(self) -> Iterator[Dataset]:
        with self._lock:
            if self._dataset is None:
                raise StoreUnavailable("the rdflib store is closed")
            yield self._dataset

    def _graph(self, dataset: Dataset, iri: str) -> Graph:
        """A view of one named graph that does not create it in the dataset."""
        return Graph(store=dataset.store, identifier=URIRef(iri))

    # -- queries -------------------------------------------------------------------------------

    def _parse(self, prepared: PreparedQuery) -> Query:
        _check_prefixes(prepared.text, kind="query", prepared=prepared)
        try:
            return translateQuery(parseQuery(prepared.text), base=None, initNs={})
        except ParseBaseException as error:
            raise prepared.syntax_error(error.msg, error.lineno, error.col) from error
        except Exception as error:  # rdflib reports some syntax errors (e.g. a bad IRI) bare
            raise prepared.syntax_error(str(error)) from error

    def _evaluate(self, prepared: PreparedQuery, dataset: QueryDataset | None) -> QueryResult:
        query = self._parse(prepared)
        clauses = query.algebra.get("datasetClause") or []
        if dataset is None and clauses:
            dataset = QueryDataset(
                default_graphs=[str(c["default"]) for c in clauses if "default" in c],
                named_graphs=[str(c["named"]) for c in clauses if "named" in c],
            )
        query.algebra["datasetClause"] = None
        with self._open() as store:
            target = store if dataset is None else self._view(store, dataset)
            try:
                return self._convert(target.query(query))
            except MdkgError:
                raise
            except Exception as error:
                raise MdkgError(f"rdflib could not evaluate the query: {error}") from error

    def _view(self, store: Dataset, dataset: QueryDataset) -> Dataset:
        """A dataset of copies: the listed default graphs merged, the listed named graphs."""
        view = Dataset(default_union=False)
        for iri in dataset.default_graphs:
            default = _default_graph(view)
            default.addN((s, p, o, default) for s, p, o in self._graph(store, iri))
        for iri in dataset.named_graphs:
            source = self._graph(store, iri)
            if len(source):
                named = view.graph(URIRef(iri))
                named.addN((s, p, o, named) for s, p, o in source)
        return view

    def _convert(self, result: Result) -> QueryResult:
        if result.type == "ASK":
            return AskResult(bool(result.askAnswer))
        if result.type == "SELECT":
            variables = tuple(result.vars or ())
            width = len(variables)
            cells = canonical_terms([
                _contract_term(solution.get(variable))
                for solution in result.bindings
                for variable in variables
            ])
            rows = [tuple(cells[i : i + width]) for i in range(0, len(cells), width)] if width else [
                () for _ in result.bindings]
            return SelectResult(tuple(str(v) for v in variables), rows)
        graph = list(result.graph) if result.graph is not None else []
        objects = canonical_terms([_contract_term(o) for _, _, o in graph])
        return GraphResult([
            (_contract_term(s), _contract_term(p), o)  # type: ignore[misc]
            for (s, p, _), o in zip(graph, objects, strict=True)
        ])

    def update(self, sparql: str) -> None:
        _check_prefixes(sparql, kind="update")
        try:
            parsed = translateUpdate(parseUpdate(sparql), base=None, initNs={})
        except ParseBaseException as error:
            raise syntax_error(error.msg, error.lineno, error.col, kind="update") from error
        except Exception as error:
            raise syntax_error(str(error), kind="update") from error
        if any(operation.name == "Load" for operation in parsed.algebra):
            raise BadRequest("LOAD is not supported by the rdflib store (it would fetch from the web)")
        if any(operation.using for operation in parsed.algebra):
            # rdflib fetches USING graphs from the web rather than reading them from the store.
            raise BadRequest("USING / USING NAMED is not supported by the rdflib store; use GRAPH")
        unknown = [op.name for op in parsed.algebra if op.name not in _UPDATE_OPERATIONS]
        if unknown:
            raise BadRequest(f"the rdflib store cannot run {unknown[0]}")
        with self._open() as store:
            for operation in parsed.algebra:
                context = QueryContext(store, initBindings={})  # None breaks BIND in rdflib
                # rdflib's own loop (evalUpdate) makes the whole Dataset the target of INSERT DATA
                # while SPARQL_DEFAULT_GRAPH_UNION is on, and then fails to add triples to it.
                context.graph = _default_graph(store)
                context.prologue = operation.prologue
                try:
                    _UPDATE_OPERATIONS[operation.name](context, operation)
                except Exception as error:
                    if not operation.silent:
                        raise BadRequest(f"the update could not be applied: {error}") from error

    # -- data ----------------------------------------------------------------------------------

    def _insert(self, quads: list[ox.Quad]) -> None:
        with self._open() as store:
            contexts: dict[object, Graph] = {}

            def context(name: object) -> Graph:
                identifier = from_ox_graph(name)
                if identifier is None:
                    return _default_graph(store)
                if identifier not in contexts:
                    contexts[identifier] = store.graph(identifier)
                return contexts[identifier]

            store.addN(
                (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), context(q.graph_name))
                for q in quads
            )

    def _graph_quads(self, graph: str | None) -> Iterable[ox.Quad]:
        with self._open() as store:
            source = _default_graph(store) if graph is None else self._graph(store, graph)
            name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
            return canonical_quads([ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in source])

    def _dataset_quads(self) -> Iterable[ox.Quad]:
        with self._open() as store:
            return canonical_quads([
                ox.Quad(to_ox(s), to_ox(p), to_ox(o),
                        ox.DefaultGraph() if g is None or g == DATASET_DEFAULT_GRAPH_ID else to_ox(g))
                for s, p, o, g in store.quads((None, None, None, None))
            ])

    def graphs(self) -> list[str]:
        with self._open() as store:
            return sorted(
                str(g.identifier)
                for g in store.graphs()
                if isinstance(g.identifier, URIRef) and g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)
            )

    def _count(self, graph: str | None) -> int:
        with self._open() as store:
            if graph is None:
                return sum(len(g) for g in store.graphs())
            return len(self._graph(store, graph))

    def _clear(self, graph: str | None) -> None:
        with self._lock:
            if self._dataset is None:
                raise StoreUnavailable("the rdflib store is closed")
            if graph is None:
                self._dataset = Dataset(default_union=False)
            else:
                self._dataset.remove_graph(URIRef(graph))

    def close(self) -> None:
        with self._lock:
            self._dataset = None
