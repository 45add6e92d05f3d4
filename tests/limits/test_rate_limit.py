"""The per-client rate limit: a burst from one client gets 429 with ``Retry-After``, nobody else does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
from fastapi import FastAPI
from mdkg.testing import serve_in_thread
from mdkg.web.limits import token_buckets
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

ASK = {"query": "ASK { ?s ?p ?o }"}
ASK_JSON = {"accept": "application/sparql-results+json"}
ClientAt = Callable[[FastAPI, str], AbstractContextManager[TestClient]]


def _check_rate_limited(response: httpx.Response) -> int:
    """The 429 envelope; returns its ``Retry-After`` seconds."""
    assert response.status_code == 429
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit() and int(retry_after) >= 1
    error = response.json()["error"]
    assert error["status"] == 429 and error["code"] == "rate_limited"
    assert "too many requests" in error["message"] and f"retry after {retry_after} s" in error["message"]
    assert error["detail"]["retry_after_s"] == int(retry_after)
    return int(retry_after)


def test_a_burst_from_one_client_is_cut_and_another_client_is_unaffected(
        make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.2, rate_limit_burst=10)  # a token per 5 s after the burst
    with client_at(app, "192.0.2.1") as greedy, client_at(app, "192.0.2.2") as other:
        statuses = Counter()
        for _ in range(200):
            response = greedy.get("/sparql", params=ASK, headers=ASK_JSON)
            statuses[response.status_code] += 1
            if response.status_code == 429:
                _check_rate_limited(response)
            else:
                assert response.status_code == 200 and response.json()["boolean"] is True
        assert set(statuses) == {200, 429}
        assert statuses[200] >= 10  # the whole burst, and what the rate refilled meanwhile
        for _ in range(10):
            assert other.get("/sparql", params=ASK, headers=ASK_JSON).status_code == 200
        assert greedy.get("/sparql", params=ASK, headers=ASK_JSON).status_code == 429


def test_health_and_metrics_are_exempt(make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.01, rate_limit_burst=1)
    with client_at(app, "192.0.2.1") as client:
        assert client.get("/queries.json").status_code == 200
        assert client.get("/queries.json").status_code == 429
        for _ in range(20):
            assert client.get("/healthz").status_code == 200
            assert client.get("/metrics").status_code == 200


def test_retry_after_says_when_a_token_comes_back(make_app: Callable[..., FastAPI],
                                                  client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.1, rate_limit_burst=1)  # one token per ten seconds
    with client_at(app, "192.0.2.1") as client:
        client.get("/queries.json")
        retry_after = _check_rate_limited(client.get("/queries.json"))
        assert 9 <= retry_after <= 10


def test_refusals_are_counted_in_the_metrics(make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.01, rate_limit_burst=2)
    with client_at(app, "192.0.2.1") as client:
        for _ in range(5):
            client.get("/queries.json")
        text = client.get("/metrics").text
    refused = sum(sample.value for family in text_string_to_metric_families(text)
                  for sample in family.samples
                  if sample.name == "mdkg_http_requests_total" and sample.labels.get("status") == "429")
    assert refused == 3


def test_ipv6_clients_share_a_bucket_per_64(make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.01, rate_limit_burst=1)
    with client_at(app, "2001:db8:1:2::1") as first, client_at(app, "2001:db8:1:2::ffff") as same_64, \
            client_at(app, "2001:db8:1:3::1") as other_64:
        assert first.get("/queries.json").status_code == 200
        assert same_64.get("/queries.json").status_code == 429
        assert other_64.get("/queries.json").status_code == 200


def test_an_ipv4_mapped_address_is_the_ipv4_client(make_app: Callable[..., FastAPI],
                                                   client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.01, rate_limit_burst=1)
    with client_at(app, "192.0.2.7") as plain, client_at(app, "::ffff:192.0.2.7") as mapped:
        assert plain.get("/queries.json").status_code == 200
        assert mapped.get("/queries.json").status_code == 429


def test_a_request_without_a_network_address_is_not_limited(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(rate_limit_per_s=0.01, rate_limit_burst=1)
    with TestClient(app) as client:  # reports the client "testclient", no address
        assert all(client.get("/queries.json").status_code == 200 for _ in range(20))
    assert len(token_buckets(app.state.mdkg) or ()) == 0


def test_a_zero_rate_turns_the_limit_off(make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    app = make_app(rate_limit_per_s=0.0, rate_limit_burst=1)
    assert token_buckets(app.state.mdkg) is None
    with client_at(app, "192.0.2.1") as client:
        assert all(client.get("/queries.json").status_code == 200 for _ in range(20))


def test_each_app_keeps_its_own_buckets(make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    first, second = make_app(rate_limit_per_s=0.01, rate_limit_burst=1), make_app(rate_limit_per_s=0.01,
                                                                                  rate_limit_burst=1)
    with client_at(first, "192.0.2.1") as on_first, client_at(second, "192.0.2.1") as on_second:
        assert on_first.get("/queries.json").status_code == 200
        assert on_first.get("/queries.json").status_code == 429
        assert on_second.get("/queries.json").status_code == 200


def test_the_defaults_are_generous(make_app: Callable[..., FastAPI], client_at: ClientAt) -> None:
    app = make_app()
    buckets = token_buckets(app.state.mdkg)
    assert buckets is not None and buckets.rate_per_s >= 10 and buckets.burst >= 20
    with client_at(app, "192.0.2.1") as client:
        assert all(client.get("/queries.json").status_code == 200 for _ in range(buckets.burst))


# --- over real HTTP: two loopback addresses are two clients -------------------------------------------



def _from(address: str, base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=httpx.HTTPTransport(local_address=address), timeout=10)


def test_over_http_clients_are_told_apart_by_address(make_app: Callable[..., FastAPI]) -> None:
    burst = 5
    app = make_app(rate_limit_per_s=0.2, rate_limit_burst=burst)
    with serve_in_thread(app) as base_url, _from("127.0.0.1", base_url) as greedy, \
            _from("127.0.0.2", base_url) as other:
        statuses = Counter(greedy.get("/sparql", params=ASK, headers=ASK_JSON).status_code
                           for _ in range(20))
        assert set(statuses) == {200, 429} and statuses[200] >= burst
        refused = greedy.get("/sparql", params=ASK, headers=ASK_JSON)
        _check_rate_limited(refused)
        assert all(other.get("/sparql", params=ASK, headers=ASK_JSON).status_code == 200
                   for _ in range(burst))
        assert greedy.get("/healthz").status_code == 200
