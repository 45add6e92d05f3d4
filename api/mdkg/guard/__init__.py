"""The query guard: what a SPARQL query or update must pass before any engine sees its text.

Every entry point that hands SPARQL text to a store calls :func:`inspect_query` (or, for a
protocol request, :func:`inspect_request`) first, whatever the backend (rdflib follows
``SERVICE``, ``LOAD`` and ``FROM <url>``, and reads ``file:`` URLs; Oxigraph follows ``SERVICE``
and ``LOAD``)::

    inspect_query(text, kind="query", held_graphs=store.graphs, settings=settings,
                  dataset=QueryDataset(default_graphs=[...]))   # the protocol's graph parameters

It refuses, in this order:

* text longer than ``settings.max_query_chars`` (413);
* ``\\u``/``\\U`` escapes outside string literals (400), which engines read differently;
* brackets nested deeper than ``settings.max_query_nesting`` (400), before any parser recurses
  into them (pyoxigraph's parser overflows the stack a few thousand levels deep);
* ``SERVICE`` and ``LOAD`` anywhere (403): mdkg reaches nothing outside;
* ``FROM``, ``FROM NAMED``, ``USING`` and ``USING NAMED`` naming a graph the store does not hold
  (403; a graph that cannot be resolved, 400). Graphs the store holds stay allowed.
* the protocol's ``default-graph-uri``, ``named-graph-uri``, ``using-graph-uri`` and
  ``using-named-graph-uri`` naming a graph the store does not hold (403), unless
  ``unheld_dataset_graphs="empty"``: a store that reads every graph from itself then sees an
  empty graph, as the W3C protocol tests expect (they name graphs that no test loads).
  :func:`inspect_request` chooses that for the embedded stores and refuses for the remote one,
  whose engine might fetch them.

RDF documents a client sends go through :func:`inspect_document` before a parser reads them: RDF/XML
with ``<!DOCTYPE`` or ``<!ENTITY`` and JSON-LD with a remote or ``file:`` context are refused (400).

Keywords are found on the tokens of :mod:`mdkg.store._sparql_text` (outside strings, IRIs and
comments, case-insensitively, not inside prefixed names such as ``ex:service``), in the text as
written and as engines read it once ``\\u`` escapes are expanded.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Literal

from mdkg.errors import BadRequest, Forbidden, PayloadTooLarge
from mdkg.guard._documents import inspect_document
from mdkg.guard._nesting import nesting_depth
from mdkg.guard._outbound import GraphReference, Words, dataset_graphs, refused_keywords
from mdkg.guard._readings import Reading, readings, refuse_escapes_outside_strings
from mdkg.settings import Settings
from mdkg.store import QueryDataset, Store
from mdkg.store._sparql_text import Token, tokens

__all__ = [
    "SELF_CONTAINED_STORES",
    "HeldGraphs",
    "OwnGraphs",
    "StoreNeeded",
    "inspect_document",
    "inspect_query",
    "inspect_request",
]

Kind = Literal["query", "update"]
HeldGraphs = Container[str] | Callable[[], Container[str]]
"""The graphs the store holds, or a function returning them (called only when a graph is named)."""

SELF_CONTAINED_STORES = ("oxigraph", "rdflib")
"""Backends that build a query's dataset from their own graphs only (see mdkg.store): a graph they do
not hold is empty there, never fetched."""

_REFUSALS = {
    "SERVICE": "SERVICE (federated query) is disabled: mdkg reaches nothing outside",
    "LOAD": "LOAD is disabled: mdkg reaches nothing outside (send the data in the request instead)",
}
_PROTOCOL_PARAMETERS = {
    "query": ("default-graph-uri", "named-graph-uri"),
    "update": ("using-graph-uri", "using-named-graph-uri"),
}


@dataclass(frozen=True)
class OwnGraphs:
    """The graphs mdkg's own dataset may hold (all under ``<base>graph/``), for checking text when
    no store is at hand, such as named queries when they are read."""

    base_iri: str

    def __contains__(self, iri: object) -> bool:
        base = self.base_iri if self.base_iri.endswith("/") else self.base_iri + "/"
        return isinstance(iri, str) and iri.startswith(base + "graph/") and "/.." not in iri


class StoreNeeded(Exception):
    """Raised by :func:`inspect_request` with ``ask_store=False`` when the text passed every check of
    its own but names a graph, which only the store can tell it holds."""


def _store_not_asked() -> Container[str]:
    raise StoreNeeded


def inspect_request(text: str, *, kind: Kind, store: Store, settings: Settings,
                    dataset: QueryDataset | None = None, ask_store: bool = True) -> None:
    """:func:`inspect_query` for a protocol request to run on ``store``.

    ``ask_store=False`` inspects the text without calling the store (the event loop may not wait on a
    remote one): a text that names a graph then raises :class:`StoreNeeded`, and the caller inspects
    it again where the store may be asked."""
    unheld: Literal["refuse", "empty"] = "empty" if store.name in SELF_CONTAINED_STORES else "refuse"
    if not ask_store and dataset is not None and unheld == "refuse":
        raise StoreNeeded  # the protocol's graphs themselves are checked against the store
    inspect_query(text, kind=kind, held_graphs=store.graphs if ask_store else _store_not_asked,
                  settings=settings, dataset=dataset, unheld_dataset_graphs=unheld)


def inspect_query(text: str, *, kind: Kind, held_graphs: HeldGraphs, settings: Settings,
                  dataset: QueryDataset | None = None,
                  unheld_dataset_graphs: Literal["refuse", "empty"] = "refuse") -> None:
    """Raise an :mod:`mdkg.errors` error if ``text`` (with the protocol's ``dataset``) may not run."""
    if len(text) > settings.max_query_chars:
        raise PayloadTooLarge(
            f"the {kind} is {len(text)} characters long, over the limit of {settings.max_query_chars}",
            detail={"characters": len(text), "limit": settings.max_query_chars},
        )
    views = [(reading, list(tokens(reading.text))) for reading in readings(text)]
    refuse_escapes_outside_strings(text, views[0][1], kind)
    for reading, stream in views:
        _check_nesting(reading, stream, kind, settings.max_query_nesting)
    references: list[tuple[GraphReference, Reading]] = []
    for reading, stream in views:
        words = Words(reading.text, stream)
        for outbound in refused_keywords(words):
            raise Forbidden(_REFUSALS[outbound.keyword], detail=_where(reading, outbound.offset))
        references += [(reference, reading) for reference in dataset_graphs(words)]
    parameters = _protocol_graphs(kind, dataset) if unheld_dataset_graphs == "refuse" else []
    _check_graphs(references, parameters, held_graphs)


def _where(reading: Reading, offset: int) -> dict[str, object]:
    line, column = reading.position(offset)
    detail: dict[str, object] = {"line": line, "column": column}
    if reading.text != reading.original:
        detail["reading"] = reading.name
    return detail


def _check_nesting(reading: Reading, stream: list[Token], kind: Kind, limit: int) -> None:
    depth = nesting_depth(reading.text, stream, limit)
    if depth.first_over_limit is None:
        return
    detail = {"depth": depth.deepest, "limit": limit, **_where(reading, depth.first_over_limit)}
    raise BadRequest(f"{kind} nesting too deep ({depth.deepest} levels, limit {limit}): "
                     f"brackets, braces and << >> may nest {limit} levels deep", detail=detail)


def _protocol_graphs(kind: Kind, dataset: QueryDataset | None) -> list[tuple[str, str]]:
    if dataset is None:
        return []
    default_name, named_name = _PROTOCOL_PARAMETERS[kind]
    return ([(default_name, iri) for iri in dataset.default_graphs]
            + [(named_name, iri) for iri in dataset.named_graphs])


def _check_graphs(references: list[tuple[GraphReference, Reading]], parameters: list[tuple[str, str]],
                  held_graphs: HeldGraphs) -> None:
    for reference, reading in references:
        if reference.iri is None:
            raise BadRequest(
                f"{reference.clause} {reference.written} cannot be resolved (is its prefix declared?)",
                detail={"clause": reference.clause, "graph": reference.written,
                        **_where(reading, reference.offset)},
            )
    if not references and not parameters:
        return  # the store is asked only when a graph is named
    held = held_graphs() if callable(held_graphs) else held_graphs
    for reference, reading in references:
        if reference.iri not in held:
            raise Forbidden(
                f"{reference.clause} <{reference.iri}> names a graph this store does not hold: "
                "mdkg reaches nothing outside",
                detail={"clause": reference.clause, "graph": reference.iri,
                        **_where(reading, reference.offset)},
            )
    for parameter, iri in parameters:
        if iri not in held:
            raise Forbidden(
                f"{parameter} <{iri}> names a graph this store does not hold: mdkg reaches nothing outside",
                detail={"parameter": parameter, "graph": iri},
            )
