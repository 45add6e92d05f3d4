"""A write tried before it is committed, to see what it would change and judge the result.

:class:`Staging` runs a client's SPARQL update on a copy of the whole dataset (an in-memory
pyoxigraph store holding every quad, blank node identifiers kept, so that the quads the write adds
and removes compare with the store's own): only running it tells what an update does.

:class:`DataStaging` serves the writes mdkg words itself (a graph dropped, quads inserted: Graph
Store Protocol, ``/sources``) on an Oxigraph store: what they change is known from the quads, and
the dataset after them is an :class:`OverlayStore` over the store, so nothing is copied (at a
million quads the copy took longer than everything else in a write).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from mdkg.errors import BadRequest, MdkgError, QuerySyntaxError
from mdkg.store import Store
from mdkg.store._sparql_text import split_position
from mdkg.store.oxigraph import OxigraphStore

__all__ = ["DataStaging", "Delta", "OverlayStore", "Staging"]


@dataclass(frozen=True)
class Delta:
    added: frozenset[ox.Quad]
    removed: frozenset[ox.Quad]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def blank_nodes_of(self, quads: frozenset[ox.Quad]) -> set[ox.BlankNode]:
        return _blank_nodes(quads)


def _blank_nodes(quads: Iterable[ox.Quad]) -> set[ox.BlankNode]:
    return {term for quad in quads for term in (quad.subject, quad.object) if isinstance(term, ox.BlankNode)}


class Staging:
    """The dataset as it is now (``before``), and a copy to write to (``store``)."""

    def __init__(self, store: Store) -> None:
        self.store = ox.Store()
        if isinstance(store, OxigraphStore):
            quads = list(store.raw.quads_for_pattern(None, None, None, None))
            empty_graphs = list(store.raw.named_graphs())
        else:
            # Labels as the backend writes them, not renamed: the copy's blank nodes are the store's.
            quads = list(ox.parse(store.export(media_type="application/n-quads"),
                                  format=ox.RdfFormat.N_QUADS))
            empty_graphs = []
        self.store.extend(quads)
        for graph in empty_graphs:
            self.store.add_graph(graph)
        self.before = frozenset(quads)

    def apply(self, update: str, *, position: Callable[[int, int], tuple[int, int]] | None = None) -> None:
        """Run ``update`` on the copy; a syntax error is reported at ``position(line, column)``."""
        try:
            self.store.update(update)
        except SyntaxError as error:
            raise _syntax_error(str(error), position) from None
        except OSError as error:
            # Nothing outside is reachable (the guard refused LOAD and SERVICE): a failed read is a bug.
            raise MdkgError(f"the update could not be tried: {error}") from None
        except (RuntimeError, ValueError) as error:
            raise BadRequest(f"the update could not be applied: {error}",
                             detail={"message": str(error)}) from None

    def delta(self) -> Delta:
        after = frozenset(self.store.quads_for_pattern(None, None, None, None))
        return Delta(added=after - self.before, removed=self.before - after)

    def graph_exists(self, graph: str) -> bool:
        node = ox.NamedNode(graph)
        return next(iter(self.store.quads_for_pattern(None, None, None, node)), None) is not None

    def shares_blank_nodes(self, nodes: set[ox.BlankNode]) -> bool:
        """Whether any of ``nodes`` is in the dataset as it was before the write."""
        return bool(nodes & _blank_nodes(self.before))


class OverlayStore:
    """A pyoxigraph store as a write would leave it: its quads without ``removed``, with ``added``.

    Read-only, and only through ``quads_for_pattern``: all that validating a write needs.
    """

    def __init__(self, base: ox.Store, added: Iterable[ox.Quad], removed: frozenset[ox.Quad]) -> None:
        self._base = base
        self._removed = removed
        self._added = ox.Store()
        self._added.extend(added)

    def quads_for_pattern(self, subject: object, predicate: object, obj: object,
                          graph_name: object = None) -> Iterator[ox.Quad]:
        for quad in self._base.quads_for_pattern(subject, predicate, obj, graph_name):  # type: ignore[arg-type]
            if quad not in self._removed:
                yield quad
        yield from self._added.quads_for_pattern(subject, predicate, obj, graph_name)  # type: ignore[arg-type]


class DataStaging:
    """Graphs dropped, then quads inserted (``DROP`` + ``INSERT DATA``), judged without a copy.

    As ``INSERT DATA`` does, the inserted quads' blank nodes are new nodes (fresh identifiers).
    """

    def __init__(self, store: OxigraphStore, drops: Iterable[ox.NamedNode | ox.DefaultGraph],
                 inserts: Iterable[ox.Quad]) -> None:
        raw = store.raw
        dropped = frozenset(q for graph in drops for q in raw.quads_for_pattern(None, None, None, graph))
        fresh: dict[str, ox.BlankNode] = {}

        def new_node(term: object) -> object:
            return fresh.setdefault(term.value, ox.BlankNode()) if isinstance(term, ox.BlankNode) else term

        inserted = {ox.Quad(new_node(q.subject), q.predicate, new_node(q.object), q.graph_name)  # type: ignore[arg-type]
                    for q in inserts}
        removed = dropped - inserted
        added = frozenset(q for q in inserted if q not in raw)  # a quad dropped and inserted stays
        self._delta = Delta(added=added, removed=removed)
        self.store = OverlayStore(raw, added, removed)

    def delta(self) -> Delta:
        return self._delta

    def shares_blank_nodes(self, nodes: set[ox.BlankNode]) -> bool:
        return False  # the inserted blank nodes are fresh, and nothing else is added


def _syntax_error(message: str, position: Callable[[int, int], tuple[int, int]] | None) -> QuerySyntaxError:
    reason, line, column = split_position(message)
    if line is None or column is None:
        return QuerySyntaxError(f"SPARQL update syntax error: {reason}", detail={"message": reason})
    if position is not None:
        line, column = position(line, column)
    return QuerySyntaxError(f"SPARQL update syntax error at line {line}, column {column}: {reason}",
                            detail={"message": reason, "line": line, "column": column})
