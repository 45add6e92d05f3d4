"""Which files make up the dataset, under which named graphs, and how they get into a store.

* ``ontology/*.ttl``          -> ``<base>graph/ontology``
* ``graph/sources/<id>.ttl``  -> ``<base>graph/source/<id>`` (one named graph per source document)
* ``graph/reference/*.ttl``   -> ``<base>graph/reference`` (codes and classifications, kept apart
  from what the sources say)

Files are written with the canonical base IRI; :func:`rebase` moves them to a deployment's base.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from mdkg.errors import RdfSyntaxError
from mdkg.namespaces import DatasetIris
from mdkg.progress import stage, track
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.store._protocol import Store


@dataclass(frozen=True)
class DatasetFile:
    path: Path
    graph: str
    """Named graph IRI, under the canonical base."""


def dataset_files(settings: Settings) -> list[DatasetFile]:
    iris = DatasetIris(CANONICAL_BASE_IRI)
    files = [DatasetFile(p, iris.ontology_graph) for p in sorted(settings.ontology_dir.glob("*.ttl"))]
    files += [
        DatasetFile(p, iris.source_graph(p.stem))
        for p in sorted((settings.graph_dir / "sources").glob("*.ttl"))
    ]
    files += [
        DatasetFile(p, iris.reference_graph)
        for p in sorted((settings.graph_dir / "reference").glob("*.ttl"))
    ]
    return files


def parse_file(path: Path, graph: str) -> list[ox.Quad]:
    """Parse one Turtle file into quads of ``graph``; syntax errors name file and line."""
    try:
        # pyoxigraph 0.5's parse() has no ``to_graph``: Turtle gives triples, placed in the graph here.
        # Blank nodes are renamed so that ``_:b1`` in two files stays two nodes once merged.
        name = ox.NamedNode(graph)
        return [ox.Quad(t.subject, t.predicate, t.object, name)
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]
    except SyntaxError as error:
        raise RdfSyntaxError(
            f"{path}: {error}",
            detail={"file": str(path), "line": getattr(error, "lineno", None), "message": str(error)},
        ) from error


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


def load_dataset(store: Store, settings: Settings) -> int:
    """Replace the store's dataset graphs with the files on disk; returns the quads loaded."""
    data = dataset_nquads(settings)
    for file in dataset_files(settings):
        graph = settings.base_iri + file.graph[len(CANONICAL_BASE_IRI):]
        store.clear(graph)
    with stage("load into the store"):
        store.load(data, media_type="application/n-quads")
    return data.count(b"\n")
