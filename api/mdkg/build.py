"""``mdkg build``: validate the dataset, then write ``dist/`` with every dump, checksums and VoID.

| file          | format     | holds                                                      |
|---------------|------------|------------------------------------------------------------|
| mdkg.trig     | TriG       | every named graph, names kept                              |
| mdkg.nq       | N-Quads    | every named graph, names kept                              |
| mdkg.jsonld   | JSON-LD    | every named graph, names kept (expanded form)              |
| mdkg.ttl      | Turtle     | the union of the named graphs (graph names dropped)        |
| mdkg.nt       | N-Triples  | the union of the named graphs                              |
| mdkg.rdf      | RDF/XML    | the union of the named graphs                              |
| void.ttl      | Turtle     | the VoID description (counts, partitions, dumps)           |
| SHA256SUMS    | sha256sum  | checksums of all the above (``sha256sum -c SHA256SUMS``)   |

Output is deterministic: statements are sorted, blank nodes are relabelled in the order the
files are read, and ``dcterms:modified`` is ``SOURCE_DATE_EPOCH`` when set, else the newest data
file's modification time -- so rebuilding unchanged data gives identical bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import pyoxigraph as ox

from mdkg import void
from mdkg.dataset import dataset_files, parse_file, rebase
from mdkg.errors import MdkgError, ValidationFailed
from mdkg.formats import RdfFormat, rdf_format
from mdkg.namespaces import PREFIXES, DatasetIris
from mdkg.progress import track
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.validation import ValidationReport, validate_files

__all__ = [
    "DUMPS",
    "BuildResult",
    "DumpFile",
    "build_dist",
    "canonical_quads",
    "dump_prefixes",
    "read_dataset",
    "serialize_quads",
]

DUMPS: tuple[tuple[str, str], ...] = (
    ("mdkg.trig", "trig"),
    ("mdkg.nq", "nquads"),
    ("mdkg.ttl", "turtle"),
    ("mdkg.nt", "ntriples"),
    ("mdkg.jsonld", "jsonld"),
    ("mdkg.rdf", "rdfxml"),
)
VOID_FILE = "void.ttl"
CHECKSUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class DumpFile:
    name: str
    media_type: str
    size: int
    sha256: str
    statements: int
    """Quads for the quads formats, distinct triples for the triples formats; 0 for void.ttl."""
    quads: bool


@dataclass
class BuildResult:
    out_dir: Path
    files: list[DumpFile]
    statistics: void.DatasetStatistics
    validation: ValidationReport
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each step (validate, read, serialize, void, total)."""

    def file(self, name: str) -> DumpFile:
        for dump in self.files:
            if dump.name == name:
                return dump
        raise KeyError(name)

    def summary(self) -> str:
        stats = self.statistics
        steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.timings.items()
                          if name != "total")
        lines = [
            f"Built {self.out_dir} in {self.timings.get('total', 0.0):.2f} s ({steps})",
            f"  dataset: {stats.quads} quads in {len(stats.graphs)} named graphs, {stats.triples} distinct "
            f"triples, {len(stats.classes)} classes, {len(stats.properties)} properties",
            f"  validation: {self.validation.summary_line()}",
            "",
            f"  {'file':<12} {'size':>10}  {'statements':>16}  sha256",
        ]
        for dump in self.files:
            count = "" if not dump.statements else (
                f"{dump.statements} {'quads' if dump.quads else 'triples'}")
            lines.append(f"  {dump.name:<12} {_size(dump.size):>10}  {count:>16}  {dump.sha256[:16]}…")
        verify = f"cd {self.out_dir} && sha256sum -c {CHECKSUMS_FILE}"
        lines.append(f"  {CHECKSUMS_FILE:<12} verify with: {verify}")
        return "\n".join(lines)


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1024 / 1024:.1f} MiB"


# --------------------------------------------------------------------------- serialization


def _sort_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), str(quad.subject), str(quad.predicate), str(quad.object))


def canonical_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Distinct quads in a stable order (graph, subject, predicate, object)."""
    return sorted({str(q): q for q in quads}.values(), key=_sort_key)


def read_dataset(settings: Settings) -> list[ox.Quad]:
    """Every quad of the dataset files, rebased to ``settings.base_iri``, canonical.

    Blank nodes are scoped to their file (Turtle keeps labels, and ``_:b1`` in two files names two
    nodes) and renamed ``b1``, ``b2``... in reading order, so that the dumps are reproducible.
    """
    counter = itertools.count(1)
    quads: list[ox.Quad] = []
    for file in track(dataset_files(settings), "read the dataset files"):
        labels: dict[str, ox.BlankNode] = {}

        def rename(term: object, labels: dict[str, ox.BlankNode] = labels) -> object:
            if isinstance(term, ox.BlankNode):
                if term.value not in labels:
                    labels[term.value] = ox.BlankNode(f"b{next(counter)}")
                return labels[term.value]
            return term

        for q in rebase(parse_file(file.path, file.graph), settings.base_iri):
            quads.append(ox.Quad(rename(q.subject), q.predicate, rename(q.object),  # type: ignore[arg-type]
                                 q.graph_name))
    return canonical_quads(quads)


def dump_prefixes(base_iri: str, quads: Sequence[ox.Quad] = ()) -> dict[str, str]:
    """The prefixes to write: mdkg's (rebased to ``base_iri``), only those the data uses."""
    iris = DatasetIris(base_iri)
    prefixes = {**PREFIXES, "mdo": str(iris.mdo), "id": str(iris.id)}
    if not quads:
        return prefixes
    seen: set[str] = set()
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                seen.add(term.value)
            elif isinstance(term, ox.Literal):
                seen.add(term.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(iri.startswith(ns) for iri in seen)}


def serialize_quads(quads: Sequence[ox.Quad], fmt: RdfFormat | str,
                    prefixes: dict[str, str] | None = None) -> tuple[bytes, int]:
    """Serialize sorted quads; triples formats get the union of the graphs. Returns (bytes, statements)."""
    fmt = rdf_format(fmt) if isinstance(fmt, str) else fmt
    ox_format = ox.RdfFormat.from_media_type(fmt.media_type)
    if ox_format is None:
        raise MdkgError(f"pyoxigraph cannot write {fmt.media_type}")
    statements: list[ox.Quad] | list[ox.Triple]
    if fmt.quads:
        statements = list(quads)
    else:
        union = {str(q.triple): q.triple for q in quads}
        statements = sorted(union.values(), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    try:
        data = ox.serialize(statements, format=ox_format, prefixes=prefixes or {})
    except (ValueError, TypeError) as error:
        raise MdkgError(f"cannot write {fmt.name}: {error}") from error
    return data or b"", len(statements)


# --------------------------------------------------------------------------- the build


def _modified(paths: Iterable[Path]) -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    mtimes = [p.stat().st_mtime for p in paths]
    return datetime.fromtimestamp(int(max(mtimes)) if mtimes else 0, UTC)


def _write(path: Path, data: bytes) -> None:
    staging = path.with_name(f".{path.name}.partial")
    staging.write_bytes(data)
    os.replace(staging, path)


def build_dist(settings: Settings, out_dir: Path) -> BuildResult:
    """Validate, then write the dumps, ``void.ttl`` and ``SHA256SUMS`` into ``out_dir``.

    Raises :class:`~mdkg.errors.ValidationFailed` (nothing written) when the data has violations.
    """
    timings: dict[str, float] = {}
    started = clock = perf_counter()

    report = validate_files(settings)
    timings["validate"] = perf_counter() - clock
    if not report.conforms:
        raise ValidationFailed(
            f"the dataset does not conform to the SHACL shapes; nothing was built.\n{report.render_text()}",
            detail=report.to_dict(),
        )

    clock = perf_counter()
    quads = read_dataset(settings)
    store = OxigraphStore()
    store.load(serialize_quads(quads, "nquads")[0], media_type="application/n-quads")
    stats = void.statistics(store)
    timings["read"] = perf_counter() - clock

    clock = perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    prefixes = dump_prefixes(settings.base_iri, quads)
    written: list[DumpFile] = []
    for name, format_name in track(DUMPS, "write the dumps"):
        fmt = rdf_format(format_name)
        data, statements = serialize_quads(quads, fmt, prefixes)
        _write(out_dir / name, data)
        written.append(DumpFile(name, fmt.media_type, len(data), hashlib.sha256(data).hexdigest(),
                                statements, fmt.quads))
    timings["serialize"] = perf_counter() - clock

    clock = perf_counter()
    dumps_base = f"{DatasetIris(settings.base_iri).base}dist/"
    description = void.describe(
        stats,
        base_iri=settings.base_iri,
        modified=_modified(f.path for f in dataset_files(settings)),
        dumps=[void.Dump(dumps_base + d.name, d.media_type, _dump_description(d)) for d in written],
    )
    void_bytes = void.serialize(description, "text/turtle", base_iri=settings.base_iri)
    _write(out_dir / VOID_FILE, void_bytes)
    written.append(DumpFile(VOID_FILE, "text/turtle", len(void_bytes),
                            hashlib.sha256(void_bytes).hexdigest(), 0, False))
    sums = "".join(f"{d.sha256}  {d.name}\n" for d in sorted(written, key=lambda d: d.name))
    _write(out_dir / CHECKSUMS_FILE, sums.encode())
    timings["void"] = perf_counter() - clock
    timings["total"] = perf_counter() - started
    store.close()
    return BuildResult(out_dir=out_dir, files=written, statistics=stats, validation=report, timings=timings)


def _dump_description(dump: DumpFile) -> str:
    fmt = rdf_format(dump.media_type)
    if fmt.quads:
        return f"{fmt.name}: every named graph of the dataset, graph names kept ({dump.statements} quads)"
    return (f"{fmt.name}: the union of all named graphs, graph names dropped "
            f"({dump.statements} distinct triples)")
