"""The one path every write takes: guard, parse, try on a copy, validate, commit whole or not at all."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import pyoxigraph as ox

from mdkg.dataset import rebase
from mdkg.errors import BadRequest, Conflict, NotFound, UnsupportedMediaType, ValidationFailed
from mdkg.formats import rdf_format
from mdkg.guard import inspect_document, inspect_request
from mdkg.namespaces import DatasetIris
from mdkg.settings import Settings
from mdkg.store import QueryDataset, Store
from mdkg.store._rdf_io import parse_rdf
from mdkg.store._terms import check_iri
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import ValidationReport, ValidationResult
from mdkg.writes._sources import source_id_of
from mdkg.writes._staging import DataStaging, Delta, Staging
from mdkg.writes._text import (
    data_block,
    drop_graph,
    is_deterministic,
    join_operations,
    with_protocol_dataset,
)
from mdkg.writes._validate import WriteValidator

__all__ = ["WriteResult", "Writer"]

log = logging.getLogger("mdkg.writes")

Position = Callable[[int, int], tuple[int, int]]


@dataclass(frozen=True)
class WriteResult:
    """What a committed write did."""

    added: int
    """Quads the write added."""
    removed: int
    report: ValidationReport
    """The validation report: no violation (the write would have been refused), maybe warnings."""
    focus_nodes: int
    """Nodes the shapes judged (0: no node a shape targets was affected, pyshacl did not run)."""
    seconds: float
    graph: str | None = None
    """The graph a Graph Store Protocol or ``/sources`` write wrote (``None``: default graph, update)."""
    created: bool = False
    """The graph held no data before the write."""
    source_id: str | None = None

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.report.results if r.severity != "Violation"]

    def summary(self) -> dict[str, Any]:
        """The result as JSON for a client."""
        summary: dict[str, Any] = {
            "added": self.added,
            "removed": self.removed,
            "validation": {"focus_nodes": self.focus_nodes,
                           "counts": {s: self.report.count(s.capitalize())
                                      for s in ("violation", "warning", "info")},
                           "results": self.report.to_dict()["results"]},
            "duration_ms": round(self.seconds * 1000, 1),
        }
        if self.graph is not None:
            summary["graph"] = self.graph
            summary["created"] = self.created
        if self.source_id is not None:
            summary["source_id"] = self.source_id
        return summary


@dataclass(frozen=True)
class _Data:
    """What a change of mdkg's own wording does: these graphs dropped, then these quads inserted."""

    drops: tuple[ox.NamedNode | ox.DefaultGraph, ...] = ()
    inserts: tuple[ox.Quad, ...] = ()


@dataclass(frozen=True)
class _Change:
    text: str
    """One SPARQL update: tried on the copy, then (when deterministic) run on the store."""
    data: _Data | None = None
    """The same change as data, when mdkg wrote the update (it is then judged without a copy)."""
    deterministic: bool = True
    position: Position | None = None
    graph: str | None = None
    created: bool = False
    source_id: str | None = None


@dataclass
class Writer:
    """Writes to one store, one at a time, each validated against the project's shapes.

    Every method either commits its whole change and returns a :class:`WriteResult`, or raises an
    :mod:`mdkg.errors` error and leaves the store exactly as it was: ``QuerySyntaxError`` or
    ``RdfSyntaxError`` (400, with line and message), ``BadRequest``/``Forbidden`` from the guard,
    ``ValidationFailed`` (422, ``detail`` = the report), ``Conflict`` (409), ``NotFound`` (404).

    How: the change is written as one SPARQL update and first tried (a client's update on an
    in-memory copy of the dataset, mdkg's own data changes on an overlay of the store); the quads
    it would add and remove give the affected focus nodes, which are validated on the part of the
    resulting dataset their shapes read; only then is the update run on the store, as one
    transaction. An update whose result depends on the run (``NOW()``, ``RAND()``, ``UUID()``...)
    commits the exact quads that were validated instead. Other writers of the same store must go
    through the same ``Writer``.
    """

    store: Store
    settings: Settings
    validator: WriteValidator | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.iris = DatasetIris(self.settings.base_iri)

    def _shapes(self) -> WriteValidator:
        if self.validator is None:
            self.validator = WriteValidator(self.settings)
        return self.validator

    # -- SPARQL Update ----------------------------------------------------------------------------

    def update(self, sparql: str, *, using: QueryDataset | None = None,
               base_iri: str | None = None) -> WriteResult:
        """Run a SPARQL 1.1 update; ``using`` is the protocol's ``using-graph-uri``/``using-named-graph-uri``,
        ``base_iri`` resolves relative IRIs (the endpoint's URL, say)."""
        inspect_request(sparql, kind="update", store=self.store, settings=self.settings, dataset=using)
        text = with_protocol_dataset(sparql, using) if using is not None else sparql
        position: Position | None = None
        if base_iri is not None:
            text = f"BASE {_iri(base_iri)}\n{text}"
            position = _one_line_up
        return self._write(_Change(text, deterministic=is_deterministic(sparql), position=position))

    # -- Graph Store Protocol ---------------------------------------------------------------------

    def graph_exists(self, graph: str) -> bool:
        return check_iri(graph) in self.store.graphs()

    def replace_graph(self, graph: str | None, data: bytes | str, media_type: str) -> WriteResult:
        """PUT: the graph (``None``: the default graph) holds exactly the document's triples."""
        quads = self._parse_graph_document(data, media_type, graph)
        with self._lock:
            created = graph is not None and not self.graph_exists(graph)
            text = join_operations(drop_graph(graph), data_block("INSERT DATA", quads))
            return self._write_locked(_Change(text, _Data((_graph_node(graph),), tuple(quads)), graph=graph,
                                              created=created))

    def merge_graph(self, graph: str | None, data: bytes | str, media_type: str) -> WriteResult:
        """POST: the document's triples are added to the graph."""
        quads = self._parse_graph_document(data, media_type, graph)
        with self._lock:
            created = graph is not None and not self.graph_exists(graph)
            return self._write_locked(_Change(data_block("INSERT DATA", quads), _Data(inserts=tuple(quads)),
                                              graph=graph, created=created))

    def delete_graph(self, graph: str | None) -> WriteResult:
        """DELETE: the named graph is dropped (404 if it holds nothing), the default graph emptied."""
        with self._lock:
            if graph is not None and not self.graph_exists(graph):
                raise NotFound(f"no graph <{graph}> in the store", detail={"graph": graph})
            return self._write_locked(_Change(drop_graph(graph), _Data((_graph_node(graph),)), graph=graph))

    # -- source documents -------------------------------------------------------------------------

    def add_source(self, data: bytes | str, media_type: str = "text/turtle", *,
                   source_id: str | None = None, replace: bool = False) -> WriteResult:
        """One source document's transcription as the new named graph ``<base>graph/source/<id>``.

        The id comes from the document's ``mdo:SourceDocument`` (its ``dcterms:identifier``) or from
        ``source_id``; IRIs under the canonical base move to the deployment's base, as when the
        dataset files are loaded. A graph that already holds data is a ``Conflict`` unless ``replace``.
        """
        quads = list(rebase(self._parse_graph_document(data, media_type, None), self.settings.base_iri))
        found = source_id_of(quads, self.iris, source_id)
        graph = self.iris.source_graph(found)
        name = ox.NamedNode(graph)
        quads = [ox.Quad(q.subject, q.predicate, q.object, name) for q in quads]
        with self._lock:
            exists = self.graph_exists(graph)
            if exists and not replace:
                raise Conflict(f"source {found!r} is already in the store (graph <{graph}>); replace it "
                               f"with PUT /sources/{found}", detail={"source_id": found, "graph": graph})
            text = join_operations(drop_graph(graph) if exists else "", data_block("INSERT DATA", quads))
            change = _Data((name,) if exists else (), tuple(quads))
            return self._write_locked(_Change(text, change, graph=graph, created=not exists, source_id=found))

    # -- the one path -------------------------------------------------------------------------------

    def _parse_graph_document(self, data: bytes | str, media_type: str, graph: str | None) -> list[ox.Quad]:
        fmt = rdf_format(media_type)
        if fmt.name in ("trig", "nquads"):
            raise UnsupportedMediaType(f"a graph is sent as triples (Turtle, N-Triples, RDF/XML or "
                                       f"JSON-LD), not as {fmt.media_type}")
        if graph is not None:
            check_iri(graph)
        inspect_document(data, fmt.media_type)
        quads = parse_rdf(data, fmt, graph)
        target: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        if any(q.graph_name != target for q in quads):
            raise BadRequest("the document names graphs of its own; send the triples of one graph")
        return quads

    def _write(self, change: _Change) -> WriteResult:
        with self._lock:
            return self._write_locked(change)

    def _write_locked(self, change: _Change) -> WriteResult:
        started = perf_counter()
        staging: Staging | DataStaging
        if change.data is not None and isinstance(self.store, OxigraphStore):
            staging = DataStaging(self.store, change.data.drops, change.data.inserts)
        else:
            staging = Staging(self.store)
            staging.apply(change.text, position=change.position)
        delta = staging.delta()
        verdict = self._shapes().check(staging.store, delta)
        if not verdict.report.conforms:
            violations = verdict.report.count("Violation")
            where = (f"in the whole dataset ({verdict.full_validation})" if verdict.full_validation else
                     f"among {verdict.focus_nodes} affected node{'s' if verdict.focus_nodes != 1 else ''}")
            raise ValidationFailed(
                f"the write was refused: {violations} SHACL violation{'s' if violations != 1 else ''} "
                f"{where}; nothing was written",
                detail=verdict.report.to_dict(),
            )
        log.debug("committing: %d quads added, %d removed", len(delta.added), len(delta.removed))
        self._commit(change, staging, delta)
        seconds = perf_counter() - started
        log.info("write committed: %d quads added, %d removed, %d focus nodes validated, %.3f s",
                 len(delta.added), len(delta.removed), verdict.focus_nodes, seconds)
        return WriteResult(added=len(delta.added), removed=len(delta.removed), report=verdict.report,
                           focus_nodes=verdict.focus_nodes, seconds=seconds, graph=change.graph,
                           created=change.created and bool(delta.added), source_id=change.source_id)

    def _commit(self, change: _Change, staging: Staging | DataStaging, delta: Delta) -> None:
        same_engine = isinstance(self.store, OxigraphStore)
        if change.deterministic and same_engine:
            # The very update that was validated, run by the same engine on the same data.
            self.store.update(change.text)
            return
        if not delta:
            return
        exact = _delta_update(staging, delta)
        if exact is not None:
            self.store.update(exact)
        elif change.deterministic:
            self.store.update(change.text)
        else:
            raise BadRequest("this update both calls NOW(), RAND(), UUID() or STRUUID() and changes "
                             "blank nodes already in the store: it cannot be committed as validated; "
                             "split it, or name the nodes with IRIs")


def _delta_update(staging: Staging | DataStaging, delta: Delta) -> str | None:
    """``DELETE DATA`` + ``INSERT DATA`` of exactly ``delta``, or ``None`` if SPARQL cannot say it:
    an existing blank node cannot be named in an update."""
    if delta.blank_nodes_of(delta.removed):
        return None
    added_blanks = delta.blank_nodes_of(delta.added)
    if added_blanks and staging.shares_blank_nodes(added_blanks):
        return None
    return join_operations(data_block("DELETE DATA", delta.removed), data_block("INSERT DATA", delta.added))


def _graph_node(graph: str | None) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


def _iri(iri: str) -> str:
    return f"<{check_iri(iri)}>"


def _one_line_up(line: int, column: int) -> tuple[int, int]:
    return line - 1, column
