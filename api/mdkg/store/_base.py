"""What the three backends share: argument checks, bindings, query-form checks, load and export.

A backend only supplies the engine-specific primitives (evaluate prepared query text, run an
update, add quads, list quads, count, clear), so everything a caller can observe beyond the
engine's own evaluation is decided here, once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import TypeVar

import pyoxigraph as ox

from mdkg.errors import QuerySyntaxError
from mdkg.formats import rdf_format
from mdkg.store._protocol import (
    AskResult,
    GraphResult,
    QueryDataset,
    QueryResult,
    SelectResult,
    Term,
)
from mdkg.store._rdf_io import parse_rdf, serialize_rdf
from mdkg.store._sparql_text import PreparedQuery, prepare_query
from mdkg.store._terms import check_iri

ResultT = TypeVar("ResultT", SelectResult, AskResult, GraphResult)


def effective_dataset(dataset: QueryDataset | None) -> QueryDataset | None:
    """``None`` when the request names no graph, as the protocol treats an empty dataset."""
    if dataset is None or not (dataset.default_graphs or dataset.named_graphs):
        return None
    for iri in (*dataset.default_graphs, *dataset.named_graphs):
        check_iri(iri)
    return QueryDataset(tuple(dataset.default_graphs), tuple(dataset.named_graphs))


def _ordered(result: QueryResult, prepared: PreparedQuery) -> QueryResult:
    if not isinstance(result, SelectResult) or prepared.star_order is None:
        return result
    columns = prepared.order_columns(result.variables)
    if columns == result.variables:
        return result
    position = [result.variables.index(name) for name in columns]
    return SelectResult(columns, [tuple(row[i] for i in position) for row in result.rows])


class BaseStore(ABC):
    name: str

    # -- queries -------------------------------------------------------------------------------

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        dataset: QueryDataset | None = None,
    ) -> QueryResult:
        prepared = prepare_query(sparql, bindings)
        return _ordered(self._evaluate(prepared, effective_dataset(dataset)), prepared)

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
               dataset: QueryDataset | None = None) -> SelectResult:
        return self._expect(sparql, bindings, dataset, ("SELECT",), SelectResult)

    def ask(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
            dataset: QueryDataset | None = None) -> bool:
        return self._expect(sparql, bindings, dataset, ("ASK",), AskResult).value

    def construct(self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
                  dataset: QueryDataset | None = None) -> GraphResult:
        return self._expect(sparql, bindings, dataset, ("CONSTRUCT", "DESCRIBE"), GraphResult)

    def _expect(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None,
        dataset: QueryDataset | None,
        forms: tuple[str, ...],
        result_type: type[ResultT],
    ) -> ResultT:
        prepared = prepare_query(sparql, bindings)
        wanted = " or ".join(forms)
        # Checked before evaluation so that a mistaken call costs nothing.
        if prepared.form is not None and prepared.form not in forms:
            raise QuerySyntaxError(
                f"expected a {wanted} query, got {prepared.form}",
                detail={"expected": list(forms), "got": prepared.form},
            )
        result = _ordered(self._evaluate(prepared, effective_dataset(dataset)), prepared)
        if not isinstance(result, result_type):
            raise QuerySyntaxError(f"expected a {wanted} query", detail={"expected": list(forms)})
        return result

    # -- documents -----------------------------------------------------------------------------

    def load(self, data: bytes | str, *, media_type: str, graph: str | None = None) -> None:
        fmt = rdf_format(media_type)
        if graph is not None:
            check_iri(graph)
        self._insert(parse_rdf(data, fmt, graph))

    def export(self, *, media_type: str, graph: str | None = None) -> bytes:
        """A triples format gets one graph (default: the default graph); a quads format gets the
        whole dataset, or one named graph with its name kept."""
        fmt = rdf_format(media_type)
        if graph is not None:
            check_iri(graph)
        quads = self._dataset_quads() if fmt.quads and graph is None else self._graph_quads(graph)
        return serialize_rdf(quads, fmt)

    def quad_count(self, graph: str | None = None) -> int:
        """Quads in the whole store, or in one named graph."""
        return self._count(None if graph is None else check_iri(graph))

    def clear(self, graph: str | None = None) -> None:
        """Remove everything, or one named graph (it no longer appears in :meth:`graphs`)."""
        self._clear(None if graph is None else check_iri(graph))

    # -- what each backend supplies ------------------------------------------------------------

    @abstractmethod
    def _evaluate(self, prepared: PreparedQuery, dataset: QueryDataset | None) -> QueryResult:
        """Run the prepared query text, over ``dataset`` when one is given."""

    @abstractmethod
    def _insert(self, quads: list[ox.Quad]) -> None:
        """Add quads, all or none."""

    @abstractmethod
    def _graph_quads(self, graph: str | None) -> Iterable[ox.Quad]:
        """Quads of one graph (``None``: the default graph)."""

    @abstractmethod
    def _dataset_quads(self) -> Iterable[ox.Quad]:
        """Every quad of the store."""

    @abstractmethod
    def update(self, sparql: str) -> None: ...

    @abstractmethod
    def graphs(self) -> list[str]:
        """IRIs of the named graphs holding at least one quad, sorted."""

    @abstractmethod
    def _count(self, graph: str | None) -> int:
        """Quads in the store (``None``) or in one named graph."""

    @abstractmethod
    def _clear(self, graph: str | None) -> None:
        """Remove everything (``None``) or one named graph."""

    @abstractmethod
    def close(self) -> None: ...
