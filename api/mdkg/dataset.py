"""Which files make up the dataset, under which named graphs, and how they get into a store.

* ``ontology/*.ttl``          -> ``<base>graph/ontology``
* ``graph/sources/<id>.ttl``  -> ``<base>graph/source/<id>`` (one named graph per source document)
* ``graph/reference/*.ttl``   -> ``<base>graph/reference`` (codes and classifications, kept apart
  from what the sources say)

Files are written with the canonical base IRI; :func:`rebase` moves them to a deployment's base.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mdkg.errors import RdfSyntaxError
from mdkg.namespaces import DatasetIris
from mdkg.progress import stage, track
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.store._protocol import Store
from mdkg.store.oxigraph import OxigraphStore


@dataclass(frozen=True)
class DatasetFile:
    path: Path
    graph: str
    """Named graph IRI, under the canonical base."""


def _turtle_files(folder: Path) -> list[Path]:
    # By name: the same order as sorting the paths, without pathlib's comparisons (thousands of sources).
    return sorted(folder.glob("*.ttl"), key=lambda path: path.name)


def dataset_files(settings: Settings) -> list[DatasetFile]:
    iris = DatasetIris(CANONICAL_BASE_IRI)
    files = [DatasetFile(p, iris.ontology_graph) for p in _turtle_files(settings.ontology_dir)]
    sources, reference = settings.graph_dir / "sources", settings.graph_dir / "reference"
    files += [DatasetFile(p, iris.source_graph(p.stem)) for p in _turtle_files(sources)]
    files += [DatasetFile(p, iris.reference_graph) for p in _turtle_files(reference)]
    return files


@contextmanager
def _naming_the_file(path: Path) -> Iterator[None]:
    """Turn the parser's ``SyntaxError`` into an :class:`RdfSyntaxError` naming file and line."""
    try:
        yield
    except SyntaxError as error:
        raise RdfSyntaxError(
            f"{path}: {error}",
            detail={"file": str(path), "line": getattr(error, "lineno", None), "message": str(error)},
        ) from error


def parse_file(path: Path, graph: str) -> list[ox.Quad]:
    """Parse one Turtle file into quads of ``graph``; syntax errors name file and line."""
    with _naming_the_file(path):
        # pyoxigraph 0.5's parse() has no ``to_graph``: Turtle gives triples, placed in the graph here.
        # Blank nodes are renamed so that ``_:b1`` in two files stays two nodes once merged.
        name = ox.NamedNode(graph)
        return [ox.Quad(t.subject, t.predicate, t.object, name)
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]


def _rebase_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph, old: str,
                 new: str) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph:
    if isinstance(term, ox.NamedNode) and term.value.startswith(old):
        return ox.NamedNode(new + term.value[len(old):])
    return term


def rebase(quads: Iterable[ox.Quad], base_iri: str) -> Iterator[ox.Quad]:
    """Rewrite IRIs under the canonical base to ``base_iri`` (no-op for the canonical base)."""
    if base_iri == CANONICAL_BASE_IRI:
        yield from quads
        return
    for q in quads:
        yield ox.Quad(
            _rebase_term(q.subject, CANONICAL_BASE_IRI, base_iri),
            _rebase_term(q.predicate, CANONICAL_BASE_IRI, base_iri),
            _rebase_term(q.object, CANONICAL_BASE_IRI, base_iri),
            _rebase_term(q.graph_name, CANONICAL_BASE_IRI, base_iri),
        )


def dataset_quads(settings: Settings) -> list[ox.Quad]:
    """Every quad of the dataset, rebased to ``settings.base_iri``."""
    quads: list[ox.Quad] = []
    for file in track(dataset_files(settings), "parse the dataset files"):
        quads.extend(rebase(parse_file(file.path, file.graph), settings.base_iri))
    return quads


def dataset_nquads(settings: Settings) -> bytes:
    return ox.serialize(dataset_quads(settings), format=ox.RdfFormat.N_QUADS) or b""


def _deployed_graph_iri(graph: str, base_iri: str) -> str:
    return base_iri + graph[len(CANONICAL_BASE_IRI):]


_STAMP_VERSION = "mdkg dataset stamp 1"
"""Changed whenever the way files become quads changes, so that stores loaded the old way reload."""


def dataset_digest(settings: Settings) -> str:
    """SHA-256 over every dataset file (graph, name, bytes) and the base IRI: equal digests, equal data."""
    digest = hashlib.sha256(f"{_STAMP_VERSION}\n{settings.base_iri}\n".encode())
    for file in dataset_files(settings):
        data = file.path.read_bytes()
        digest.update(f"{file.graph}\n{file.path.name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def _file_states(settings: Settings) -> list[list[object]]:
    """Name, graph, size and modification time of every dataset file: what a stamp compares first."""
    states: list[list[object]] = []
    for file in dataset_files(settings):
        status = file.path.stat()
        states.append([str(file.path), file.graph, status.st_size, status.st_mtime_ns])
    return states


def _graphs_of_changed_files(recorded: list[list[object]], current: list[list[object]]) -> set[str]:
    """Graphs with a file added, removed or touched since the stamp."""
    before = {tuple(state) for state in recorded}
    now = {tuple(state) for state in current}
    return {str(state[1]) for state in before ^ now}


def dataset_stamp(settings: Settings, *, files: list[list[object]] | None = None,
                  digest: str | None = None) -> str:
    """What an on-disk store records after loading: the digest, and the files' sizes and times that let
    a later start skip reading them when none has been touched (``files`` and ``digest``, when the
    caller has them already, save reading every file again)."""
    return json.dumps({"version": _STAMP_VERSION, "base_iri": settings.base_iri,
                       "files": _file_states(settings) if files is None else files,
                       "digest": dataset_digest(settings) if digest is None else digest})


def _recorded_stamp(recorded: str | None, settings: Settings) -> dict[str, Any] | None:
    """The store's stamp if it was taken the current way and for this base IRI."""
    try:
        stamp = json.loads(recorded) if recorded else None
    except ValueError:
        return None
    if not isinstance(stamp, dict) or stamp.get("version") != _STAMP_VERSION:
        return None
    return stamp if stamp.get("base_iri") == settings.base_iri else None


def load_dataset_if_changed(store: Store, settings: Settings, *, force: bool = False) -> bool:
    """Load the dataset unless the store says it holds these very files already; True if it loaded.

    Only an on-disk Oxigraph store can say so: :func:`load_dataset` leaves there a stamp of the files
    (:func:`dataset_stamp`), and any other write to the store removes it. ``force`` reloads anyway.
    Files with the names, sizes and times of the stamp are taken as unchanged (as git and make take
    them) without being read; otherwise their digest decides, and only the graphs whose files were
    added, removed or touched are loaded again (the stamp vouches for the others).
    """
    if force or not isinstance(store, OxigraphStore) or store.path is None:
        load_dataset(store, settings)
        return True
    with stage("compare the dataset files with the store"):
        stamp = _recorded_stamp(store.dataset_stamp(), settings)
        if stamp is None:
            changed = None
        else:
            current = _file_states(settings)
            if stamp.get("files") == current:
                return False
            digest = dataset_digest(settings)
            if stamp.get("digest") == digest:
                # Touched only: note the new times.
                store.record_dataset_stamp(dataset_stamp(settings, files=current, digest=digest))
                return False
            changed = _graphs_of_changed_files(stamp.get("files") or [], current)
    load_dataset(store, settings, graphs=changed)
    return True


def load_dataset(store: Store, settings: Settings, *, graphs: set[str] | None = None) -> None:
    """Replace the store's dataset graphs with the files on disk (only ``graphs``, named under the
    canonical base, when given: an embedded Oxigraph store whose other graphs hold their files).

    A syntax error in any file leaves the store as it was. An embedded Oxigraph store reads each
    file itself (:func:`_load_into_oxigraph`) and, on disk, keeps a stamp of what it loaded (see
    :func:`load_dataset_if_changed`); other stores get one N-Quads document of the whole dataset
    through the store contract.
    """
    files = dataset_files(settings)
    if isinstance(store, OxigraphStore) and not store.read_only:
        # Taken before loading: a file edited meanwhile then fails to match, and the next start reloads.
        stamp = dataset_stamp(settings) if store.path is not None else None
        replaced = {file.graph for file in files} if graphs is None else graphs
        _load_into_oxigraph(store, [file for file in files if file.graph in replaced],
                            {_deployed_graph_iri(graph, settings.base_iri) for graph in replaced},
                            settings.base_iri)
        if stamp is not None:
            store.record_dataset_stamp(stamp)
        return
    data = dataset_nquads(settings)
    for file in files:
        store.clear(_deployed_graph_iri(file.graph, settings.base_iri))
    with stage("load into the store"):
        store.load(data, media_type="application/n-quads")


def _load_into_oxigraph(store: OxigraphStore, files: list[DatasetFile], replaced: set[str],
                        base_iri: str) -> None:
    """Replace the graphs ``replaced`` with ``files``, each file straight into its graph, parsed by the
    engine: no triple becomes a Python object.

    Every file is one ``Store.load`` call, and pyoxigraph gives the blank nodes of each call fresh
    identifiers, so ``_:b1`` in two files stays two nodes. Oxigraph keeps typed literals as values,
    so they need no canonical form beforehand. A base IRI other than the canonical one needs every
    IRI rewritten, which the engine cannot do while parsing: that case goes through Python terms.

    All or nothing against syntax errors. In memory, graphs that held data are emptied only once
    every file has been parsed (an extra, cheaper pass that a first load into an empty store skips);
    the graphs filled before a failing file were empty before and are emptied again. On disk, where
    one transaction per file costs several times the engine's bulk load, the files go into an
    in-memory store first (which checks them all before the store changes), then into the store in
    one bulk load; a process killed during it leaves no stamp, so the next start loads again.
    """
    graphs = {file: _deployed_graph_iri(file.graph, base_iri) for file in files}
    held = set(store.graphs()).intersection(replaced)
    if store.path is not None:
        staging = OxigraphStore()
        _fill(staging, graphs, base_iri)
        _empty(store, held)
        with stage("write the store to disk"):
            store.bulk_load(staging.raw.dump(format=ox.RdfFormat.N_QUADS) or b"",
                            media_type="application/n-quads")
        return
    if held:
        for file in track(files, "parse the dataset files (checking them before replacing)"):
            with _naming_the_file(file.path):
                for _ in ox.parse(path=str(file.path), format=ox.RdfFormat.TURTLE):
                    pass
        _empty(store, held)
    _fill(store, graphs, base_iri)


def _empty(store: OxigraphStore, graphs: set[str]) -> None:
    """Remove ``graphs``; all at once when they are all the store holds (graph by graph, RocksDB
    deletes quad by quad, and each removal reads past the tombstones of the ones before it)."""
    default_graph = store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())
    if graphs and set(store.graphs()) <= graphs and next(iter(default_graph), None) is None:
        store.clear()
        return
    for graph in sorted(graphs):
        store.clear(graph)


def _fill(store: OxigraphStore, graphs: dict[DatasetFile, str], base_iri: str) -> None:
    """Load each file into its graph; if one fails, empty again the graphs filled so far."""
    filled: list[str] = []
    try:
        for file, graph in track(graphs.items(), "parse the dataset files and load into the store"):
            filled.append(graph)
            if base_iri == CANONICAL_BASE_IRI:
                store.load_file(file.path, graph)
            else:
                store.extend(rebase(parse_file(file.path, file.graph), base_iri))
    except BaseException:
        for graph in dict.fromkeys(filled):
            store.clear(graph)
        raise
