"""GET /paths: how two entities are connected, shortest first, each step with its provenance."""

from __future__ import annotations

from typing import Any

import pytest
from _linked_data_support import quotes_by_fact
from mdkg.graph_views import MAX_HOPS_CAP
from starlette.testclient import TestClient

ID = "https://w3id.org/mdkg/id/"
MDO = "https://w3id.org/mdkg/ontology#"


def _paths(client: TestClient, **params: str) -> dict[str, Any]:
    response = client.get("/paths", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _node_ids(path: dict[str, Any]) -> list[str]:
    return [node["id"] for node in path["nodes"]]


@pytest.fixture(scope="module")
def japan_mexico(default_dataset_client: TestClient) -> dict[str, Any]:
    return _paths(default_dataset_client, **{"from": "japan", "to": "mexico", "limit": "50"})


def test_paths_are_shortest_first_and_well_formed(japan_mexico: dict[str, Any]) -> None:
    paths = japan_mexico["paths"]
    assert japan_mexico["count"] == len(paths) > 0
    assert japan_mexico["max_hops"] == 4  # the default
    hops = [p["hops"] for p in paths]
    assert hops == sorted(hops)
    assert hops[0] == 2  # both named among the 54 countries of the ministerial
    assert _node_ids(paths[0]) == ["japan", "count-ministerial-countries", "mexico"]
    for path in paths:
        ids = _node_ids(path)
        assert ids[0] == "japan" and ids[-1] == "mexico"
        assert len(ids) == len(set(ids)) == path["hops"] + 1  # simple paths
        assert len(path["steps"]) == path["hops"] <= 4
        for step, here, there in zip(path["steps"], path["nodes"], path["nodes"][1:], strict=False):
            assert (step["from"], step["to"]) == (here["iri"], there["iri"])
            assert step["links"]
            for link in step["links"]:
                assert {link["subject"], link["object"]} == {here["iri"], there["iri"]}
                assert link["direction"] == ("forward" if link["subject"] == here["iri"] else "backward")


def test_every_step_carries_its_provenance(japan_mexico: dict[str, Any]) -> None:
    for path in japan_mexico["paths"]:
        for step in path["steps"]:
            for link in step["links"]:
                assert link["graph"]["kind"] == "source"
                provenance = link["provenance"]
                assert provenance is not None, link
                assert provenance["fact"]["iri"] == link["subject"]  # the fact node on that step
                assert set(provenance["quotes"]) == quotes_by_fact()[link["subject"]]
                assert provenance["sources"][0]["iri"] == ID + "source/000_bede271d1d92b66d"


def test_the_expected_connections_are_found(japan_mexico: dict[str, Any]) -> None:
    routes = [_node_ids(p) for p in japan_mexico["paths"]]
    # through the action plans and the United States, party to both
    japan_agreements = ("us-japan-framework-2025-10", "us-ec-japan-critical-minerals-action-plan")
    assert any(r[1] in japan_agreements and r[2] == "united-states"
               and r[3] == "us-mexico-critical-minerals-action-plan" for r in routes)
    # through the two delegations at the ministerial
    assert ["japan", "delegation-ministerial-2026-japan", "critical-minerals-ministerial-2026",
            "delegation-ministerial-2026-mexico", "mexico"] in routes
    # the plan that the source calls similar to the US-Mexico one
    assert ["japan", "us-ec-japan-critical-minerals-action-plan", "us-mexico-critical-minerals-action-plan",
            "mexico"] in routes


def test_step_links_name_their_property(japan_mexico: dict[str, Any]) -> None:
    first = japan_mexico["paths"][0]["steps"][0]["links"][0]
    assert first["property"] == {"iri": MDO + "namedMember", "label": "named member"}
    assert first["direction"] == "backward"  # count-ministerial-countries namedMember japan


def test_limit_keeps_the_shortest(default_dataset_client: TestClient, japan_mexico: dict[str, Any]) -> None:
    few = _paths(default_dataset_client, **{"from": "japan", "to": "mexico", "limit": "2"})
    assert [_node_ids(p) for p in few["paths"]] == [_node_ids(p) for p in japan_mexico["paths"][:2]]


def test_no_path_within_too_few_hops(default_dataset_client: TestClient) -> None:
    body = _paths(default_dataset_client, **{"from": "japan", "to": "mexico", "max_hops": "1"})
    assert body["paths"] == [] and body["count"] == 0
    assert body["truncated"] is False


def test_hubs_and_provenance_links_are_not_walked(default_dataset_client: TestClient) -> None:
    # Japan and China share a continent and a UN sub-region, and facts about both come from the same
    # document: none of that may connect them.
    body = _paths(default_dataset_client, **{"from": "japan", "to": "china", "max_hops": "6", "limit": "50"})
    assert body["paths"], "Japan and China are connected through the US and China's market position"
    assert min(p["hops"] for p in body["paths"]) > 2
    excluded = set(body["excluded"]["properties"])
    assert {MDO + "continent", "http://www.w3.org/ns/prov#wasDerivedFrom",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"} <= excluded
    for path in body["paths"]:
        for node in path["nodes"]:
            assert not node["iri"].startswith((ID + "source/", ID + "region/", MDO))
        for step in path["steps"]:
            assert all(link["property"]["iri"] not in excluded for link in step["links"])


def test_paths_by_full_iri(default_dataset_client: TestClient) -> None:
    body = _paths(default_dataset_client, **{"from": ID + "south-korea", "to": ID + "forge"})
    assert _node_ids(body["paths"][0]) == ["south-korea", "chair-term-forge-south-korea", "forge"]


@pytest.mark.parametrize("params", [
    {"from": "japan", "to": "mexico", "max_hops": "0"},
    {"from": "japan", "to": "mexico", "max_hops": str(MAX_HOPS_CAP + 1)},
    {"from": "japan", "to": "mexico", "max_hops": "four"},
    {"from": "japan", "to": "mexico", "limit": "0"},
    {"from": "japan", "to": "mexico", "limit": "1000"},
    {"from": "japan"},
    {"to": "mexico"},
    {},
    {"from": "japan", "to": "japan"},
    {"from": "japan", "to": "http://example.org/has space"},
])
def test_bad_parameters_are_400(default_dataset_client: TestClient, params: dict[str, str]) -> None:
    response = default_dataset_client.get("/paths", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["status"] == 400


@pytest.mark.parametrize("params", [{"from": "atlantis", "to": "mexico"},
                                    {"from": "japan", "to": "atlantis"}])
def test_unknown_endpoints_are_404(default_dataset_client: TestClient, params: dict[str, str]) -> None:
    response = default_dataset_client.get("/paths", params=params)
    assert response.status_code == 404
    assert response.json()["error"]["detail"]["iri"] == ID + "atlantis"


def test_paths_page_for_browsers(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/paths", params={"from": "japan", "to": "mexico"},
                                          headers={"Accept": "text/html"})
    assert response.status_code == 200
    text = response.text
    assert 'href="/id/count-ministerial-countries"' in text
    assert "54 countries represented at the Critical Minerals Ministerial" in text
    assert "among others." in text  # the quote of the 2-hop path's fact


def test_paths_page_shows_errors_in_the_page(default_dataset_client: TestClient) -> None:
    response = default_dataset_client.get("/paths", params={"from": "japan", "to": "mexico", "max_hops": "9"},
                                          headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "max_hops must be between 1 and 6" in response.text
    assert '<form class="params"' in response.text
