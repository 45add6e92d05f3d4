"""A write tried first on a copy of the whole dataset, which is small, to see what it would change.

The copy is an in-memory pyoxigraph store holding every quad of the store, blank node identifiers
kept, so that the quads the write adds and removes compare with the store's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from mdkg.errors import BadRequest, MdkgError, QuerySyntaxError
from mdkg.store import Store
from mdkg.store._sparql_text import split_position
from mdkg.store.oxigraph import OxigraphStore

__all__ = ["Delta", "Staging"]


@dataclass(frozen=True)
class Delta:
    added: frozenset[ox.Quad]
    removed: frozenset[ox.Quad]

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def blank_nodes_of(self, quads: frozenset[ox.Quad]) -> set[ox.BlankNode]:
        return {term for quad in quads for term in (quad.subject, quad.object)
                if isinstance(term, ox.BlankNode)}


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


def _syntax_error(message: str, position: Callable[[int, int], tuple[int, int]] | None) -> QuerySyntaxError:
    reason, line, column = split_position(message)
    if line is None or column is None:
        return QuerySyntaxError(f"SPARQL update syntax error: {reason}", detail={"message": reason})
    if position is not None:
        line, column = position(line, column)
    return QuerySyntaxError(f"SPARQL update syntax error at line {line}, column {column}: {reason}",
                            detail={"message": reason, "line": line, "column": column})
