"""Measurements that run in a child process of their own: ``python -m bench._tasks TASK JSON``.

Each task prints one JSON object per line and nothing else on stdout. A child per measurement
gives each one a fresh heap (peak memory is the child's own ``ru_maxrss``) and lets the parent
stop a query that runs past its budget: neither pyoxigraph nor rdflib can cancel one in process.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def raw_bulk_load(args: dict[str, Any]) -> None:
    begin = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=args["nquads"], format=ox.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - begin
    _emit({"seconds": seconds, "quads": len(store), "peak_mb": _peak_mb()})


def mdkg_load(args: dict[str, Any]) -> None:
    """What ``mdkg serve`` does at start: every file of the project folder into the embedded store."""
    from mdkg.dataset import load_dataset
    from mdkg.settings import Settings
    from mdkg.store.oxigraph import OxigraphStore

    begin = time.perf_counter()
    store = OxigraphStore()
    load_dataset(store, Settings(root=Path(args["root"])))
    seconds = time.perf_counter() - begin
    _emit({"seconds": seconds, "quads": store.quad_count(), "peak_mb": _peak_mb()})


def mdkg_load_nquads(args: dict[str, Any]) -> None:
    """The store contract's ``load`` on the very N-Quads document the raw bulk load reads."""
    from mdkg.store.oxigraph import OxigraphStore

    begin = time.perf_counter()
    store = OxigraphStore()
    store.load(Path(args["nquads"]).read_bytes(), media_type="application/n-quads")
    seconds = time.perf_counter() - begin
    _emit({"seconds": seconds, "quads": store.quad_count(), "peak_mb": _peak_mb()})


def validate(args: dict[str, Any]) -> None:
    from mdkg.settings import Settings
    from mdkg.validation import validate_files

    begin = time.perf_counter()
    report = validate_files(Settings(root=Path(args["root"])))
    seconds = time.perf_counter() - begin
    _emit(
        {
            "seconds": seconds,
            "conforms": report.conforms,
            "violations": report.count("Violation"),
            "warnings": report.count("Warning"),
            "infos": report.count("Info"),
            "peak_mb": _peak_mb(),
        }
    )


def _without_order(text: str) -> str | None:
    """``text`` without its outermost ``ORDER BY`` (what the sort costs), or ``None`` if it has none."""
    from mdkg.store._sparql_text import query_shape, tokens

    shape = query_shape(text)
    if shape.group_close is None:
        return None
    after = [t for t in tokens(text) if t.start > shape.group_close]
    start = next((i for i, t in enumerate(after) if t.is_word("ORDER")), None)
    if start is None:
        return None
    end = next((t.start for t in after[start + 1 :] if t.is_word("LIMIT", "OFFSET", "VALUES")), len(text))
    return text[: after[start].start] + text[end:]


def _answer_size(result: object) -> int:
    from mdkg.store import AskResult, SelectResult

    if isinstance(result, SelectResult):
        return len(result.rows)
    return 1 if isinstance(result, AskResult) else len(result.triples)  # type: ignore[attr-defined]


def named_queries(args: dict[str, Any]) -> None:
    """Each named query as the service answers it against the same SPARQL on raw pyoxigraph.

    ``mdkg``: :func:`mdkg.queries.answer_named_query` on ``OxigraphStore`` (bind the parameters,
    evaluate, write SPARQL JSON cut at the service's row limit), what ``GET /queries/NAME.json``
    does past HTTP. ``raw``: the same text, bindings included, on the very same pyoxigraph store,
    written as SPARQL JSON by pyoxigraph. Beside them: ``rows_path``, the rows as rdflib terms
    (:func:`mdkg.queries.run_named_query`, the Python API), and ``raw_unordered``, the raw text
    without its outer ``ORDER BY`` (what the sort costs). Interleaved, in an order that turns at
    each repetition, after one untimed run (the first run of a query pays for warming the store),
    ``repeat`` times or until ``budget_s`` is spent and three repetitions are in.
    """
    from mdkg.queries import NamedQueryLibrary, answer_named_query, run_named_query
    from mdkg.settings import Settings
    from mdkg.store._sparql_text import prepare_query
    from mdkg.store.oxigraph import OxigraphStore

    json_format = "application/sparql-results+json"
    settings = Settings(root=Path(args["root"]))
    library = NamedQueryLibrary.from_dir(settings.queries_dir, settings.base_iri)
    store = OxigraphStore()
    store.raw.bulk_load(path=args["nquads"], format=ox.RdfFormat.N_QUADS)
    raw = store.raw
    for name in args["names"]:
        query = library.get(name)
        text = prepare_query(query.executable_sparql, query.bind({})).text
        sizes: dict[str, int] = {}

        def serialized(text: str) -> int:
            return len(raw.query(text).serialize(format=ox.QueryResultsFormat.JSON) or b"")

        sides: dict[str, Callable[[], int]] = {
            "mdkg": lambda query=query: len(
                answer_named_query(store, query, {}, json_format, settings.max_result_rows).body),
            "raw": lambda text=text: serialized(text),
            "rows_path": lambda query=query: _answer_size(run_named_query(store, query, {})),
        }
        unordered = _without_order(text)
        if unordered is not None:
            sides["raw_unordered"] = lambda unordered=unordered: serialized(unordered)
        runs: dict[str, list[float]] = {side: [] for side in sides}
        order = list(sides)
        begin = time.perf_counter()
        sides["raw"]()
        spent = time.perf_counter() - begin
        for repetition in range(int(args["repeat"])):
            for side in order[repetition % len(order):] + order[: repetition % len(order)]:
                begin = time.perf_counter()
                sizes[side] = sides[side]()
                elapsed = time.perf_counter() - begin
                runs[side].append(elapsed)
                spent += elapsed
            if spent > float(args["budget_s"]) and repetition >= 2:
                break
        _emit({"name": name, "rows": sizes["rows_path"], "json_bytes": sizes["mdkg"], **runs,
               "peak_mb": _peak_mb()})


def focus_validation(args: dict[str, Any]) -> None:
    """Add one source to a loaded graph and validate it as a write does.

    Times :meth:`mdkg.writes.WriteValidator.check` on the pyoxigraph store after the addition
    (affected nodes from the shapes, their neighbourhood cut from the store, pyshacl on it) and its
    parts; with ``full``, a full validation of the same store to compare verdicts; with ``write``,
    the whole validated write (:meth:`mdkg.writes.Writer.add_source`: staging copy, check, commit).
    """
    from mdkg.settings import Settings
    from mdkg.shape_reach import OxigraphTriples
    from mdkg.store._terms import from_ox
    from mdkg.store.oxigraph import OxigraphStore
    from mdkg.validation import _store_graph, focus_neighbourhood, validate_graph
    from mdkg.writes import Writer, WriteValidator
    from mdkg.writes._staging import Delta

    settings = Settings(root=Path(args["root"]))
    validator = WriteValidator(settings)
    store = OxigraphStore()
    store.raw.bulk_load(path=args["nquads"], format=ox.RdfFormat.N_QUADS)
    added = list(ox.parse(Path(args["addition"]).read_bytes(), format=ox.RdfFormat.N_QUADS))
    delta = Delta(added=frozenset(added), removed=frozenset())
    alone = ox.Store()
    alone.extend(added)
    validator.check(alone, delta)  # pyshacl's first run pays for its imports

    store.raw.extend(added)
    begin = time.perf_counter()
    verdict = validator.check(store.raw, delta)
    check_s = time.perf_counter() - begin
    # The parts of the check, timed one by one.
    changed = [(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)) for q in added]
    triples = OxigraphTriples(store.raw)
    begin = time.perf_counter()
    affected = validator.reach.affected(triples, changed)
    affected_s = time.perf_counter() - begin
    begin = time.perf_counter()
    focus = validator._targeted_among(store.raw, affected)
    targeted_s = time.perf_counter() - begin
    begin = time.perf_counter()
    neighbourhood = focus_neighbourhood(triples, focus, validator.reach, settings.base_iri)
    neighbourhood_s = time.perf_counter() - begin
    record: dict[str, Any] = {
        "added_triples": len(added),
        "affected_nodes": len(affected),
        "focus_nodes": verdict.focus_nodes,
        "neighbourhood_triples": len(neighbourhood),
        "full_validation_reason": verdict.full_validation,
        "check_s": check_s,
        "affected_s": affected_s,
        "targeted_s": targeted_s,
        "neighbourhood_s": neighbourhood_s,
        "conforms": verdict.report.conforms,
        "results": len(verdict.report.results),
    }
    if args.get("profile_check"):
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(validator.check, store.raw, delta)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(int(args["profile_check"]))
        record["profile"] = text.getvalue()
    if args.get("full"):
        begin = time.perf_counter()
        whole = _store_graph(store)
        record["store_to_rdflib_s"] = time.perf_counter() - begin
        begin = time.perf_counter()
        full = validate_graph(whole, validator.shapes, ontology=validator.ontology, inplace=True)
        record["full_s"] = time.perf_counter() - begin
        record["full_conforms"] = full.conforms
        in_focus = sorted(r.key() for r in full.results if r.focus_node in verdict.focus)
        record["same_results"] = in_focus == sorted(r.key() for r in verdict.report.results)
        record["same_verdict"] = full.conforms == verdict.report.conforms and record["same_results"]
    if args.get("write"):
        store.raw.remove_graph(added[0].graph_name)
        document = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in added],
                                format=ox.RdfFormat.N_TRIPLES)
        writer = Writer(store, settings, validator=validator)
        begin = time.perf_counter()
        result = writer.add_source(document, "application/n-triples")
        record["write_s"] = time.perf_counter() - begin
        record["write_focus_nodes"] = result.focus_nodes
        # The same through the service: POST /sources (in process, no query workers to refresh).
        from mdkg.web.app import create_app
        from mdkg.web.writes import writer_for
        from starlette.testclient import TestClient

        store.raw.remove_graph(ox.NamedNode(result.graph or ""))
        app = create_app(settings.with_changes(load_on_start=False, write_token="bench", query_workers=0),
                         store=store)
        writer_for(app.state.mdkg).validator = validator
        with TestClient(app) as client:
            begin = time.perf_counter()
            answer = client.post("/sources", content=document, headers={
                "Authorization": "Bearer bench", "Content-Type": "application/n-triples"})
            record["http_write_s"] = time.perf_counter() - begin
            record["http_write_status"] = answer.status_code
    record["peak_mb"] = _peak_mb()
    _emit(record)


TASKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "raw-bulk-load": raw_bulk_load,
    "mdkg-load": mdkg_load,
    "mdkg-load-nquads": mdkg_load_nquads,
    "validate": validate,
    "named-queries": named_queries,
    "focus-validation": focus_validation,
}


def main(argv: list[str]) -> int:
    task, args = TASKS[argv[0]], json.loads(argv[1])
    if not args.get("profile"):
        task(args)
        return 0
    import cProfile
    import io
    import pstats

    # Imported first, so that the profile shows the work measured rather than the imports.
    import mdkg.dataset
    import mdkg.queries
    import mdkg.store.oxigraph  # noqa: F401

    profiler = cProfile.Profile()
    profiler.runcall(task, args)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(int(args["profile"]))
    _emit({"profile": text.getvalue()})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
