"""The notebooks of ``notebooks/``: committed without outputs, each running top to bottom on the bundled
graph.

Each notebook is executed by nbclient in a kernel started with this interpreter (the project's venv),
whatever kernels the machine has registered: the kernel spec is written to a temporary folder. A probe
cell appended to the executed copy reports the notebook's own variables as JSON, so the tests check
what the notebook computed rather than how its tables print.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from mdkg import Client
from mdkg.queries import NamedQueryLibrary
from mdkg.settings import Settings
from nbclient import NotebookClient
from nbformat import NotebookNode

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
KERNEL_NAME = "mdkg-test-venv"
PROBE_MARK = "MDKG-PROBE "
CELL_TIMEOUT_S = 120

PROBES = {
    "quickstart": """{
        "strict_rows": len(strict),
        "framework_parties": sorted(with_frameworks["partyLabel"]),
        "framework_kinds": sorted(with_frameworks["agreementKind"].dropna()),
        "catalogue": sorted(catalogue["name"]),
        "answered": sorted(answers),
    }""",
    "network-analysis": """{
        "actors": len(actors),
        "links": len(links),
        "top_betweenness": ranking.iloc[0]["actor"],
        "united_states_arrangements": int(centrality.loc["https://w3id.org/mdkg/id/united-states",
                                                         "arrangements"]),
        "png_head": list(png.getvalue()[:8]),
        "png_bytes": len(png.getvalue()),
        "backend": matplotlib.get_backend(),
    }""",
    "provenance-audit": """{
        "facts": int(facts["fact"].nunique()),
        "quotes": len(facts),
        "unsupported": len(unsupported),
        "checked": quote_check is not None,
        "not_found": None if quote_check is None else int((quote_check["found"] == "NOT FOUND").sum()),
        "sha256_matches": None if checksums is None else checksums["sha256 matches"].tolist(),
        "counts": sorted([int(s), int(n)] for s, n in zip(counts["stated"], counts["named"])),
    }""",
}


@dataclass
class Run:
    notebook: NotebookNode
    probe: dict[str, Any]


def _kernel_manager(kernel_dir: Path, env: dict[str, str]) -> KernelManager:
    spec_dir = kernel_dir / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "mdkg test kernel",
        "language": "python",
        "env": {"MPLBACKEND": "Agg", **env},
    }))
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    # Unix sockets in the temporary folder: the kernel opens no TCP port at all.
    return KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs, transport="ipc",
                         ip=str(kernel_dir / "kernel-ipc"))


def execute(name: str, kernel_dir: Path, env: dict[str, str] | None = None) -> Run:
    """Run ``notebooks/<name>.ipynb`` plus its probe cell; any cell error fails the run."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    report = f"import json as _json\nprint({PROBE_MARK!r} + _json.dumps({PROBES[name]}))"
    probe = nbformat.v4.new_code_cell(report)
    notebook.cells.append(probe)
    runner = NotebookClient(notebook, km=_kernel_manager(kernel_dir, env or {}), timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    runner.execute()
    printed = "".join(output.get("text", "") for output in notebook.cells[-1].outputs
                      if output.get("output_type") == "stream")
    line = next(line for line in printed.splitlines() if line.startswith(PROBE_MARK))
    return Run(notebook, json.loads(line[len(PROBE_MARK):]))


_RUNS = pytest.StashKey[dict[str, Run]]()


@pytest.fixture(scope="session")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kernels")


def _executed(name: str, request: pytest.FixtureRequest, kernel_dir: Path) -> Run:
    """Each notebook runs once per session, whichever tests look at it."""
    runs = request.config.stash.setdefault(_RUNS, {})
    if name not in runs:
        runs[name] = execute(name, kernel_dir)
    return runs[name]


@pytest.fixture(params=sorted(PROBES))
def run(request: pytest.FixtureRequest, kernel_dir: Path) -> Run:
    return _executed(request.param, request, kernel_dir)


@pytest.fixture
def quickstart(request: pytest.FixtureRequest, kernel_dir: Path) -> Run:
    return _executed("quickstart", request, kernel_dir)


@pytest.fixture
def network(request: pytest.FixtureRequest, kernel_dir: Path) -> Run:
    return _executed("network-analysis", request, kernel_dir)


@pytest.fixture
def provenance(request: pytest.FixtureRequest, kernel_dir: Path) -> Run:
    return _executed("provenance-audit", request, kernel_dir)


@pytest.fixture(scope="module")
def bundled() -> Iterator[Client]:
    with Client() as client:
        yield client


# --- as committed --------------------------------------------------------------------------------------

def _committed() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_three_notebooks_are_there() -> None:
    assert {path.stem for path in _committed()} >= set(PROBES)


@pytest.mark.parametrize("path", _committed(), ids=lambda path: path.name)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [], f"{path.name} cell {cell.get('id')} has outputs"
        assert cell.execution_count is None, f"{path.name} cell {cell.get('id')} has an execution count"
    assert any(cell.cell_type == "markdown" for cell in notebook.cells)


@pytest.mark.parametrize("path", _committed(), ids=lambda path: path.name)
def test_notebook_code_reaches_for_no_web_address(path: Path) -> None:
    cells = nbformat.read(path, as_version=4).cells
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    assert "http://" not in code.replace("http://www.w3.org/", "").replace("http://purl.org/", "")
    assert "https://" not in code.replace("https://w3id.org/mdkg/", "")


# --- executed ------------------------------------------------------------------------------------------

def test_every_notebook_runs_without_errors(run: Run) -> None:
    for cell in run.notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output
            if output.get("name") == "stderr":
                assert "Traceback" not in output.get("text", "")


def test_quickstart_strict_answer_is_empty_and_frameworks_bring_in_japan(quickstart: Run) -> None:
    assert quickstart.probe["strict_rows"] == 0
    assert "Japan" in quickstart.probe["framework_parties"]
    assert "framework" in quickstart.probe["framework_kinds"]


def test_quickstart_runs_every_named_query_it_lists(quickstart: Run) -> None:
    settings = Settings()
    broken = NamedQueryLibrary.from_dir(settings.queries_dir, strict=False).errors
    names = sorted(path.stem for path in settings.queries_dir.glob("*.rq") if path.stem not in broken)
    assert quickstart.probe["catalogue"] == names
    assert set(quickstart.probe["answered"]) <= set(names)
    assert "mou-and-ustr-action-plan" in quickstart.probe["answered"]


def test_network_centrality_and_plot(network: Run, bundled: Client) -> None:
    probe = network.probe
    assert probe["top_betweenness"] == "United States"
    agreements_of_us = bundled.sparql(
        "PREFIX mdo: <https://w3id.org/mdkg/ontology#> PREFIX id: <https://w3id.org/mdkg/id/> "
        "SELECT DISTINCT ?a WHERE { GRAPH ?g { ?a mdo:party id:united-states } }")
    assert probe["united_states_arrangements"] > len(agreements_of_us) > 0  # plus the forum and initiative
    assert probe["png_head"] == list(b"\x89PNG\r\n\x1a\n")
    assert probe["png_bytes"] > 10_000
    assert probe["backend"].lower() == "agg"
    assert probe["actors"] > 20


def test_provenance_audit_covers_every_quote(provenance: Run, bundled: Client) -> None:
    quoted = bundled.sparql(
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX mdo: <https://w3id.org/mdkg/ontology#> "
        "PREFIX oa: <http://www.w3.org/ns/oa#> "
        "SELECT DISTINCT ?fact ?quote WHERE { GRAPH ?g { ?fact prov:wasDerivedFrom ?s ; "
        "mdo:evidence/oa:exact ?quote } }")
    assert provenance.probe["quotes"] == len(quoted)
    assert provenance.probe["facts"] == quoted["fact"].nunique()
    assert provenance.probe["unsupported"] == 0
    assert [54, 17] in provenance.probe["counts"] and [11, 10] in provenance.probe["counts"]


def test_provenance_audit_checks_quotes_against_the_texts(provenance: Run) -> None:
    if not Settings().sources_dir.is_dir():
        pytest.skip("the source texts (../shared/sources) are not beside this checkout")
    assert provenance.probe["checked"] is True
    assert provenance.probe["not_found"] == 0
    assert provenance.probe["sha256_matches"] and all(provenance.probe["sha256_matches"])


def test_provenance_audit_skips_the_text_check_without_texts(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    skipped = execute("provenance-audit", tmp_path / "kernels", {"MDKG_SOURCES_DIR": str(absent)})
    assert skipped.probe["checked"] is False
    assert skipped.probe["sha256_matches"] is None
    assert skipped.probe["unsupported"] == 0
