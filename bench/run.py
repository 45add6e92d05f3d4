"""``make bench``: mdkg against raw pyoxigraph, ``oxigraph serve`` and rdflib-endpoint, in one run.

On the synthetic diplomacy graph of ``bench/generate.py`` (10k, 100k and 1M triples; ``--quick``:
10k only, few repetitions, about a minute), it measures side by side:

1. **build**: mdkg's load (every file of a project folder into the embedded store, as ``mdkg
   serve`` does; and the store contract's ``load`` of the N-Quads) against raw pyoxigraph
   ``bulk_load`` of the same N-Quads; SHACL validation of the whole dataset (``validate_files``);
2. **named queries**: each ``queries/*.rq`` answered as the service answers it (``answer_named_query``
   on ``OxigraphStore``: parameters bound, evaluated, written as SPARQL JSON under the row cap)
   against the same SPARQL text on the very same pyoxigraph store written as SPARQL JSON by
   pyoxigraph; beside them the rows as rdflib terms (``run_named_query``) and the raw text without
   its ``ORDER BY``;
3. **HTTP**: ``mdkg serve`` (hardening on), ``oxigraph serve`` and rdflib-endpoint serving the
   same data on loopback: a cheap ASK, a two-join SELECT and a CONSTRUCT at concurrency 1 and 8,
   bounded in time and count: answers per second, p50, p99, errors, peak memory;
4. **ready time** of ``mdkg serve`` on an already built on-disk store;
5. **incremental validation**: a 1k-triple source added to the graph, validated as a write does
   (``WriteValidator.check``), with the verdict of a full validation beside it, and the whole write;
6. **scale-out**: 1 and 2 uvicorn workers of mdkg over one ``oxigraph serve`` (remote store).

Every timed step runs in a child process (``bench/_tasks.py``), medians over ``--repeat`` runs
with min and max. Results go to ``bench/results/<date>.md`` and, for a full run, the README's
"Performance" table. Heavy measurements take a budget and stop early rather than overrun.

    .venv/bin/python -m bench.run --quick
    .venv/bin/python -m bench.run                       # 10k, 100k, 1M (under 20 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import _http
from bench.generate import DEFAULT_SEED, REPO_ROOT, SyntheticGraph, generate

RESULTS_DIR = REPO_ROOT / "bench" / "results"
README = REPO_ROOT / "README.md"
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
NAMED_QUERY_TIMEOUT_S = 180.0


@dataclass
class Options:
    sizes: list[int]
    repeat: int
    seconds: float
    max_requests: int
    request_timeout_s: float
    named_budget_s: float
    validate_max: int
    """Full SHACL validation only up to this many triples (pyshacl is the slow part)."""
    compare_full_max: int
    """Incremental validation compared with a full one up to this many triples."""
    http_sizes: list[int]
    rdflib_max: int
    rdflib_heavy_max: int
    """rdflib-endpoint gets the two-join SELECT and the CONSTRUCT only up to this many triples."""
    work: Path
    profile: bool
    quick: bool


@dataclass
class Stat:
    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else math.nan

    @property
    def low(self) -> float:
        return min(self.runs) if self.runs else math.nan

    @property
    def high(self) -> float:
        return max(self.runs) if self.runs else math.nan


@dataclass
class Results:
    options: Options
    started: dt.datetime
    graphs: dict[int, dict[str, int]] = field(default_factory=dict)
    build: dict[int, dict[str, Stat]] = field(default_factory=dict)
    build_memory: dict[int, dict[str, float]] = field(default_factory=dict)
    validation: dict[int, dict[str, Any]] = field(default_factory=dict)
    named: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    http: dict[int, list[_http.Cell]] = field(default_factory=dict)
    http_memory: dict[int, dict[str, float]] = field(default_factory=dict)
    http_ready: dict[int, dict[str, float]] = field(default_factory=dict)
    ready: dict[str, float] = field(default_factory=dict)
    focus: dict[int, dict[str, Any]] = field(default_factory=dict)
    scale_out: list[_http.Cell] = field(default_factory=list)
    scale_out_memory: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    load_average: list[float] = field(default_factory=lambda: [os.getloadavg()[0], math.nan])


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- child tasks


def run_task(
    task: str,
    args: dict[str, Any],
    timeout_s: float = 3600.0,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run ``bench/_tasks.py TASK``; its JSON lines, stopping the child at ``timeout_s``."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._tasks", task, json.dumps(args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    records: list[dict[str, Any]] = []
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        records = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        records.append({"timeout": True, "after_s": timeout_s})
        return records
    if process.returncode != 0:
        raise RuntimeError(f"bench task {task} failed ({process.returncode}):\n{stderr[-3000:]}")
    for line in stdout.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            records.append(record)
            if on_record:
                on_record(record)
    return records


# --------------------------------------------------------------------------- sections


def prepare(size: int, options: Options) -> tuple[SyntheticGraph, Path, Path]:
    folder = options.work / f"g{size}"
    graph = generate(size, DEFAULT_SEED)
    nquads = graph.write_nquads(folder / "graph.nq")
    root = graph.write_project(folder / "root", folder / "shared" / "sources")
    return graph, nquads, root


def measure_build(size: int, nquads: Path, root: Path, options: Options, results: Results) -> None:
    repeat = options.repeat if size < 1_000_000 else max(2, options.repeat - 3)
    steps = {
        "raw pyoxigraph bulk_load": ("raw-bulk-load", {"nquads": str(nquads)}),
        "mdkg load (project files, as mdkg serve)": ("mdkg-load", {"root": str(root)}),
        "mdkg store.load (same N-Quads)": ("mdkg-load-nquads", {"nquads": str(nquads)}),
    }
    stats: dict[str, Stat] = {name: Stat([]) for name in steps}
    memory: dict[str, float] = {}
    for _ in range(repeat):  # interleaved, so that drift hits every step alike
        for name, (task, args) in steps.items():
            record = run_task(task, args)[0]
            stats[name].runs.append(record["seconds"])
            memory[name] = max(memory.get(name, 0.0), record["peak_mb"])
    results.build[size], results.build_memory[size] = stats, memory
    for name, stat in stats.items():
        log(f"  {name}: {stat.median:.2f} s (min {stat.low:.2f}, max {stat.high:.2f})")
    if options.profile and size == profile_size(options):
        profile = run_task("mdkg-load", {"root": str(root), "profile": 18})[-1]["profile"]
        results.profiles[f"mdkg load at {size:,} triples (cProfile, by own time)"] = profile
    if size <= options.validate_max:
        record = run_task("validate", {"root": str(root)})[0]
        results.validation[size] = record
        log(
            f"  validate_files: {record['seconds']:.1f} s, conforms {record['conforms']}, "
            f"{record['violations']} violations"
        )


def profile_size(options: Options) -> int:
    """Profiles are taken at 100k when it is measured (the hot spots are those of 1M, in less time)."""
    return 100_000 if 100_000 in options.sizes else max(options.sizes)


def measure_named(size: int, nquads: Path, root: Path, options: Options, results: Results) -> None:
    names = sorted(p.stem for p in (root / "queries").glob("*.rq"))
    done: list[dict[str, Any]] = []
    pending = list(names)
    while pending:

        def show(record: dict[str, Any]) -> None:
            if "name" not in record:
                return
            log(
                f"  {record['name']}: mdkg {1000 * statistics.median(record['mdkg']):.1f} ms, raw "
                f"{1000 * statistics.median(record['raw']):.1f} ms (JSON); rdflib rows "
                f"{1000 * statistics.median(record['rows_path']):.1f} ms; {record['rows']} rows"
            )

        args = {
            "nquads": str(nquads),
            "root": str(root),
            "names": pending,
            "repeat": options.repeat,
            "budget_s": options.named_budget_s,
        }
        # One child for the remaining queries; a query past the budget ends the child and is skipped.
        timeout = NAMED_QUERY_TIMEOUT_S * len(pending)
        records = run_task("named-queries", args, timeout_s=timeout, on_record=show)
        finished = [r for r in records if "name" in r]
        done += finished
        pending = pending[len(finished) :]
        if records and records[-1].get("timeout") and pending:
            log(f"  {pending[0]}: no answer within the budget, skipped")
            done.append({"name": pending[0], "timeout": True})
            pending = pending[1:]
    results.named[size] = done
    if options.profile and size == profile_size(options):
        args = {"nquads": str(nquads), "root": str(root), "names": ["agreement-parties"], "repeat": 1,
                "budget_s": 0, "profile": 22}
        records = run_task("named-queries", args, timeout_s=NAMED_QUERY_TIMEOUT_S)
        title = f"named query agreement-parties, both sides, at {size:,} triples (cProfile, by own time)"
        results.profiles[title] = records[-1].get("profile", "no profile: the query ran past its budget")


def measure_http(size: int, nquads: Path, root: Path, options: Options, results: Results) -> None:
    work = options.work / f"g{size}"
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    specs: list[tuple[_http.ServerSpec, float]] = [(_http.mdkg_spec(root), 0.0)]
    if _http.oxigraph_cli():
        location = work / "oxigraph-store"
        shutil.rmtree(location, ignore_errors=True)
        specs.append((_http.oxigraph_spec(location), _http.oxigraph_load(nquads, location)))
    else:
        results.notes.append("oxigraph CLI not installed (pip install oxigraph): no oxigraph serve column.")
    if _http.rdflib_endpoint_cli() and size <= options.rdflib_max:
        specs.append((_http.rdflib_endpoint_spec(nquads), 0.0))
    elif size <= options.rdflib_max:
        results.notes.append(
            "rdflib-endpoint not installed (pip install -e '.[bench]'): no rdflib-endpoint column."
        )
    cells: list[_http.Cell] = []
    memory: dict[str, float] = {}
    ready: dict[str, float] = {}
    for spec, load_s in specs:
        pending = [(q, c) for q in _http.QUERIES for c in (1, 8)]
        if spec.name == "rdflib-endpoint" and size > options.rdflib_heavy_max:
            # Each two-join SELECT or CONSTRUCT takes rdflib tens of seconds here, and rdflib-endpoint
            # runs queries on its event loop: one cell would outlast the whole budget.
            pending = [(q, c) for q, c in pending if q == "ASK"]
            results.notes.append(f"rdflib-endpoint at {size:,} triples: ASK only (the two-join SELECT and "
                                 f"the CONSTRUCT take it seconds to minutes each; see a smaller size).")
        while pending:
            with _http.running(spec, logs / f"{spec.name.replace(' ', '-')}.log") as server:
                ready[spec.name] = server.ready_s + load_s
                while pending:
                    query_name, concurrency = pending.pop(0)
                    cell = _http.measure_cell(
                        spec.name,
                        server.url,
                        query_name,
                        concurrency,
                        options.seconds,
                        options.max_requests,
                        options.request_timeout_s,
                    )
                    cells.append(cell)
                    log(
                        f"  {spec.name:16} {query_name:16} c={concurrency}: {cell.per_second:9.1f}/s "
                        f"p50 {cell.p50_ms:8.1f} ms p99 {cell.p99_ms:8.1f} ms errors {cell.errors} "
                        f"timeouts {cell.timeouts}"
                    )
                    if cell.timeouts:
                        break  # a server still busy with abandoned queries: start it afresh
                memory[spec.name] = max(memory.get(spec.name, 0.0), server.memory.peak_mb)
    results.http[size], results.http_memory[size], results.http_ready[size] = cells, memory, ready


def measure_ready(size: int, root: Path, options: Options, results: Results) -> None:
    """``mdkg serve --store-path``: the first start builds the store, the next ones find it built (ready
    once ``/healthz`` and a ``/sparql`` query through the query workers answer); with the query speed
    in the workers right after ready (reading the store's checkpoint) and after their warm-up."""
    from dataclasses import replace

    from bench import _ready

    work = options.work / f"g{size}"
    store = work / "mdkg-store"
    shutil.rmtree(store, ignore_errors=True)
    log_file = work / "logs" / "ready.log"
    log_file.parent.mkdir(exist_ok=True)
    spec = _http.mdkg_spec(root, store_path=store)
    first = _ready.start(spec, log_file, warm_up=False)
    results.ready["first start (builds the on-disk store)"] = first.ready_s
    built = [_ready.start(spec, log_file) for _ in range(1 if options.quick else 3)]
    results.ready["mdkg serve on the built store (median)"] = statistics.median(s.ready_s for s in built)
    results.ready["built store, /healthz only (median)"] = statistics.median(s.healthz_s for s in built)
    reload_spec = replace(spec, command=[*spec.command, "--reload-on-start"])
    forced = _ready.start(reload_spec, log_file, warm_up=False)
    results.ready["built store, --reload-on-start"] = forced.ready_s
    in_process = _ready.start(replace(spec, env={**spec.env, "MDKG_QUERY_WORKERS": "0"}), log_file,
                              warm_up=False)
    results.ready["built store, queries in process (query_workers 0)"] = in_process.ready_s
    warm = built[-1]
    results.notes.append(
        f"Query workers of `mdkg serve` on the built on-disk store ({size:,} triples), {_ready.QUERY} "
        f"through `/sparql`, p50 of {len(warm.before_ms)}: {warm.before_p50_ms:.1f} ms right after ready "
        f"(the workers read a checkpoint of the store on disk while they copy it into memory), "
        f"{warm.after_p50_ms:.1f} ms once they went idle, {warm.warm_up_s:.1f} s after ready.")
    for label, seconds in results.ready.items():
        log(f"  ready, {label.strip()}: {seconds:.2f} s")
    log(f"  {_ready.QUERY} in the workers: {warm.before_p50_ms:.1f} ms before the warm-up, "
        f"{warm.after_p50_ms:.1f} ms after ({warm.warm_up_s:.1f} s)")


def measure_focus(
    size: int, graph: SyntheticGraph, nquads: Path, root: Path, options: Options, results: Results
) -> None:
    addition = graph.new_source(1000)
    path = options.work / f"g{size}" / "addition.nq"
    path.write_bytes(graph.source_nquads(addition))
    args = {
        "root": str(root),
        "nquads": str(nquads),
        "addition": str(path),
        "full": size <= options.compare_full_max,
        "write": not options.quick,
        "profile_check": 25 if options.profile and size == max(options.sizes) else 0,
    }
    record = run_task("focus-validation", args)[0]
    profile = record.pop("profile", None)
    if profile:
        name = f"WriteValidator.check of a new source at {size:,} triples (cProfile, cumulative)"
        results.profiles[name] = profile
    results.focus[size] = record
    log(
        f"  +{record['added_triples']} triples: {record['affected_nodes']} affected, {record['focus_nodes']} "
        f"judged on {record['neighbourhood_triples']:,} triples; check {record['check_s']:.2f} s "
        f"(affected {record['affected_s']:.2f}, neighbourhood {record['neighbourhood_s']:.2f}); full "
        f"{_fmt(record.get('full_s', math.nan))} s (+ store -> rdflib "
        f"{_fmt(record.get('store_to_rdflib_s', math.nan))} s); "
        f"same verdict {record.get('same_verdict', '-')}; "
        f"whole write {_fmt(record.get('write_s', math.nan))} s (POST /sources "
        f"{_fmt(record.get('http_write_s', math.nan))} s)"
    )


def measure_scale_out(size: int, nquads: Path, root: Path, options: Options, results: Results) -> None:
    if not _http.oxigraph_cli():
        return
    work = options.work / f"g{size}"
    location = work / "oxigraph-store"
    if not location.exists():
        _http.oxigraph_load(nquads, location)
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    with _http.running(_http.oxigraph_spec(location), logs / "scale-out-oxigraph.log") as oxigraph:
        env = {
            "MDKG_STORE": "remote",
            "MDKG_REMOTE_QUERY_URL": oxigraph.url,
            "MDKG_ROOT": str(root),
            "MDKG_BENCH_LOAD_ON_START": "0",
        }
        for workers in (1, 2):
            name = f"mdkg remote, {workers} uvicorn worker{'s' if workers > 1 else ''}"
            with _http.running(_http.factory_spec(name, workers, env), logs / "scale-out.log") as server:
                time.sleep(2.0 * workers)  # /healthz answers from the first worker up; let the others start
                for query_name in ("ASK", "two-join SELECT"):
                    cell = _http.measure_cell(
                        name,
                        server.url,
                        query_name,
                        8,
                        options.seconds,
                        options.max_requests,
                        options.request_timeout_s,
                    )
                    results.scale_out.append(cell)
                    log(
                        f"  {name}: {query_name} c=8 {cell.per_second:.1f}/s p50 {cell.p50_ms:.1f} ms "
                        f"errors {cell.errors}"
                    )
                results.scale_out_memory[name] = server.memory.peak_mb
        for query_name in ("ASK", "two-join SELECT"):
            cell = _http.measure_cell(
                "oxigraph serve (the shared store)",
                oxigraph.url,
                query_name,
                8,
                options.seconds,
                options.max_requests,
                options.request_timeout_s,
            )
            results.scale_out.append(cell)


# --------------------------------------------------------------------------- the report


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(b) and not math.isnan(a) else math.nan


def _slope(points: dict[int, float]) -> float:
    """Log-log slope between the smallest and the largest size: 1 is linear."""
    usable = {n: v for n, v in points.items() if v and not math.isnan(v) and v > 0}
    if len(usable) < 2:
        return math.nan
    low, high = min(usable), max(usable)
    return math.log(usable[high] / usable[low]) / math.log(high / low)


def _fmt(value: float, digits: int = 2) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _cell(cells: list[_http.Cell], server: str, query: str, concurrency: int) -> _http.Cell | None:
    return next(
        (c for c in cells if c.server == server and c.query == query and c.concurrency == concurrency), None
    )


@dataclass(frozen=True)
class Target:
    name: str
    goal: str
    measured: str
    met: bool | None


def targets(results: Results) -> list[Target]:
    found: list[Target] = []
    largest = max(results.build) if results.build else None
    if largest is not None:
        build = results.build[largest]
        ratio = _ratio(
            build["mdkg load (project files, as mdkg serve)"].median, build["raw pyoxigraph bulk_load"].median
        )
        contract = _ratio(
            build["mdkg store.load (same N-Quads)"].median, build["raw pyoxigraph bulk_load"].median
        )
        found.append(
            Target(
                f"load into the embedded store ({largest:,} triples)",
                "≤ 1.5x raw bulk_load",
                f"{ratio:.2f}x (project files); {contract:.2f}x (store.load of the N-Quads)",
                ratio <= 1.5,
            )
        )
    if results.named:
        size = max(results.named)
        ratios = [
            _ratio(statistics.median(r["mdkg"]), statistics.median(r["raw"]))
            for r in results.named[size]
            if not r.get("timeout")
        ]
        worst = max(ratios) if ratios else math.nan
        within = sum(1 for r in ratios if r <= 1.3)
        timeouts = [r["name"] for r in results.named[size] if r.get("timeout")]
        measured = (
            f"median {_fmt(statistics.median(ratios))}x, worst {_fmt(worst)}x; {within}/{len(ratios)} within"
        )
        if timeouts:
            measured += f"; no answer in budget: {', '.join(timeouts)}"
        found.append(
            Target(
                f"named-query p50 (SPARQL JSON) vs raw pyoxigraph, same JSON ({size:,} triples)",
                "≤ 1.3x",
                measured,
                worst <= 1.3 and not timeouts,
            )
        )
    if results.http:
        size = max(results.http)
        cells = results.http[size]
        for query, goal_text, check in (
            ("two-join SELECT", "≥ 1x oxigraph serve", lambda m, o, r: _ratio(m, o) >= 1.0),
            ("CONSTRUCT", "≥ 1x oxigraph serve", lambda m, o, r: _ratio(m, o) >= 1.0),
            (
                "ASK",
                "≥ 10x rdflib-endpoint and ≥ 0.1x oxigraph serve",
                lambda m, o, r: _ratio(m, r) >= 10 and _ratio(m, o) >= 0.1,
            ),
        ):
            mdkg = _cell(cells, "mdkg serve", query, 8)
            ox = _cell(cells, "oxigraph serve", query, 8)
            rdf = _cell(cells, "rdflib-endpoint", query, 8)
            m = mdkg.per_second if mdkg else math.nan
            o = ox.per_second if ox else math.nan
            r = rdf.per_second if rdf else math.nan
            measured = f"{_fmt(_ratio(m, o))}x oxigraph serve"
            if query == "ASK":
                measured += f", {_fmt(_ratio(m, r), 1)}x rdflib-endpoint"
            measured += f" ({m:.0f}/s vs {o:.0f}/s" + (f" vs {r:.1f}/s)" if query == "ASK" else ")")
            met = check(m, o, r)
            found.append(
                Target(
                    f"/sparql {query}, concurrency 8 ({size:,} triples)",
                    goal_text,
                    measured,
                    bool(met) if not (math.isnan(m) or math.isnan(o)) else None,
                )
            )
    if results.ready:
        built = results.ready.get("mdkg serve on the built store (median)", math.nan)
        first = results.ready.get("first start (builds the on-disk store)", math.nan)
        found.append(
            Target(
                "mdkg serve ready on a built on-disk store",
                "< 3 s",
                f"{built:.1f} s (/healthz and a /sparql answer through the query workers); "
                f"first start {_fmt(first, 1)} s",
                built < 3.0,
            )
        )
    if results.focus:
        size = max(results.focus)
        r = results.focus[size]
        compared = {n: x for n, x in results.focus.items() if "same_verdict" in x}
        verdicts = "; ".join(
            f"same verdict as a full validation at {n:,}: {x['same_verdict']} "
            f"(check {x['check_s']:.2f} s vs full {x['full_s'] + x['store_to_rdflib_s']:.1f} s)"
            for n, x in compared.items()
        )
        found.append(
            Target(
                f"validate a {r['added_triples']}-triple source added to {size:,} triples",
                "< 2 s, same verdict as full",
                f"WriteValidator.check {r['check_s']:.2f} s ({r['focus_nodes']:,} focus nodes judged on "
                f"{r['neighbourhood_triples']:,} triples; the whole POST /sources "
                f"{_fmt(r.get('http_write_s', math.nan))} s); {verdicts or 'not compared'}",
                r["check_s"] < 2.0 and r["full_validation_reason"] is None
                and all(x["same_verdict"] for x in compared.values()),
            )
        )
    slopes = slope_rows(results)
    if slopes:
        worst = max((t for _, t, _a in slopes if not math.isnan(t)), default=math.nan)
        # Beyond linear in the data, or in the answer when the answer itself grows faster.
        steep = [f"{name} ({_fmt(t)}; answer {_fmt(a)})" for name, t, a in slopes
                 if t > 1.15 and not (not math.isnan(a) and t <= max(1.0, a) + 0.15)]
        by_answer = [name for name, t, a in slopes if t > 1.15 and not math.isnan(a) and a > 1.15]
        measured = f"worst {_fmt(worst)}"
        measured += f"; beyond the growth of their answer: {', '.join(steep)}" if steep else \
            "; none grows faster than its answer"
        if by_answer:
            measured += f"; answer itself superlinear: {', '.join(by_answer)}"
        found.append(Target("growth 10k → 1M (log-log slope of the time)", "≤ 1 (linear)", measured,
                            None if math.isnan(worst) else not steep and worst <= 1.15))
    return found


def named_slope_rows(results: Results) -> list[tuple[str, float, float, float, float, float]]:
    """(query, slope of mdkg, raw, raw unordered, rdflib rows, answer rows) from 10k to 1M."""
    if len(results.named) < 2:
        return []
    found = []
    for name in sorted({r["name"] for records in results.named.values() for r in records}):
        points: dict[str, dict[int, float]] = {k: {} for k in ("mdkg", "raw", "raw_unordered", "rows_path")}
        answers: dict[int, float] = {}
        for size, records in results.named.items():
            record = next((r for r in records if r["name"] == name and not r.get("timeout")), None)
            for side, by_size in points.items():
                by_size[size] = statistics.median(record[side]) if record and record.get(side) else math.nan
            answers[size] = float(record["rows"]) if record else math.nan
        found.append((name, *(_slope(points[k]) for k in ("mdkg", "raw", "raw_unordered", "rows_path")),
                      _slope(answers)))
    return found


def slope_rows(results: Results) -> list[tuple[str, float, float]]:
    """(measure, slope of its time, slope of its output rows) from the smallest to the largest size.

    A query whose answer itself grows faster than the data (a cross product per party) cannot be
    linear whatever the engine; the second slope tells that apart from an engine's non-linearity.
    """
    rows: list[tuple[str, float, float]] = []
    if len(results.build) >= 2:
        steps = next(iter(results.build.values())).keys()
        for step in steps:
            rows.append((step, _slope({n: b[step].median for n, b in results.build.items()}), math.nan))
    if len(results.validation) >= 2:
        rows.append(("validate_files", _slope({n: v["seconds"] for n, v in results.validation.items()}),
                     math.nan))
    names = {r["name"] for records in results.named.values() for r in records}
    for name in sorted(names):
        times, answers = {}, {}
        for size, records in results.named.items():
            record = next((r for r in records if r["name"] == name and not r.get("timeout")), None)
            times[size] = statistics.median(record["mdkg"]) if record else math.nan
            answers[size] = float(record["rows"]) if record else math.nan
        rows.append((f"named query {name}", _slope(times), _slope(answers)))
    return rows


def render(results: Results) -> str:
    o = results.options
    versions = {
        name: _version(name)
        for name in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "pyshacl", "fastapi", "uvicorn")
    }
    lines = [
        f"# mdkg benchmark, {results.started:%Y-%m-%d %H:%M} UTC",
        "",
        f"Mode: {'quick' if o.quick else 'full'}; sizes {', '.join(f'{n:,}' for n in o.sizes)} triples; "
        f"seed {DEFAULT_SEED}; {o.repeat} repetitions (medians, min and max); HTTP cells {o.seconds:g} s or "
        f"{o.max_requests} requests, request timeout {o.request_timeout_s:g} s.",
        f"Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        "",
        "Client and servers share the machine (loopback): on 2 cores the client's own CPU shows in the "
        "cheapest queries. Load average (1 min) at the start and the end of the run: "
        f"{results.load_average[0]:.1f}, {_fmt(results.load_average[1], 1)} (other work on the machine "
        "shows there; steps are interleaved so that it hits both sides of a ratio alike).",
        "",
    ]
    lines += ["## Targets", "", "| target | goal | measured | met |", "|---|---|---|---|"]
    for target in targets(results):
        met = {True: "yes", False: "**no**", None: "n/a"}[target.met]
        lines.append(f"| {target.name} | {target.goal} | {target.measured} | {met} |")
    lines += [
        "",
        "## Graphs",
        "",
        "| target triples | quads (with ontology) | source graphs |",
        "|---:|---:|---:|",
    ]
    for size, info in results.graphs.items():
        lines.append(f"| {size:,} | {info['quads']:,} | {info['sources']:,} |")
    if results.build:
        lines += [
            "",
            "## Build: load and validate",
            "",
            "| triples | step | median s | min | max | ratio to raw | peak MB |",
            "|---:|---|---:|---:|---:|---:|---:|",
        ]
        for size, steps in results.build.items():
            raw = steps["raw pyoxigraph bulk_load"].median
            for name, stat in steps.items():
                lines.append(
                    f"| {size:,} | {name} | {stat.median:.2f} | {stat.low:.2f} | {stat.high:.2f} | "
                    f"{_ratio(stat.median, raw):.2f} | {results.build_memory[size][name]:.0f} |"
                )
            if size in results.validation:
                v = results.validation[size]
                lines.append(
                    f"| {size:,} | validate_files (pyshacl, whole dataset) | {v['seconds']:.2f} | | | "
                    f"{_ratio(v['seconds'], raw):.1f} | {v['peak_mb']:.0f} |"
                )
        skipped = [n for n in results.build if n not in results.validation]
        if skipped:
            lines.append("")
            lines.append(
                f"Full validation skipped at {', '.join(f'{n:,}' for n in skipped)} triples "
                f"(over --validate-max {o.validate_max:,}); see the slope."
            )
    for size, records in results.named.items():
        lines += [
            "",
            f"## Named queries at {size:,} triples",
            "",
            "mdkg: the SPARQL JSON answer as the service writes it (`answer_named_query`); raw: the same "
            "text on the same pyoxigraph store, written as SPARQL JSON by pyoxigraph. Beside them: the "
            "rows as rdflib terms (`run_named_query`, the Python API) and the raw text without its "
            "`ORDER BY` (what the sort costs).",
            "",
            "| query | rows | mdkg p50 ms (min–max) | raw p50 ms (min–max) | ratio | rdflib rows p50 ms "
            "| ratio | raw unordered p50 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in records:
            if r.get("timeout"):
                lines.append(f"| {r['name']} | | no answer within {NAMED_QUERY_TIMEOUT_S:g} s | | | | | |")
                continue
            m, x = Stat(r["mdkg"]), Stat(r["raw"])
            rows_path = Stat(r.get("rows_path") or [math.nan])
            unordered = Stat(r.get("raw_unordered") or [math.nan])
            lines.append(
                f"| {r['name']} | {r['rows']} | "
                f"{1000 * m.median:.1f} ({1000 * m.low:.1f}–{1000 * m.high:.1f}) "
                f"| {1000 * x.median:.1f} ({1000 * x.low:.1f}–{1000 * x.high:.1f}) | "
                f"{_ratio(m.median, x.median):.2f} | {_fmt(1000 * rows_path.median, 1)} | "
                f"{_fmt(_ratio(rows_path.median, x.median))} | {_fmt(1000 * unordered.median, 1)} |"
            )
    slopes = slope_rows(results)
    if slopes:
        lines += [
            "",
            "## Growth",
            "",
            "Log-log slope of the median time from the smallest to the largest size "
            "(1 = linear, 2 = quadratic).",
            "",
            "| measure | slope of the time | slope of the answer (rows) |",
            "|---|---:|---:|",
        ]
        lines += [f"| {name} | {_fmt(slope)} | {_fmt(answer)} |" for name, slope, answer in slopes]
    named_slopes = named_slope_rows(results)
    if named_slopes:
        lines += [
            "",
            "### Growth of the named queries, both sides",
            "",
            "Log-log slope of the median time from the smallest to the largest size. An `ORDER BY` adds "
            "n log n (about 1.1 from 10k to 1M); the unordered column shows the engine without it.",
            "",
            "| query | mdkg | raw | raw unordered | rdflib rows | answer (rows) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [f"| {name} | " + " | ".join(_fmt(s) for s in slopes_of) + " |"
                  for name, *slopes_of in named_slopes]
    for size, cells in results.http.items():
        lines += [
            "",
            f"## HTTP at {size:,} triples",
            "",
            "| server | query | concurrency | answers/s | p50 ms | p99 ms | errors | timeouts |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {c.server} | {c.query} | {c.concurrency} | {c.per_second:.1f} | {c.p50_ms:.2f} | "
            f"{c.p99_ms:.2f} | {c.errors} | {c.timeouts} |"
            for c in cells
        ]
        lines += [
            "",
            "| query | concurrency | mdkg / oxigraph serve | mdkg / rdflib-endpoint |",
            "|---|---:|---:|---:|",
        ]
        for query in _http.QUERIES:
            for concurrency in (1, 8):
                mdkg = _cell(cells, "mdkg serve", query, concurrency)
                ox = _cell(cells, "oxigraph serve", query, concurrency)
                rdf = _cell(cells, "rdflib-endpoint", query, concurrency)
                m = mdkg.per_second if mdkg else math.nan
                lines.append(
                    f"| {query} | {concurrency} | {_fmt(_ratio(m, ox.per_second if ox else math.nan))} | "
                    f"{_fmt(_ratio(m, rdf.per_second if rdf else math.nan), 1)} |"
                )
        lines += [
            "",
            "| server | ready after start, s (load included) | peak memory MB (with child processes) |",
            "|---|---:|---:|",
        ]
        for name, peak in results.http_memory[size].items():
            lines.append(f"| {name} | {results.http_ready[size].get(name, math.nan):.1f} | {peak:.0f} |")
    if results.ready:
        lines += ["", "## Ready time on an on-disk store", "", "| start | ready after, s |", "|---|---:|"]
        lines += [f"| {label} | {seconds:.2f} |" for label, seconds in results.ready.items()]
    if results.focus:
        lines += [
            "",
            "## Incremental validation of a new source",
            "",
            "`check` is `mdkg.writes.WriteValidator.check` on the pyoxigraph store after the addition, as a "
            "write runs it: the nodes the shapes can see change (`mdkg.shape_reach`), the targeted ones "
            "judged by pyshacl on their neighbourhood cut from the store. `full` converts the store to "
            "rdflib and validates it all. `write` is the whole validated write: `Writer.add_source` "
            "(staging, check, commit), and `POST /sources` through the app in process (no query workers).",
            "",
            "| triples | added | affected | judged | neighbourhood triples | affected s | neighbourhood s | "
            "check s | store → rdflib s | full s | write s | POST /sources s | "
            "same results on judged nodes / same verdict |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for size, r in results.focus.items():
            lines.append(
                f"| {size:,} | {r['added_triples']} | {r['affected_nodes']:,} | {r['focus_nodes']:,} | "
                f"{r['neighbourhood_triples']:,} | {r['affected_s']:.2f} | {r['neighbourhood_s']:.2f} | "
                f"{r['check_s']:.2f} | {_fmt(r.get('store_to_rdflib_s', math.nan))} | "
                f"{_fmt(r.get('full_s', math.nan))} | {_fmt(r.get('write_s', math.nan))} | "
                f"{_fmt(r.get('http_write_s', math.nan))} | "
                f"{r.get('same_results', 'n/a')} / {r.get('same_verdict', 'n/a')} |"
            )
    if results.scale_out:
        lines += [
            "",
            "## Scale-out: uvicorn workers over one oxigraph serve (remote store)",
            "",
            "| server | query | concurrency | answers/s | p50 ms | p99 ms | errors |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {c.server} | {c.query} | {c.concurrency} | {c.per_second:.1f} | {c.p50_ms:.2f} | "
            f"{c.p99_ms:.2f} | {c.errors} |"
            for c in results.scale_out
        ]
        lines += ["", "| mdkg server | peak memory MB |", "|---|---:|"]
        lines += [f"| {name} | {peak:.0f} |" for name, peak in results.scale_out_memory.items()]
    if results.profiles:
        lines += ["", "## Profiles", ""]
        for name, text in results.profiles.items():
            lines += [f"### {name}", "", "```", text.strip(), "```", ""]
    if results.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in results.notes]
    return "\n".join(lines) + "\n"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def update_readme(results: Results, results_file: Path) -> None:
    text = README.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        log(f"README has no {README_START} ... {README_END} block: not updated")
        return
    rows = ["| target | goal | measured | met |", "|---|---|---|---|"]
    for target in targets(results):
        met = {True: "yes", False: "**no**", None: "n/a"}[target.met]
        rows.append(f"| {target.name} | {target.goal} | {target.measured} | {met} |")
    relative = results_file.relative_to(REPO_ROOT)
    block = "\n".join(
        [
            README_START,
            f"Latest run: [{relative}]({relative}) ({results.started:%Y-%m-%d}, "
            f"{os.cpu_count()} CPUs, sizes {', '.join(f'{n:,}' for n in results.options.sizes)}).",
            "",
            *rows,
            README_END,
        ]
    )
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    README.write_text(before + block + after, encoding="utf-8")


# --------------------------------------------------------------------------- main


def parse_options(argv: list[str] | None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10k triples, few repetitions (about a minute)")
    parser.add_argument("--sizes", help="comma-separated target triples (default 10000,100000,1000000)")
    parser.add_argument("--repeat", type=int, help="repetitions of each timed step (default 5; quick 2)")
    parser.add_argument("--seconds", type=float, help="length of one HTTP cell (default 4; quick 0.5)")
    parser.add_argument("--out-dir", type=Path, default=RESULTS_DIR, help="where <date>.md goes")
    parser.add_argument(
        "--readme",
        choices=("auto", "yes", "no"),
        default="auto",
        help="update the README table (auto: full runs only)",
    )
    parser.add_argument(
        "--work", type=Path, help="keep generated data and logs here (default: a temp folder)"
    )
    parser.add_argument("--skip", default="", help="sections to skip: build,named,http,ready,focus,scale-out")
    parser.add_argument("--only", default="", help="run only these sections (same names as --skip)")
    parser.add_argument("--no-profile", action="store_true", help="no cProfile of the load")
    arguments = parser.parse_args(argv)
    quick = arguments.quick
    sizes = (
        [int(s) for s in arguments.sizes.split(",")]
        if arguments.sizes
        else [10_000]
        if quick
        else [10_000, 100_000, 1_000_000]
    )
    options = Options(
        sizes=sizes,
        repeat=arguments.repeat or (2 if quick else 5),
        seconds=arguments.seconds or (0.5 if quick else 4.0),
        max_requests=2_000 if quick else 20_000,
        request_timeout_s=5.0 if quick else 30.0,
        named_budget_s=3.0 if quick else 10.0,
        validate_max=100_000,
        compare_full_max=10_000,
        http_sizes=[max(sizes)],
        rdflib_max=1_000_000,
        rdflib_heavy_max=100_000,
        work=arguments.work or Path(tempfile.mkdtemp(prefix="mdkg-bench-")),
        profile=not arguments.no_profile and not quick,
        quick=quick,
    )
    return options, arguments


def main(argv: list[str] | None = None) -> int:
    # A terminated run still stops its servers (each runs in a session of its own).
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(143))
    options, arguments = parse_options(argv)
    skip = {s.strip() for s in arguments.skip.split(",") if s.strip()}
    if arguments.only:
        only = {s.strip() for s in arguments.only.split(",") if s.strip()}
        skip |= {"build", "named", "http", "ready", "focus", "scale-out"} - only
    results = Results(options, dt.datetime.now(dt.UTC))
    begin = time.perf_counter()
    log(f"mdkg benchmark: sizes {options.sizes}, work folder {options.work}")
    try:
        for size in options.sizes:
            clock = time.perf_counter()
            graph, nquads, root = prepare(size, options)
            results.graphs[size] = {"quads": graph.quad_count, "sources": len(graph.sources)}
            log(
                f"\n== {graph.quad_count:,} quads ({len(graph.sources)} sources), generated in "
                f"{time.perf_counter() - clock:.1f} s"
            )
            if "build" not in skip:
                measure_build(size, nquads, root, options, results)
            if "named" not in skip:
                measure_named(size, nquads, root, options, results)
            if "focus" not in skip and (size == max(options.sizes) or size <= options.compare_full_max):
                measure_focus(size, graph, nquads, root, options, results)
            if size in options.http_sizes:
                if "http" not in skip:
                    measure_http(size, nquads, root, options, results)
                if "ready" not in skip:
                    measure_ready(size, root, options, results)
                if "scale-out" not in skip:
                    measure_scale_out(size, nquads, root, options, results)
            del graph
    finally:
        if arguments.work is None:
            shutil.rmtree(options.work, ignore_errors=True)
    results.notes.append(f"The whole run took {time.perf_counter() - begin:.0f} s.")
    results.load_average[1] = os.getloadavg()[0]
    arguments.out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if options.quick else "-partial" if skip or arguments.sizes else ""
    out = arguments.out_dir / f"{results.started:%Y-%m-%d}{suffix}.md"
    out.write_text(render(results), encoding="utf-8")
    log(f"\nwrote {out}")
    if arguments.readme == "yes" or (arguments.readme == "auto" and not suffix):
        update_readme(results, out)
    print()
    print(out.read_text(encoding="utf-8").split("## Graphs")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
