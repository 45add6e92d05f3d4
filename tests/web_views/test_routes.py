"""The editor page at /sparql, the vendored files, the network data, and the chart parts of named-query
pages, through the app (no browser: tests/browser drives the pages themselves)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web import editor
from mdkg.web.app import create_app

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
BASE = "http://127.0.0.1:8000/"

TINY = """
@prefix mdo: <https://w3id.org/mdkg/ontology#> .
@prefix id: <https://w3id.org/mdkg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:a a mdo:State ; rdfs:label "Aland"@en .
id:b a mdo:State ; rdfs:label "Borduria"@en .
id:c a mdo:State ; rdfs:label "Carpania"@en .
id:summit a mdo:Ministerial ; rdfs:label "Summit"@en ; mdo:date "2026-02-04"^^xsd:date .
id:forum a mdo:Forum ; rdfs:label "Forum"@en ; mdo:launchedAt id:summit .
id:mou a mdo:MemorandumOfUnderstanding ; rdfs:label "A-B MOU"@en ; mdo:party id:a, id:b ;
    mdo:signedOn "2025-10"^^xsd:gYearMonth .
id:old a mdo:MemorandumOfUnderstanding ; rdfs:label "Old MOU"@en ; mdo:party id:c .
id:delegation-a a mdo:Delegation ; mdo:delegationOf id:a ; mdo:atEvent id:summit .
id:chair a mdo:ChairTerm ; mdo:chair id:b ; mdo:chairOf id:forum ; mdo:termThrough "2026-06"^^xsd:gYearMonth .
"""


def _tiny_store() -> OxigraphStore:
    settings = Settings(load_on_start=False)
    store = OxigraphStore()
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        store.load(path.read_bytes(), media_type="text/turtle", graph="https://w3id.org/mdkg/graph/ontology")
    store.load(TINY, media_type="text/turtle", graph="https://w3id.org/mdkg/graph/source/tiny")
    return store


@pytest.fixture(scope="module")
def tiny() -> Iterator[TestClient]:
    store = _tiny_store()
    with TestClient(create_app(Settings(load_on_start=False), store=store)) as client:
        yield client
    store.close()


@pytest.fixture(scope="module")
def project() -> Iterator[TestClient]:
    """The project's own dataset, served under a base that is not the canonical one."""
    store = OxigraphStore()
    with TestClient(create_app(Settings(load_on_start=True, base_iri=BASE), store=store)) as client:
        yield client
    store.close()


def _embedded_json(html: str, element_id: str) -> Any:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert found, f"no #{element_id} in the page"
    return json.loads(found.group(1))


def _editor_config(client: TestClient) -> Any:
    return _embedded_json(client.get("/sparql", headers={"accept": "text/html"}).text, "mdkg-editor-config")


# --- the editor ---------------------------------------------------------------------------------------

def test_a_browser_gets_the_editor_with_every_named_query(project: TestClient) -> None:
    response = project.get("/sparql", headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    config = _embedded_json(response.text, "mdkg-editor-config")
    listed = {q["name"] for q in project.get("/queries.json").json()["queries"]}
    assert {e["name"] for e in config["examples"]} == listed and listed
    assert config["endpoint"] == "/sparql"
    # Under this deployment's base, the prefixes and the examples use its IRIs.
    assert config["prefixes"]["mdo"] == BASE + "ontology#"
    assert all("https://w3id.org/mdkg/" not in e["sparql"] for e in config["examples"])
    assert BASE + "ontology#" in config["starterQuery"]


def test_an_example_says_its_parameters_are_free(project: TestClient) -> None:
    config = _editor_config(project)
    example = next(e for e in config["examples"] if e["name"] == "ministerial-delegations")
    assert "?event" in example["sparql"].splitlines()[2] and "unbound" in example["sparql"]


def test_the_editor_answer_from_the_starter_query_runs(project: TestClient) -> None:
    config = _editor_config(project)
    response = project.post("/sparql", data={"query": config["starterQuery"]},
                            headers={"accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"]


@pytest.mark.parametrize(("headers", "params"), [
    ({}, {}),
    ({"accept": "*/*"}, {}),
    ({"accept": "text/turtle, text/html;q=0.5"}, {}),
    ({"accept": BROWSER_ACCEPT}, {"format": "turtle"}),
])
def test_programs_still_get_the_service_description(project: TestClient, headers: dict[str, str],
                                                     params: dict[str, str]) -> None:
    response = project.get("/sparql", headers=headers, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "sd:Service" in response.text or "ns/sparql-service-description" in response.text


def test_a_browser_with_a_query_gets_results_not_the_editor(project: TestClient) -> None:
    response = project.get("/sparql", params={"query": "ASK {}"}, headers={"accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert not response.headers["content-type"].startswith("text/html")


def test_without_the_bundles_the_editor_says_how_to_build_them(project: TestClient, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mdkg.web._vendor.VENDOR_DIR", tmp_path / "absent")
    html = project.get("/sparql", headers={"accept": "text/html"}).text
    assert "make install" in html and "yasgui.min.js" not in html


# --- vendored files and the icon ------------------------------------------------------------------

def test_vendored_files_are_served_from_the_one_folder(project: TestClient, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "lib.js").write_text("window.lib = 1;\n")
    (tmp_path.parent / "secret.txt").write_text("not for the web\n")
    monkeypatch.setattr(editor, "VENDOR_DIR", tmp_path)
    served = project.get("/static/vendor/lib.js")
    assert served.status_code == 200 and served.text == "window.lib = 1;\n"
    assert served.headers["content-type"].startswith("text/javascript")
    for path in ("/static/vendor/..%2Fsecret.txt", "/static/vendor/missing.js", "/static/vendor/%2e%2e"):
        response = project.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_the_icon(project: TestClient) -> None:
    response = project.get("/favicon.ico")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.text.startswith("<svg")


# --- the network data ---------------------------------------------------------------------------------

def _edges(body: dict[str, Any]) -> set[tuple[str, str, str, str | None]]:
    def short(iri: str) -> str:
        return iri.rpartition("/")[2].rpartition("#")[2]

    return {(short(e["source"]), short(e["relation"]), short(e["target"]), e["date"]) for e in body["edges"]}


def test_network_direct_links_and_links_through_facts(tiny: TestClient) -> None:
    body = tiny.get("/network.json").json()
    assert _edges(body) == {
        ("mou", "party", "a", "2025-10"), ("mou", "party", "b", "2025-10"), ("old", "party", "c", None),
        ("forum", "launchedAt", "summit", "2026-02-04"),  # the forum has no date: the event's
        ("summit", "Delegation", "a", "2026-02-04"),  # a fact's two ends, in no particular order
        ("b", "ChairTerm", "forum", "2026-06"),  # the fact's own date comes first
    }
    kinds = {n["label"]: n["kind"] for n in body["nodes"]}
    assert kinds == {"Aland": "state", "Borduria": "state", "Carpania": "state", "Summit": "event",
                     "Forum": "forum", "A-B MOU": "agreement", "Old MOU": "agreement"}
    assert {n["href"] for n in body["nodes"]} >= {"/id/a", "/id/summit"}
    chair = next(e for e in body["edges"] if e["relation"].endswith("#ChairTerm"))
    assert chair["fact"] == "https://w3id.org/mdkg/id/chair" and chair["factHref"] == "/id/chair"
    counts = {r["label"]: r["count"] for r in body["relations"]}
    assert counts["party"] == 3 and counts["delegation"] == 1


@pytest.mark.parametrize(("params", "expected"), [
    # A month-only date is in a range when any day of its month is.
    ({"from": "2026-06-30", "undated": "false"}, {("b", "ChairTerm", "forum", "2026-06")}),
    ({"from": "2026-07-01"}, {("old", "party", "c", None)}),
    ({"to": "2025-10-01", "undated": "false"}, {("mou", "party", "a", "2025-10"),
                                                 ("mou", "party", "b", "2025-10")}),
    ({"from": "2026", "to": "2026", "undated": "false"}, {("forum", "launchedAt", "summit", "2026-02-04"),
                                                           ("summit", "Delegation", "a", "2026-02-04"),
                                                           ("b", "ChairTerm", "forum", "2026-06")}),
])
def test_network_date_filter(tiny: TestClient, params: dict[str, str],
                             expected: set[tuple[str, str, str, str | None]]) -> None:
    assert _edges(tiny.get("/network.json", params=params).json()) == expected


def test_network_relation_filter_keeps_the_list_of_relations(tiny: TestClient) -> None:
    party = "https://w3id.org/mdkg/ontology#party"
    body = tiny.get("/network.json", params={"relation": party}).json()
    assert {e["relation"] for e in body["edges"]} == {party}
    assert {n["label"] for n in body["nodes"]} == {"Aland", "Borduria", "Carpania", "A-B MOU", "Old MOU"}
    assert len(body["relations"]) == 4
    assert [r["label"] for r in body["relations"] if r["selected"]] == ["party"]


@pytest.mark.parametrize("params", [
    {"from": "yesterday"},
    {"to": '2026-01-01" } } DROP ALL #'},
    {"from": "2026-05-01", "to": "2026-04-01"},
])
def test_network_refuses_what_is_not_a_date(tiny: TestClient, params: dict[str, str]) -> None:
    response = tiny.get("/network.json", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


def test_network_of_the_project_dataset(project: TestClient) -> None:
    body = project.get("/network.json").json()
    kinds = {n["kind"] for n in body["nodes"]}
    assert {"state", "bloc", "agreement", "forum", "event"} <= kinds
    labels = {n["label"] for n in body["nodes"]}
    assert {"Japan", "European Union", "Critical Minerals Ministerial"} <= labels
    assert all(n["href"].startswith("/id/") for n in body["nodes"])  # this deployment's pages


def test_network_page(project: TestClient) -> None:
    response = project.get("/network")
    assert response.status_code == 200
    config = _embedded_json(response.text, "mdkg-network-config")
    assert config["data"] == "/network.json"
    assert BASE + "ontology#ReportedCount" in config["hidden"]


# --- named-query pages ---------------------------------------------------------------------------------

def test_named_query_page_with_a_chart_downloads_and_the_pandas_line(project: TestClient) -> None:
    html = project.get("/queries/stated-vs-named-counts", headers={"accept": "text/html"}).text
    chart = _embedded_json(html, "mdkg-chart-data")
    assert chart["type"] == "bar" and chart["categories"]
    assert 'href="/queries/stated-vs-named-counts.csv" download' in html
    assert 'href="/queries/stated-vs-named-counts.json" download' in html
    assert 'pandas.read_csv(&#34;http://testserver/queries/stated-vs-named-counts.csv&#34;)' in html
    assert 'href="/sparql#query=' in html


def test_named_query_page_without_a_chart(project: TestClient) -> None:
    html = project.get("/queries/forum-chairs", headers={"accept": "text/html"}).text
    assert "mdkg-chart-data" not in html and "pandas.read_csv" in html
