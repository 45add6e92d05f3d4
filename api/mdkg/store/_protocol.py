"""The store contract: the one small interface every backend implements.

Terms crossing the contract are rdflib terms (``URIRef``, ``BNode``, ``Literal``), the lingua
franca of Python RDF tooling, so notebooks and tests never see a backend's own term types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rdflib import BNode, Literal, URIRef

Term = URIRef | BNode | Literal
Triple = tuple[Term, Term, Term]
Quad = tuple[Term, Term, Term, URIRef | BNode | None]


@dataclass(frozen=True)
class SelectResult:
    """Solutions of a SELECT query: variable names and rows aligned with them (``None`` = unbound)."""

    variables: tuple[str, ...]
    rows: list[tuple[Term | None, ...]]

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, Term]]:
        """Rows as ``{variable: term}`` dictionaries, unbound variables left out."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]


@dataclass(frozen=True)
class AskResult:
    value: bool

    def __bool__(self) -> bool:
        return self.value


@dataclass(frozen=True)
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query."""

    triples: list[Triple] = field(default_factory=list)

    def __iter__(self) -> Iterator[Triple]:
        return iter(self.triples)

    def __len__(self) -> int:
        return len(self.triples)


QueryResult = SelectResult | AskResult | GraphResult


@dataclass(frozen=True)
class QueryDataset:
    """An RDF dataset given with the protocol's ``default-graph-uri`` / ``named-graph-uri``."""

    default_graphs: Sequence[str] = ()
    named_graphs: Sequence[str] = ()


@runtime_checkable
class Store(Protocol):
    """What mdkg needs from a triple store.

    * ``query`` runs any SPARQL 1.1 query form; ``select``/``ask``/``construct`` check the form.
    * ``bindings`` substitute variables by RDF terms before evaluation (SEP-0007 semantics),
      so named-query parameters never pass through query text.
    * ``load``/``export`` move RDF documents in and out, by media type; ``graph=None`` is the
      default graph for triples formats (quads formats carry their own graph names).
    * Errors are :mod:`mdkg.errors` instances (``QuerySyntaxError``, ``RdfSyntaxError``,
      ``StoreUnavailable``), never a backend's own exception types.
    """

    name: str

    def query(
        self,
        sparql: str,
        *,
        bindings: Mapping[str, Term] | None = None,
        dataset: QueryDataset | None = None,
    ) -> QueryResult: ...

    def select(
        self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
        dataset: QueryDataset | None = None,
    ) -> SelectResult: ...

    def ask(
        self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
        dataset: QueryDataset | None = None,
    ) -> bool: ...

    def construct(
        self, sparql: str, *, bindings: Mapping[str, Term] | None = None,
        dataset: QueryDataset | None = None,
    ) -> GraphResult: ...

    def update(self, sparql: str) -> None: ...

    def load(self, data: bytes | str, *, media_type: str, graph: str | None = None) -> None: ...

    def export(self, *, media_type: str, graph: str | None = None) -> bytes: ...

    def graphs(self) -> list[str]:
        """IRIs of the named graphs the store holds."""
        ...

    def quad_count(self, graph: str | None = None) -> int:
        """Quads in the whole store, or in one named graph."""
        ...

    def clear(self, graph: str | None = None) -> None:
        """Remove everything, or one named graph."""
        ...

    def close(self) -> None: ...
