"""``bench/run.py``: the quick run end to end (a smoke test, no timing asserted), and the README block."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
from bench import run  # noqa: E402


def test_quick_run_measures_every_section_and_writes_its_results(tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    finished = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out-dir", str(out), "--readme", "no",
         "--work", str(tmp_path / "work")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-4000:]
    written = list(out.glob("*-quick.md"))
    assert len(written) == 1
    report = written[0].read_text(encoding="utf-8")
    for heading in ("## Targets", "## Build: load and validate", "## Named queries at 10,000 triples",
                    "## HTTP at 10,000 triples", "## Ready time on an on-disk store",
                    "## Incremental validation of a new source", "## Scale-out"):
        assert heading in report, heading
    targets = report.split("## Targets", 1)[1].split("\n## ", 1)[0]
    for target in ("load into the embedded store", "named-query p50", "/sparql two-join SELECT",
                   "/sparql CONSTRUCT", "/sparql ASK", "ready on a built on-disk store", "validate a "):
        assert target in targets, target
    # Every named query of queries/ was run on both sides, and the generated data conformed.
    named = report.split("## Named queries at 10,000 triples", 1)[1].split("\n## ", 1)[0]
    for query in (REPO_ROOT / "queries").glob("*.rq"):
        assert f"| {query.stem} |" in named, query.stem
    assert "| 10,000 | validate_files" in report
    # A new source validated on the nodes it touches gets the verdict of a full validation.
    focus = report.split("## Incremental validation of a new source", 1)[1].split("\n## ", 1)[0]
    focus_row = next(line for line in focus.splitlines() if line.startswith("| 10,000 |"))
    assert focus_row.rstrip().endswith("/ True |"), focus_row
    http = report.split("## HTTP at 10,000 triples", 1)[1].split("\n## ", 1)[0]
    assert "| mdkg serve | ASK | 8 |" in http
    assert "| oxigraph serve | two-join SELECT | 1 |" in http


def test_the_readme_block_is_replaced_and_nothing_else(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n\n{run.README_START}\nold table\n{run.README_END}\n\nafter\n",
                      encoding="utf-8")
    monkeypatch.setattr(run, "README", readme)
    monkeypatch.setattr(run, "REPO_ROOT", tmp_path)
    options, _ = run.parse_options(["--quick", "--work", str(tmp_path / "work")])
    results = run.Results(options, run.dt.datetime(2026, 1, 2, tzinfo=run.dt.UTC))
    results.build[10_000] = {"raw pyoxigraph bulk_load": run.Stat([1.0, 1.2]),
                             "mdkg load (project files, as mdkg serve)": run.Stat([2.0, 2.2]),
                             "mdkg store.load (same N-Quads)": run.Stat([1.4, 1.6])}
    run.update_readme(results, tmp_path / "bench" / "results" / "2026-01-02.md")
    text = readme.read_text(encoding="utf-8")
    assert "old table" not in text
    assert text.startswith("# title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert "| load into the embedded store (10,000 triples) | ≤ 1.5x raw bulk_load | 1.91x" in text
    assert "bench/results/2026-01-02.md" in text
