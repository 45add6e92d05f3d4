"""``/queries`` over HTTP: index, pages with forms, formats by Accept or suffix, errors, OpenAPI."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mdkg.queries import NamedQueryLibrary
from mdkg.results import serialize
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

from .conftest import FIXTURE_ROOT

ID = "https://w3id.org/mdkg/id/"
SPARQL_JSON = "application/sparql-results+json"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attributes: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attributes.items())]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def test_index_html_lists_queries_with_parameters(client: TestClient, library: NamedQueryLibrary) -> None:
    response = client.get("/queries", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Elements(response.text)
    links = {a["href"] for a in page.find("a")}
    for query in library:
        assert f"/queries/{query.name}" in links
        assert query.summary in page.all_text
    assert "include_frameworks boolean, default false" in page.all_text
    assert "text string, required" in page.all_text
    # the shared layout: stylesheet and navigation
    assert page.find("link", rel="stylesheet", href="/static/mdkg.css")
    for href in ("/", "/queries", "/sparql", "/entities", "/export", "/docs"):
        assert href in links


def test_index_json_by_accept_and_by_suffix(client: TestClient, library: NamedQueryLibrary) -> None:
    by_accept = client.get("/queries", headers={"Accept": "application/json"})
    by_suffix = client.get("/queries.json")
    assert by_accept.status_code == by_suffix.status_code == 200
    assert by_accept.json() == by_suffix.json()
    entries = {q["name"]: q for q in by_suffix.json()["queries"]}
    assert set(entries) == set(library.names())
    grants = entries["grants"]
    assert grants["url"] == "/queries/grants"
    assert grants["tags"] == ["funding"]
    parameters = {p["name"]: p for p in grants["parameters"]}
    assert parameters["min_amount"] == {"name": "min_amount", "type": "integer", "required": False,
                                        "description": "Smallest amount to list.", "default": 0}
    assert parameters["currency"]["enum"] == ["USD", "EUR"]
    assert by_suffix.json()["errors"] == []
    assert client.get("/queries", headers={"Accept": "image/png"}).status_code == 406


def test_query_page_has_description_typed_form_sparql_and_labelled_results(client: TestClient) -> None:
    response = client.get("/queries/mou-and-action-plan?include_frameworks=false&include_frameworks=true",
                          headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200
    page = Elements(response.text)
    text = page.all_text
    assert "Which parties hold both a memorandum of understanding" in text
    assert page.find("form", method="get", action="/queries/mou-and-action-plan")
    assert page.find("input", type="hidden", name="include_frameworks", value="false")
    checkbox = page.find("input", type="checkbox", name="include_frameworks")
    assert len(checkbox) == 1 and "checked" in checkbox[0]
    assert page.find("select", name="country")
    options = {o["value"] for o in page.find("option")}
    assert {"japan", "chile", "argentina", "united-states", ""} <= options  # instances of mdo:State
    assert "PREFIX mdo: <https://w3id.org/mdkg/ontology#>" in text  # the SPARQL text, escaped
    assert "<pre" in response.text and "&lt;https://w3id.org/mdkg/ontology#&gt;" in response.text
    # results: labels with links to the IRIs
    assert page.find("a", href=ID + "argentina")
    assert "Argentina" in text and "Framework agreement" in text
    assert "3 rows" in text
    downloads = {a["href"] for a in page.find("a")}
    assert "/queries/mou-and-action-plan.csv?include_frameworks=false&include_frameworks=true" in downloads


def test_query_page_inputs_follow_types(client: TestClient) -> None:
    page = Elements(client.get("/queries/grants", headers={"Accept": "text/html"}).text)
    assert page.find("input", type="number", name="min_amount", value="0", step="1")
    assert page.find("input", type="date", name="signed_after")
    assert page.find("input", type="text", name="year")
    assert page.find("select", name="currency")
    assert "selected" in page.find("option", value="USD")[0]
    assert "selected" not in page.find("option", value="EUR")[0]
    required = Elements(client.get("/queries/label-search?text=japan", headers={"Accept": "text/html"}).text)
    assert "required" in required.find("input", name="text")[0]
    # IRIs under a parameter's prefix are shown as the short id a reader would type
    party = Elements(client.get(f"/queries/is-party?state={ID}japan", headers={"Accept": "text/html"}).text)
    assert party.find("input", type="text", name="state", value="japan")
    chosen = Elements(client.get("/queries/mou-and-action-plan?country=chile",
                                 headers={"Accept": "text/html"}).text)
    assert "selected" in chosen.find("option", value="chile")[0]
    assert "selected" not in chosen.find("option", value="japan")[0]
    assert "Chile" in chosen.all_text


def test_query_page_with_a_bad_parameter_shows_the_form_and_the_error(client: TestClient) -> None:
    response = client.get("/queries/mou-and-action-plan?include_frameworks=maybe",
                          headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    page = Elements(response.text)
    assert "include_frameworks must be true or false, got 'maybe'" in page.all_text
    assert page.find("form", method="get")


@pytest.mark.parametrize(
    ("suffix", "accept", "media_type"),
    [
        ("json", None, SPARQL_JSON),
        (None, SPARQL_JSON, SPARQL_JSON),
        (None, "application/json", "application/json"),
        ("csv", None, "text/csv"),
        (None, "text/csv", "text/csv"),
        ("tsv", None, "text/tab-separated-values"),
        (None, "text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_results_by_suffix_or_accept_match_the_store(client: TestClient, loaded_store: OxigraphStore,
                                                     library: NamedQueryLibrary, suffix: str | None,
                                                     accept: str | None, media_type: str) -> None:
    path = "/queries/mou-and-action-plan" + (f".{suffix}" if suffix else "")
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, params={"include_frameworks": "true"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    query = library.get("mou-and-action-plan")
    direct = loaded_store.query(query.sparql, bindings=query.bind({"include_frameworks": "true"}))
    assert response.content == serialize(direct, media_type)


def test_csv_is_sparql_csv(client: TestClient) -> None:
    response = client.get("/queries/grants.csv", params={"currency": "EUR"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["grant", "grantLabel", "amount", "year", "currency", "min_amount", "signed_after"]
    assert rows[1] == [ID + "grant-euro", "Euro grant", "900000", "2024", "EUR", "0", ""]
    assert response.text.endswith("\r\n")


def test_ask_and_construct_over_http(client: TestClient) -> None:
    assert client.get("/queries/is-party.json?state=japan").json() == {"head": {}, "boolean": True}
    page = Elements(client.get("/queries/is-party?state=decoy", headers={"Accept": "text/html"}).text)
    assert "The answer is no" in page.all_text
    turtle = client.get("/queries/parties-graph", params={"country": "chile"},
                        headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "us-chile-mou-or-framework" in turtle.text
    table = client.get("/queries/parties-graph.csv", params={"country": "chile"})
    assert table.text.splitlines()[0] == "subject,predicate,object"
    assert len(table.text.splitlines()) == 3


def test_parameter_errors_are_400_envelopes(client: TestClient) -> None:
    response = client.get("/queries/mou-and-action-plan.json?include_frameworks=maybe")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"] == "include_frameworks must be true or false, got 'maybe'"
    unknown = client.get("/queries/grants.json?curency=USD").json()["error"]
    assert unknown["message"].startswith("unknown parameter 'curency'")
    missing = client.get("/queries/label-search", headers={"Accept": SPARQL_JSON})
    assert missing.status_code == 400
    assert "text is required" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    "params",
    [
        {"state": "japan> } UNION { ?s ?p ?o"},
        {"state": "https://w3id.org/mdkg/id/japan>"},
        {"state": 'japan"'},
    ],
)
def test_iri_injection_over_http_is_400(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/queries/is-party.json", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["detail"]["parameter"] == "state"


@pytest.mark.parametrize("attack", ['") } UNION { GRAPH ?g { ?entity ?p ?label } } #',
                                    "\\u0022) || (\\u0022"])
def test_string_injection_over_http_finds_nothing_extra(client: TestClient, attack: str) -> None:
    response = client.get("/queries/label-search.json", params={"text": attack})
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []


def test_not_found_and_not_acceptable(client: TestClient) -> None:
    missing = client.get("/queries/no-such-query")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.get("/queries/no-such-query.json").status_code == 404
    bad_suffix = client.get("/queries/grants.xlsx")
    assert bad_suffix.status_code == 406
    assert ".csv" in bad_suffix.json()["error"]["message"]
    assert client.get("/queries/grants", headers={"Accept": "image/png"}).status_code == 406


def test_openapi_has_one_operation_per_query_with_typed_parameters(client: TestClient,
                                                                   library: NamedQueryLibrary) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    for query in library:
        operation = paths[f"/queries/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        assert [p["name"] for p in operation.get("parameters", [])] == [p.name for p in query.parameters]
    grants = {p["name"]: p for p in paths["/queries/grants"]["get"]["parameters"]}
    assert grants["min_amount"]["schema"]["type"] == "integer"
    assert grants["signed_after"]["schema"] == {"type": "string", "format": "date"}
    assert grants["currency"]["schema"]["enum"] == ["USD", "EUR"]
    mou = {p["name"]: p for p in paths["/queries/mou-and-action-plan"]["get"]["parameters"]}
    assert mou["include_frameworks"]["schema"] == {"type": "boolean", "default": False}
    assert mou["include_frameworks"]["description"].startswith("Count framework agreements")
    assert "Which parties hold both" in paths["/queries/mou-and-action-plan"]["get"]["description"]
    assert paths["/queries/label-search"]["get"]["parameters"][0]["required"] is True
    assert "/queries/{name}" in paths and "/queries" in paths
    operation_ids = [op.get("operationId", "") for item in paths.values() for op in item.values()]
    assert len([i for i in operation_ids if i.startswith("named_query_")]) == len(library)


def test_static_stylesheet(client: TestClient) -> None:
    response = client.get("/static/mdkg.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "--accent" in response.text
    assert client.get("/static/nothing.css").status_code == 404
    assert "http" not in response.text  # offline: no remote fonts or CDN


# --- apps over a copy of the fixture folder ---------------------------------------------------------

@pytest.fixture
def copied_root(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE_ROOT, tmp_path / "root")
    return tmp_path / "root"


@pytest.fixture
def copied_client(copied_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(root=copied_root))) as test_client:
        yield test_client


def test_generic_route_serves_queries_added_after_start_and_edits_show(copied_client: TestClient,
                                                                     copied_root: Path) -> None:
    queries = copied_root / "queries"
    (queries / "late.rq").write_text("#+ summary: Added late\nSELECT ?state WHERE { GRAPH ?g { ?state a "
                                     "<https://w3id.org/mdkg/ontology#State> } } ORDER BY ?state\n",
                                     encoding="utf-8")
    late = copied_client.get("/queries/late.json")
    assert late.status_code == 200
    assert len(late.json()["results"]["bindings"]) == 5
    grants = queries / "grants.rq"
    grants.write_text(grants.read_text(encoding="utf-8").replace("Grants by amount", "Grants, edited"),
                      encoding="utf-8")
    entries = {q["name"]: q for q in copied_client.get("/queries.json").json()["queries"]}
    assert entries["grants"]["summary"].startswith("Grants, edited")
    assert "late" in entries


def test_broken_query_file_is_reported_and_the_others_still_work(copied_root: Path) -> None:
    (copied_root / "queries" / "broken.rq").write_text("#+ params:\n#+   x: {type: nope}\nSELECT ?x {}\n",
                                                       encoding="utf-8")
    with TestClient(create_app(Settings(root=copied_root))) as test_client:
        index = test_client.get("/queries.json").json()
        assert [e["name"] for e in index["errors"]] == ["broken"]
        assert index["errors"][0]["line"] == 2
        assert "unknown type 'nope'" in index["errors"][0]["message"]
        page = Elements(test_client.get("/queries", headers={"Accept": "text/html"}).text)
        assert "queries/broken.rq, line 2" in page.all_text
        broken = test_client.get("/queries/broken.json")
        assert broken.status_code == 500
        assert broken.json()["error"]["code"] == "query_definition"
        assert test_client.get("/queries/grants.json").status_code == 200


def test_another_base_iri_rebases_queries_data_and_parameters(copied_root: Path) -> None:
    base = "http://testserver/"
    with TestClient(create_app(Settings(root=copied_root, base_iri=base))) as test_client:
        result = test_client.get("/queries/mou-and-action-plan.json", params={"country": "japan"}).json()
        bindings = result["results"]["bindings"]
        assert [b["country"]["value"] for b in bindings] == [base + "id/japan"]
        assert bindings[0]["type"]["value"] == base + "ontology#MemorandumOfUnderstanding"
        page = Elements(test_client.get("/queries/mou-and-action-plan", headers={"Accept": "text/html"}).text)
        assert "PREFIX mdo: <http://testserver/ontology#>" in page.all_text
        assert "shown moved to this server's base" in page.all_text
        schema = test_client.get("/openapi.json").json()["paths"]["/queries/mou-and-action-plan"]["get"]
        country = next(p for p in schema["parameters"] if p["name"] == "country")
        assert base + "id/" in country["description"]


def test_html_escapes_data(copied_root: Path) -> None:
    source = copied_root / "graph" / "sources" / "demo.ttl"
    source.write_text(source.read_text(encoding="utf-8") + (
        '\nid:evil a mdo:Grant ; rdfs:label "<script>alert(1)</script>"@en ; mdo:amount 1 ;'
        ' mdo:currency "USD" ; mdo:year "2020"^^xsd:gYear ; mdo:signedOn "2020-01-01"^^xsd:date .\n'
        '<javascript:alert(2)> a mdo:State .\n'), encoding="utf-8")
    with TestClient(create_app(Settings(root=copied_root))) as test_client:
        html = test_client.get("/queries/grants", headers={"Accept": "text/html"}).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        late = copied_root / "queries" / "states.rq"
        late.write_text("SELECT ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/mdkg/ontology#State> } }\n",
                        encoding="utf-8")
        states = Elements(test_client.get("/queries/states", headers={"Accept": "text/html"}).text)
        assert not [a for a in states.find("a") if (a.get("href") or "").startswith("javascript:")]
        assert "javascript:alert(2)" in states.all_text


def test_index_json_matches_library(client: TestClient, library: NamedQueryLibrary) -> None:
    described = json.loads(client.get("/queries.json").text)["queries"]
    assert [entry["name"] for entry in described] == sorted(library.names())
