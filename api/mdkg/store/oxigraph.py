"""Embedded Oxigraph (pyoxigraph): the default backend, in memory or on disk."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from mdkg.errors import QuerySyntaxError, RdfSyntaxError, StoreUnavailable
from mdkg.formats import rdf_format
from mdkg.store._protocol import (
    AskResult,
    GraphResult,
    QueryDataset,
    QueryResult,
    SelectResult,
    Term,
)

_OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}


def to_ox(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def from_ox(term: object) -> Term:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term from Oxigraph: {term!r}")


def _graph_name(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


class OxigraphStore:
    """A pyoxigraph ``Store``; ``path=None`` keeps it in memory."""

    name = "oxigraph"

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as error:
            raise StoreUnavailable(f"cannot open the Oxigraph store at {path}: {error}") from error
        self.path = path

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store, for code that needs engine-native speed."""
        return self._store

    def _run(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None,
        dataset: QueryDataset | None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        options: dict[str, object] = {}
        if bindings:
            options["substitutions"] = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        if dataset is not None:
            if dataset.default_graphs:
                options["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
            if dataset.named_graphs:
                options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
            elif dataset.default_graphs:
                options["named_graphs"] = []
        try:
            return self._store.query(sparql, **options)
        except SyntaxError as error:
            raise QuerySyntaxError(f"SPARQL syntax error: {error}") from error
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not read the store: {error}") from error

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        dataset: QueryDataset | None = None,
    ) -> QueryResult:
        result = self._run(sparql, bindings, dataset)
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        if isinstance(result, ox.QuerySolutions):
            variables = tuple(v.value for v in result.variables)
            rows = [
                tuple(None if term is None else from_ox(term) for term in solution)
                for solution in result
            ]
            return SelectResult(variables, rows)
        return GraphResult([(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
                            for t in result])

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
               dataset: QueryDataset | None = None) -> SelectResult:
        result = self.query(sparql, bindings=bindings, dataset=dataset)
        if not isinstance(result, SelectResult):
            raise QuerySyntaxError("expected a SELECT query")
        return result

    def ask(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
            dataset: QueryDataset | None = None) -> bool:
        result = self.query(sparql, bindings=bindings, dataset=dataset)
        if not isinstance(result, AskResult):
            raise QuerySyntaxError("expected an ASK query")
        return result.value

    def construct(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
                  dataset: QueryDataset | None = None) -> GraphResult:
        result = self.query(sparql, bindings=bindings, dataset=dataset)
        if not isinstance(result, GraphResult):
            raise QuerySyntaxError("expected a CONSTRUCT or DESCRIBE query")
        return result

    def update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as error:
            raise QuerySyntaxError(f"SPARQL update syntax error: {error}") from error
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not write the store: {error}") from error

    def load(self, data: bytes | str, *, media_type: str, graph: str | None = None) -> None:
        fmt = rdf_format(media_type)
        options: dict[str, object] = {"format": _OX_FORMATS[fmt.name]}
        if graph is not None and not fmt.quads:
            options["to_graph"] = ox.NamedNode(graph)
        try:
            self._store.load(data, **options)
        except SyntaxError as error:
            raise RdfSyntaxError(f"{fmt.name} syntax error: {error}") from error

    def export(self, *, media_type: str, graph: str | None = None) -> bytes:
        fmt = rdf_format(media_type)
        options: dict[str, object] = {"format": _OX_FORMATS[fmt.name]}
        if not fmt.quads:
            options["from_graph"] = _graph_name(graph)
        elif graph is not None:
            options["from_graph"] = ox.NamedNode(graph)
        return self._store.dump(**options)

    def graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def quad_count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def clear(self, graph: str | None = None) -> None:
        if graph is None:
            self._store.clear()
        else:
            self._store.clear_graph(ox.NamedNode(graph))

    def close(self) -> None:
        self._store.flush() if self.path is not None else None
