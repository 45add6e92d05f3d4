"""GET /entities (search by name) and GET /entities/{id}/relations (links with their provenance)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from _linked_data_support import REFERENCE_GRAPH, SOURCE_GRAPH, quotes_by_fact
from mdkg.dataset import load_dataset
from mdkg.settings import Settings
from mdkg.store import Store
from mdkg.store.oxigraph import OxigraphStore
from mdkg.store.rdflib_memory import RdflibStore
from mdkg.web.app import create_app
from starlette.testclient import TestClient

ID = "https://w3id.org/mdkg/id/"
MDO = "https://w3id.org/mdkg/ontology#"

# A state whose names need accent and punctuation folding; the project's data has none yet.
ACCENTED = f"""
@prefix mdo: <{MDO}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{ID}cote-divoire> a mdo:State ; rdfs:label "Côte d’Ivoire"@en ; skos:altLabel "Ivory Coast"@en .
<{ID}sao-tome> a mdo:State ; rdfs:label "São Tomé and Príncipe"@en .
"""


def _client_for(store: Store) -> TestClient:
    load_dataset(store, Settings())
    store.load(ACCENTED, media_type="text/turtle", graph=REFERENCE_GRAPH)
    return TestClient(create_app(Settings(load_on_start=False), store=store))


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The dataset plus two accented states, on each embedded backend."""
    store: Store = OxigraphStore() if request.param == "oxigraph" else RdflibStore()
    with _client_for(store) as test_client:
        yield test_client
    store.close()


@pytest.fixture(scope="module")
def oxigraph_client() -> Iterator[TestClient]:
    store = OxigraphStore()
    with _client_for(store) as test_client:
        yield test_client
    store.close()


def _search(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/entities", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def _ids(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["id"] for hit in hits]


# --- search ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["forge", "FORGE", "Forge", "  forge "])
def test_search_ignores_case(client: TestClient, q: str) -> None:
    hits = _search(client, q=q)
    assert hits[0]["id"] == "forge"
    assert hits[0]["matched_label"] == "FORGE"  # the exact altLabel beats the labels that contain it
    assert hits[0]["label"] == "Forum on Resource Geostrategic Engagement"


@pytest.mark.parametrize("q", ["cote", "CÔTE", "cote d'ivoire", "Côte d’Ivoire", "ivory"])
def test_search_ignores_accents_and_punctuation(client: TestClient, q: str) -> None:
    assert "cote-divoire" in _ids(_search(client, q=q))


def test_search_folds_accents_of_the_label_not_only_the_query(client: TestClient) -> None:
    hits = _search(client, q="sao tome and principe")
    assert _ids(hits) == ["sao-tome"]
    assert hits[0]["matched_label"] == "São Tomé and Príncipe"  # shown as written


def test_search_result_shape(client: TestClient) -> None:
    hits = _search(client, q="japan")
    assert hits, "japan must be found"
    for hit in hits:
        assert set(hit) == {"iri", "id", "label", "types", "matched_label"}
        assert hit["iri"] == ID + hit["id"]
        assert "japan" in hit["matched_label"].lower()
        for entity_type in hit["types"]:
            assert set(entity_type) == {"iri", "label"}
    japan = hits[0]
    assert japan["id"] == "japan"
    assert japan["types"] == [{"iri": MDO + "State", "label": "state"}]


def test_exact_matches_come_first(client: TestClient) -> None:
    hits = _search(client, q="japan")
    assert _ids(hits)[0] == "japan"
    assert {"us-japan-framework-2025-10", "delegation-ministerial-2026-japan"} <= set(_ids(hits))


@pytest.mark.parametrize("type_name", ["State", "mdo:State", MDO + "State"])
def test_type_filter_accepts_short_prefixed_and_full_names(client: TestClient, type_name: str) -> None:
    hits = _search(client, q="korea", type=type_name)
    assert _ids(hits) == ["south-korea"]  # not "South Korea chairs FORGE", a chair term


def test_type_filter_includes_subclasses(client: TestClient) -> None:
    hits = _search(client, type="Agreement", limit="500")
    ids = set(_ids(hits))
    # FrameworkAgreement < MouOrFrameworkAgreement < Agreement; BilateralTradeActionPlan < TradeActionPlan
    assert {"us-japan-framework-2025-10", "us-mexico-critical-minerals-action-plan", "us-uk-mou-2026-02-05",
            "us-argentina-mou-or-framework", "usmca"} <= ids
    assert "japan" not in ids
    assert all(hit["matched_label"] is None for hit in hits)  # listed by type, not matched by name
    assert [h["label"].casefold() for h in hits] == sorted(h["label"].casefold() for h in hits)


def test_type_filter_with_other_namespaces(client: TestClient) -> None:
    assert set(_ids(_search(client, type="foaf:Person"))) == {"donald-trump", "jamieson-greer"}


def test_limit(client: TestClient) -> None:
    assert len(_search(client, q="a", limit="3")) == 3


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "'-'"}])
def test_search_without_query_or_type_is_400(oxigraph_client: TestClient, params: dict[str, str]) -> None:
    response = oxigraph_client.get("/entities", params=params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert "q" in error["message"]


@pytest.mark.parametrize("params", [{"q": "x", "type": "NoSuchClass"}, {"q": "x", "type": "nope:State"},
                                    {"q": "japan", "limit": "0"}, {"q": "x" * 201}])
def test_bad_search_parameters_are_400(oxigraph_client: TestClient, params: dict[str, str]) -> None:
    response = oxigraph_client.get("/entities", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["status"] == 400


def test_search_page_for_browsers(oxigraph_client: TestClient) -> None:
    response = oxigraph_client.get("/entities", params={"q": "korea"}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/id/south-korea"' in response.text
    assert "South Korea chairs FORGE through June 2026" in response.text
    assert response.headers["vary"] == "Accept"


def test_search_page_without_query_shows_the_form(oxigraph_client: TestClient) -> None:
    response = oxigraph_client.get("/entities", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert '<form class="params"' in response.text


# --- relations ------------------------------------------------------------------------------------

def _relations(client: TestClient, entity: str) -> dict[str, Any]:
    response = client.get(f"/entities/{entity}/relations")
    assert response.status_code == 200, response.text
    return response.json()


def _group(body: dict[str, Any], direction: str, prop: str) -> dict[str, Any]:
    for group in body["relations"]:
        if group["direction"] == direction and group["property"]["iri"] == prop:
            return group
    raise AssertionError(f"no {direction} group {prop}: {[g['property']['iri'] for g in body['relations']]}")


def _link_to(group: dict[str, Any], other_id: str) -> dict[str, Any]:
    for link in group["links"]:
        if link["other"]["id"] == other_id:
            return link
    raise AssertionError(f"no link to {other_id} in {group['property']['label']}")


def _assert_verbatim(provenance: dict[str, Any]) -> None:
    """Quotes are exactly the fact's oa:exact values in the transcription file, and its source is named."""
    fact = provenance["fact"]["iri"]
    assert provenance["quotes"], f"{fact} has no quote"
    assert set(provenance["quotes"]) == quotes_by_fact()[fact]
    assert [s["iri"] for s in provenance["sources"]] == [ID + "source/000_bede271d1d92b66d"]
    assert provenance["sources"][0]["issued"] == "2026-02-05"
    assert provenance["graph"] == {"iri": SOURCE_GRAPH, "kind": "source"}


def test_relations_of_japan(client: TestClient) -> None:
    body = _relations(client, "japan")
    assert body["entity"]["label"] == "Japan"
    assert body["provenance"] == []  # a state is not a fact
    party = _group(body, "in", MDO + "party")
    assert party["property"]["label"] == "party"
    assert {link["other"]["id"] for link in party["links"]} == {
        "us-japan-framework-2025-10", "us-ec-japan-critical-minerals-action-plan"}
    framework = _link_to(party, "us-japan-framework-2025-10")
    _assert_verbatim(framework["provenance"])
    assert framework["provenance"]["quotes"] == [
        "The US and Japan signed a similar framework in October 2025."]
    assert framework["other"]["types"][0]["label"] == "framework agreement"
    _assert_verbatim(_link_to(_group(body, "in", MDO + "delegationOf"),
                              "delegation-ministerial-2026-japan")["provenance"])
    continent = _group(body, "out", MDO + "continent")
    assert continent["links"][0]["other"]["label"] == "Asia"
    assert continent["links"][0]["graph"] == {"iri": REFERENCE_GRAPH, "kind": "reference"}
    assert continent["links"][0]["provenance"] is None  # reference data, not something a source says
    codes = {a["property"]["iri"]: [v["value"] for v in a["values"]] for a in body["attributes"]}
    assert codes[MDO + "iso3166Alpha3"] == ["JPN"]
    assert {g["kind"] for g in body["graphs"]} == {"source", "reference"}


def test_relations_of_forge_a_fact_node(client: TestClient) -> None:
    body = _relations(client, "forge")
    assert len(body["provenance"]) == 1
    _assert_verbatim(body["provenance"][0])
    assert body["provenance"][0]["quotes"][0].startswith("During the ministerial, the US launched the Forum")
    launched = _link_to(_group(body, "out", MDO + "launchedBy"), "united-states")
    assert launched["provenance"]["fact"]["id"] == "forge"  # the forum's own evidence backs its links
    chair = _link_to(_group(body, "in", MDO + "chairOf"), "chair-term-forge-south-korea")
    _assert_verbatim(chair["provenance"])
    assert chair["provenance"]["quotes"] == ["It will be chaired by South Korea through June."]
    about = _group(body, "in", MDO + "about")
    assert {link["other"]["id"] for link in about["links"]} == {
        "statement-forge-partners-collaboration", "statement-efforts-complement-pax-silica"}
    alt_labels = [a for a in body["attributes"] if a["property"]["iri"].endswith("core#altLabel")]
    assert alt_labels[0]["values"][0]["value"] == "FORGE"
    # the forum's provenance is given once, not as a relation
    assert all(g["property"]["iri"] != MDO + "evidence" for g in body["relations"])


def test_relations_of_south_korea(client: TestClient) -> None:
    body = _relations(client, "south-korea")
    chair = _group(body, "in", MDO + "chair")
    assert chair["direction"] == "in" and chair["count"] == 1
    link = chair["links"][0]
    assert link["other"]["label"] == "South Korea chairs FORGE through June 2026"
    _assert_verbatim(link["provenance"])
    named = _link_to(_group(body, "in", MDO + "namedMember"), "count-ministerial-countries")
    assert "South Korea" in named["provenance"]["quotes"][0]
    for group in body["relations"]:
        for item in group["links"]:
            if item["graph"]["kind"] == "source" and item["provenance"] is not None:
                _assert_verbatim(item["provenance"])


def test_groups_are_outgoing_first_then_by_label(client: TestClient) -> None:
    groups = _relations(client, "us-mexico-critical-minerals-action-plan")["relations"]
    directions = [g["direction"] for g in groups]
    assert directions == sorted(directions, key=lambda d: d != "out")
    outgoing = [g["property"]["label"].casefold() for g in groups if g["direction"] == "out"]
    assert outgoing == sorted(outgoing)


def test_relations_by_full_iri(oxigraph_client: TestClient) -> None:
    encoded = quote(ID + "south-korea", safe="")
    response = oxigraph_client.get(f"/entities/{encoded}/relations")
    assert response.status_code == 200
    assert response.json()["entity"]["id"] == "south-korea"


def test_relations_of_nested_ids(oxigraph_client: TestClient) -> None:
    body = _relations(oxigraph_client, "source/000_bede271d1d92b66d")
    derived = _group(body, "in", "http://www.w3.org/ns/prov#wasDerivedFrom")
    assert _link_to(derived, "forge")["other"]["label"] == "Forum on Resource Geostrategic Engagement"


def test_relations_of_unknown_entity_is_404(oxigraph_client: TestClient) -> None:
    response = oxigraph_client.get("/entities/atlantis/relations")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["detail"]["iri"] == ID + "atlantis"


def test_unknown_entity_gives_browsers_a_page(oxigraph_client: TestClient) -> None:
    response = oxigraph_client.get("/entities/atlantis/relations", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "no entity https://w3id.org/mdkg/id/atlantis" in response.text


def test_relations_page_for_browsers(oxigraph_client: TestClient) -> None:
    response = oxigraph_client.get("/entities/japan/relations", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "The US and Japan signed a similar framework in October 2025." in response.text
