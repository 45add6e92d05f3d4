"""The bounded load test (``bench/load_test.py``), run briefly: 4 clients for 5 s while two runaway
queries run against a server of its own on 127.0.0.1.

Asserted: every normal request (named queries, ``/sparql`` queries, resource pages) and every health
probe got 200; the runaways got only 504 (stopped at the deadline) or 503 (every worker busy),
and at least one was stopped; nothing written was lost, when the service takes writes. The figures
(throughput, p50 and p99) are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).parents[2] / "bench" / "load_test.py"
RUN_TIMEOUT_S = 300


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mdkg_load_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


load_test = _load_script()


def _run_script(*arguments: str) -> tuple[int, str]:
    process = subprocess.Popen([sys.executable, str(SCRIPT), *arguments], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # the script stops its server on SIGTERM
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"the load test ran past {RUN_TIMEOUT_S} s:\n{output}")
    return process.returncode, output


def _writes_exist() -> bool:
    return importlib.util.find_spec("mdkg.web.writes") is not None


def test_a_brief_load_while_runaway_queries_run(tmp_path: Path) -> None:
    summary_file = tmp_path / "summary.json"
    # Workers: two per runaway (one running it, one being started in place of the one killed at the
    # deadline) and two for everyone else.
    status, output = _run_script("--clients", "4", "--seconds", "5", "--runaways", "2", "--deadline", "5",
                                 "--workers", "6", "--write-interval", "1", "--json", str(summary_file))
    print(output)
    summary: dict[str, Any] = json.loads(summary_file.read_text(encoding="utf-8"))
    kinds = summary["kinds"]
    for kind in (*load_test.NORMAL_KINDS, "healthz"):
        assert kinds[kind]["requests"] > 0, kind
        assert kinds[kind]["statuses"] == {"200": kinds[kind]["requests"]}, (kind, kinds[kind])
    runaway_statuses: dict[str, int] = {}
    for kind in load_test.RUNAWAY_QUERIES:
        assert set(kinds[kind]["statuses"]) <= {"503", "504"}, (kind, kinds[kind])
        for code, count in kinds[kind]["statuses"].items():
            runaway_statuses[code] = runaway_statuses.get(code, 0) + count
    assert runaway_statuses.get("504", 0) > 0, "no runaway query was stopped at its deadline"
    writes = summary["writes"]
    if _writes_exist():
        assert writes["checked"], writes["skipped_because"]
        assert writes["acknowledged"] > 0 and not writes["refused"], writes
    assert writes["lost"] == []
    assert status == 0 and "problems: none" in output


# --- the script's own reckoning -----------------------------------------------------------------------

def test_percentiles_are_nearest_rank() -> None:
    tally = load_test.Tally()
    for milliseconds in range(1, 101):
        tally.record(200, milliseconds / 1000)
    assert (tally.percentile_ms(50), tally.percentile_ms(99), tally.percentile_ms(100)) == (50.0, 99.0, 100.0)
    assert load_test.Tally().percentile_ms(50) is None


def _summary(kinds: dict[str, dict[str, int]], lost: list[int] | None = None) -> dict[str, Any]:
    return {"kinds": {kind: {"requests": sum(statuses.values()), "statuses": statuses}
                      for kind, statuses in kinds.items()},
            "writes": {"lost": lost or []}}


def test_problems_are_normal_failures_unexpected_errors_and_lost_writes() -> None:
    healthy = {"named-query": {"200": 3}, "sparql": {"200": 3}, "resource-page": {"200": 2},
               "runaway-cartesian": {"504": 2, "503": 1}, "runaway-path": {"504": 1}, "write": {"204": 4}}
    assert load_test.problems(_summary(healthy)) == []
    assert load_test.problems(_summary({**healthy, "sparql": {"200": 2, "503": 1}})) == [
        "sparql: 1 answered 503"]
    assert load_test.problems(_summary({**healthy, "runaway-path": {"500": 1}})) == [
        "runaway-path: 1 answered 500"]
    assert load_test.problems(_summary({**healthy, "named-query": {"ReadTimeout": 1}})) == [
        "named-query: 1 answered ReadTimeout"]
    assert load_test.problems(_summary({**healthy, "resource-page": {}})) == [
        "resource-page: no request was made"]
    assert load_test.problems(_summary(healthy, lost=[3, 7])) == ["writes: 2 acknowledged writes are missing"]


def test_only_loopback_servers_are_driven() -> None:
    load_test._require_loopback("http://127.0.0.1:8000")
    load_test._require_loopback("http://localhost:8000")
    load_test._require_loopback("http://[::1]:8000")
    for url in ("http://10.0.0.1:8000", "http://example.org", "http://192.168.1.2"):
        with pytest.raises(SystemExit, match="loopback"):
            load_test._require_loopback(url)
