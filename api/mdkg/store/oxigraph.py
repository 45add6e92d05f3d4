"""Embedded Oxigraph (pyoxigraph): the default backend, in memory or on disk."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from mdkg.errors import BadRequest, Forbidden, MdkgError, RdfSyntaxError, StoreUnavailable
from mdkg.formats import rdf_format
from mdkg.store._base import BaseStore
from mdkg.store._protocol import (
    AskResult,
    GraphResult,
    QueryDataset,
    QueryResult,
    SelectResult,
)
from mdkg.store._rdf_io import OX_FORMATS, rdf_syntax_error
from mdkg.store._sparql_text import PreparedQuery, syntax_error
from mdkg.store._terms import check_iri, from_ox, from_ox_rows, to_ox

__all__ = ["DATASET_STAMP_FILE", "OxigraphStore", "from_ox", "to_ox"]

DATASET_STAMP_FILE = "mdkg-dataset-stamp"
"""In an on-disk store's folder: what :func:`mdkg.dataset.load_dataset` last loaded, removed by any
other write (RocksDB ignores files it did not make, and its backups do not copy them)."""


ENGINE_ERRORS = (MdkgError, SyntaxError, OSError, RuntimeError, ValueError)
"""What evaluating a query on pyoxigraph may raise, :func:`engine_failure` turning each into mdkg's error."""


def engine_failure(error: BaseException, prepared: Callable[[], PreparedQuery]) -> MdkgError:
    """The contract's error for ``error``, raised by pyoxigraph while it evaluated the text ``prepared``
    gives (asked for only when the text must name a syntax error's place)."""
    if isinstance(error, MdkgError):  # a term the contract cannot carry
        return error.with_traceback(None)
    if isinstance(error, SyntaxError):
        return prepared().syntax_error(str(error))
    if isinstance(error, OSError):  # the disk, or a SERVICE call while solutions are read
        return StoreUnavailable(f"the query could not be evaluated: {error}")
    return MdkgError(f"Oxigraph could not evaluate the query: {error}")


def _materialize(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> QueryResult:
    if isinstance(result, ox.QueryBoolean):
        return AskResult(bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        return SelectResult(variables, from_ox_rows(result))
    return GraphResult([(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))  # type: ignore[misc]
                        for t in result])


class OxigraphStore(BaseStore):
    """A pyoxigraph ``Store``; ``path=None`` keeps it in memory."""

    name = "oxigraph"

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        try:
            if path is None:
                store = ox.Store()
            elif read_only:
                store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                store = ox.Store(str(path))
        except OSError as error:
            raise StoreUnavailable(f"cannot open the Oxigraph store at {path}: {error}") from error
        self._store: ox.Store | None = store
        self.path = path
        self.read_only = read_only
        self._stamp_may_exist = path is not None and not read_only

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store, for code that needs engine-native speed."""
        if self._store is None:
            raise StoreUnavailable("the Oxigraph store is closed")
        return self._store

    def _evaluate(self, prepared: PreparedQuery, dataset: QueryDataset | None) -> QueryResult:
        options: dict[str, object] = {}
        if dataset is not None:
            # The protocol's dataset replaces the store's: graphs it does not list are not visible.
            options["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
            options["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        try:
            return _materialize(self.raw.query(prepared.text, **options))
        except ENGINE_ERRORS as error:
            failure = engine_failure(error, lambda: prepared)
        # Raised outside the handler so that no traceback keeps pyoxigraph's result iterator alive:
        # it must be freed in the thread that made it, and errors may travel to another one.
        raise failure

    def _writable(self) -> ox.Store:
        if self.read_only:
            raise Forbidden("the Oxigraph store is opened read-only")
        store = self.raw
        if self._stamp_may_exist:
            # Removed before the write, not after: a process killed mid-write must not leave a stamp
            # that vouches for data the write has changed.
            self._stamp_path().unlink(missing_ok=True)
            self._stamp_may_exist = False
        return store

    # -- loading files, and remembering what was loaded (see mdkg.dataset) ---------------------

    def load(self, data: bytes | str, *, media_type: str, graph: str | None = None) -> None:
        # The engine parses and stores in one native call (one transaction): typed literals need no
        # canonical form beforehand, Oxigraph keeps them as values. Blank nodes get fresh
        # identifiers per call, as parse_rdf gives them for the other backends.
        fmt = rdf_format(media_type)
        target = None if graph is None else ox.NamedNode(check_iri(graph))
        try:
            self._writable().load(data, format=OX_FORMATS[fmt.name], to_graph=target)
        except (SyntaxError, ValueError) as error:
            raise rdf_syntax_error(error, fmt) from error
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not write the store: {error}") from error

    def load_file(self, path: Path, graph: str) -> None:
        """One Turtle file into ``graph``, read by the engine itself, all or nothing; a syntax error
        names the file and the line."""
        try:
            self._writable().load(path=str(path), format=ox.RdfFormat.TURTLE,
                                  to_graph=ox.NamedNode(check_iri(graph)))
        except SyntaxError as error:
            raise RdfSyntaxError(f"{path}: {error}", detail={
                "file": str(path), "line": error.lineno, "message": str(error)}) from error
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not load {path}: {error}") from error

    def bulk_load(self, data: bytes, *, media_type: str) -> None:
        """Load a large document faster than :meth:`load`, but not as one transaction: a failure may
        leave part of it in the store."""
        fmt = rdf_format(media_type)
        try:
            self._writable().bulk_load(data, format=OX_FORMATS[fmt.name])
        except (SyntaxError, ValueError) as error:
            raise rdf_syntax_error(error, fmt) from error
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not write the store: {error}") from error

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add pyoxigraph quads as they are, all or nothing."""
        self._insert(list(quads))

    def _stamp_path(self) -> Path:
        assert self.path is not None
        return self.path / DATASET_STAMP_FILE

    def dataset_stamp(self) -> str | None:
        """The stamp recorded by the last :meth:`record_dataset_stamp`, if nothing was written since
        (an in-memory store keeps none: it starts empty)."""
        if self.path is None:
            return None
        try:
            return self._stamp_path().read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def record_dataset_stamp(self, stamp: str) -> None:
        """Flush, then remember ``stamp`` until the next write (on-disk stores only)."""
        if self.path is None:
            return
        store = self._writable()
        partial = self.path / f".{DATASET_STAMP_FILE}.{os.getpid()}"
        try:
            store.flush()  # the stamp must never be on disk before the data it vouches for
            partial.write_text(stamp + "\n", encoding="utf-8")
            os.replace(partial, self._stamp_path())
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise StoreUnavailable(f"Oxigraph could not record what it loaded: {error}") from error
        self._stamp_may_exist = True

    def update(self, sparql: str) -> None:
        try:
            self._writable().update(sparql)
        except SyntaxError as error:
            raise syntax_error(str(error), kind="update") from error
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not write the store: {error}") from error
        except (RuntimeError, ValueError) as error:
            raise BadRequest(f"the update could not be applied: {error}") from error

    def _insert(self, quads: list[ox.Quad]) -> None:
        try:
            self._writable().extend(quads)
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not write the store: {error}") from error

    def _graph_quads(self, graph: str | None) -> Iterable[ox.Quad]:
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        return self.raw.quads_for_pattern(None, None, None, name)

    def _dataset_quads(self) -> Iterable[ox.Quad]:
        return self.raw.quads_for_pattern(None, None, None, None)

    def graphs(self) -> list[str]:
        # Oxigraph remembers a graph name after its last quad is deleted; the contract lists
        # graphs that hold data, as stores that do not keep empty graphs do.
        return sorted(
            g.value
            for g in self.raw.named_graphs()
            if isinstance(g, ox.NamedNode) and self._holds_data(g)
        )

    def _holds_data(self, graph: ox.NamedNode) -> bool:
        return next(iter(self.raw.quads_for_pattern(None, None, None, graph)), None) is not None

    def _count(self, graph: str | None) -> int:
        if graph is None:
            return len(self.raw)
        return sum(1 for _ in self.raw.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def _clear(self, graph: str | None) -> None:
        try:
            if graph is None:
                self._writable().clear()
            else:
                self._writable().remove_graph(ox.NamedNode(graph))
        except OSError as error:
            raise StoreUnavailable(f"Oxigraph could not write the store: {error}") from error

    def close(self) -> None:
        """Flush an on-disk store and release it (its folder can then be opened again)."""
        store, self._store = self._store, None
        if store is not None and self.path is not None and not self.read_only:
            try:
                store.flush()
            except OSError as error:
                raise StoreUnavailable(f"Oxigraph could not flush the store: {error}") from error
