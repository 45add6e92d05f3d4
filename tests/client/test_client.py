"""The Python client, in process and over HTTP: the same answers, as DataFrames, bools and Graphs."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from mdkg import Client, create_app, errors
from mdkg.client import error_from_response, raw_params
from mdkg.dataset import load_dataset
from mdkg.queries import NamedQueryLibrary, QueryDefinitionError
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.store.oxigraph import OxigraphStore
from pandas.testing import assert_frame_equal
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

ServeApp = Callable[[Callable[[str], Any]], AbstractContextManager[str]]
MOU = "mou-and-ustr-action-plan"
ID = CANONICAL_BASE_IRI + "id/"
MDO = CANONICAL_BASE_IRI + "ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"  # a plain string: pytest trips over rdflib's XSD namespace
MODES = ["in process", "over HTTP"]


@pytest.fixture(params=MODES)
def bundled(request: pytest.FixtureRequest) -> Client:
    return request.getfixturevalue("bundled_local" if request.param == MODES[0] else "bundled_remote")


@pytest.fixture(params=MODES)
def small(request: pytest.FixtureRequest) -> Client:
    return request.getfixturevalue("fixture_local" if request.param == MODES[0] else "fixture_remote")


def _public_error_classes() -> list[type[errors.MdkgError]]:
    """The hierarchy of mdkg.errors (other modules' subclasses are tested on their own)."""
    found, pending = [], [errors.MdkgError]
    while pending:
        cls = pending.pop()
        if cls.__module__ == errors.__name__:
            found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


# --- the import ------------------------------------------------------------------------------------

def test_client_import_loads_neither_fastapi_nor_pandas_before_use() -> None:
    script = (
        "import sys, mdkg\n"
        "assert 'pandas' not in sys.modules, 'import mdkg loaded pandas'\n"
        "from mdkg import Client\n"
        "assert Client.__module__ == 'mdkg.client'\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette', 'uvicorn')]\n"
        "try:\n    mdkg.NoSuchThing\nexcept AttributeError:\n    print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# --- the named queries on the bundled graph --------------------------------------------------------

def test_strict_mou_answer_is_empty_but_shows_its_columns(bundled: Client) -> None:
    answer = bundled.query(MOU)
    assert isinstance(answer, pd.DataFrame)
    assert answer.empty
    assert {"party", "partyLabel", "agreementKind", "actionPlan", "hasBoth"} <= set(answer.columns)


def test_framework_answer_names_japan_with_its_framework(bundled: Client) -> None:
    answer = bundled.query(MOU, include_frameworks=True)
    japan = answer[answer["party"] == ID + "japan"]
    # One row for the framework agreement, one for the action plan.
    assert list(japan["partyLabel"]) == ["Japan", "Japan"]
    assert japan["agreementKind"].tolist()[0] == "framework" and pd.isna(japan["agreementKind"].iloc[1])
    assert japan["agreementCounts"].tolist()[0] is True
    assert japan["hasBoth"].tolist() == [True, True]
    assert pd.isna(japan["actionPlan"].iloc[0])
    assert japan["actionPlan"].iloc[1] == ID + "us-ec-japan-critical-minerals-action-plan"
    assert answer["include_frameworks"].tolist() == [True] * len(answer)


@pytest.mark.parametrize("params", [
    {},
    {"include_frameworks": True},
    {"include_blocs": True},
    {"show_near_misses": True},
    {"show_near_misses": True, "include_frameworks": True, "include_blocs": True},
    {"hub": "japan", "show_near_misses": True},
], ids=lambda params: ",".join(params) or "defaults")
def test_both_modes_give_equal_frames(bundled_local: Client, bundled_remote: Client,
                                      params: dict[str, Any]) -> None:
    local = bundled_local.query(MOU, **params)
    remote = bundled_remote.query(MOU, **params)
    assert_frame_equal(local, remote)
    kept_local = bundled_local.query(MOU, keep_terms=True, **params)
    kept_remote = bundled_remote.query(MOU, keep_terms=True, **params)
    assert_frame_equal(kept_local, kept_remote)


def test_frame_holds_what_the_service_csv_says(bundled_local: Client, bundled_url: str) -> None:
    params = {"include_frameworks": "true", "show_near_misses": "true"}
    csv = httpx.get(f"{bundled_url}/queries/{MOU}.csv", params=params, timeout=30).text
    from_csv = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False)
    frame = bundled_local.query(MOU, include_frameworks=True, show_near_misses=True)
    assert len(frame) == len(from_csv) > 1
    for column in ("party", "partyLabel", "agreement", "agreementKind", "actionPlan"):
        assert frame[column].fillna("").tolist() == from_csv[column].tolist()
    assert frame["hasBoth"].map(lambda v: "true" if v else "false").tolist() == from_csv["hasBoth"].tolist()


def test_parameters_as_python_values_strings_mappings_or_iris(bundled_local: Client) -> None:
    expected = bundled_local.query(MOU, include_frameworks=True, show_near_misses=True)
    assert_frame_equal(bundled_local.query(MOU, include_frameworks="true", show_near_misses="1"), expected)
    assert_frame_equal(bundled_local.query(MOU, {"include_frameworks": True, "show_near_misses": True}),
                       expected)
    assert_frame_equal(bundled_local.query(MOU, include_frameworks=True, show_near_misses=True,
                                           hub=URIRef(ID + "united-states")), expected)
    assert_frame_equal(bundled_local.query(MOU, include_frameworks=True, show_near_misses=True,
                                           hub=None), expected)


def test_parameters_change_the_answer(bundled: Client) -> None:
    assert len(bundled.query(MOU, show_near_misses=True)) > len(bundled.query(MOU))
    blocs = bundled.query(MOU, include_blocs=True)
    assert blocs["partyClass"].tolist() == [MDO + "Bloc"] * 2  # the EU's MOU and its action plan


@pytest.mark.parametrize(("call", "error", "code"), [
    (lambda c: c.query("no-such-query"), errors.NotFound, "not_found"),
    (lambda c: c.query(MOU, include_frameworks="maybe"), errors.ParameterError, "invalid_parameter"),
    (lambda c: c.query(MOU, no_such_parameter=1), errors.ParameterError, "invalid_parameter"),
    (lambda c: c.query(MOU, hub="not an iri"), errors.ParameterError, "invalid_parameter"),
    (lambda c: c.sparql("SELECT ?x WHERE { ?x "), errors.QuerySyntaxError, "query_syntax"),
    (lambda c: c.select("ASK { ?s ?p ?o }"), errors.QuerySyntaxError, "query_syntax"),
    (lambda c: c.describe("no-such-entity"), errors.NotFound, "not_found"),
    (lambda c: c.describe("http://example.org/elsewhere"), errors.NotFound, "not_found"),
    (lambda c: c.describe(""), errors.ParameterError, "invalid_parameter"),
], ids=["unknown query", "bad boolean", "unknown parameter", "bad iri", "syntax", "select of ask",
        "unknown entity", "foreign iri", "empty id"])
def test_errors_are_mdkg_errors_in_both_modes(bundled: Client, call: Any, error: type[errors.MdkgError],
                                              code: str) -> None:
    with pytest.raises(error) as raised:
        call(bundled)
    assert raised.value.code == code
    assert raised.value.status == error.status
    assert raised.value.message


def test_parameter_errors_say_the_same_in_both_modes(bundled_local: Client, bundled_remote: Client) -> None:
    problems = []
    for client in (bundled_local, bundled_remote):
        with pytest.raises(errors.ParameterError) as raised:
            client.query(MOU, include_frameworks="maybe")
        problems.append((raised.value.message, raised.value.detail))
    assert problems[0] == problems[1]
    assert problems[0][1]["parameter"] == "include_frameworks"


def test_queries_lists_every_named_query_file(bundled: Client) -> None:
    listed = bundled.queries()
    settings = Settings()
    broken = NamedQueryLibrary.from_dir(settings.queries_dir, strict=False).errors  # listed apart
    files = sorted(path.stem for path in settings.queries_dir.glob("*.rq") if path.stem not in broken)
    assert sorted(listed["name"]) == files
    row = listed.set_index("name").loc[MOU]
    assert {"include_frameworks", "include_blocs", "show_near_misses", "hub"} == set(row["params"])
    assert row["form"] == "SELECT"
    assert row["summary"]


def test_query_listing_and_info_agree_across_modes(bundled_local: Client, bundled_remote: Client) -> None:
    assert_frame_equal(bundled_local.queries(), bundled_remote.queries())
    info = bundled_remote.query_info(MOU)
    assert info == bundled_local.query_info(MOU)
    defaults = {p["name"]: p.get("default") for p in info["parameters"]}
    assert defaults["include_frameworks"] is False
    with pytest.raises(errors.NotFound):
        bundled_local.query_info("no-such-query")


# --- cells: every literal type, on the small fixture dataset ---------------------------------------

def test_cells_are_python_values(small: Client) -> None:
    frame = small.query("agreements")
    widget = frame.set_index("agreement").loc[ID + "widget-pact"]
    assert widget["label"] == "Widget pact"
    assert widget["code"] == "WP-1"
    assert widget["partyCount"] == 2 and isinstance(widget["partyCount"], int | pd.Int64Dtype().type)
    assert widget["share"] == Decimal("0.25") and isinstance(widget["share"], Decimal)
    assert widget["ratio"] == 1.5
    assert widget["binding"] is True or widget["binding"] == True  # noqa: E712 - numpy bool
    assert widget["signedOn"] == dt.date(2026, 2, 5)
    assert widget["recordedAt"] == dt.datetime(2026, 2, 5, 10, 30, tzinfo=dt.UTC)
    assert widget["inForceFrom"] == "2025-10"
    assert widget["year"] == "2025"
    assert frame["partyCount"].dtype == "int64"
    assert frame["binding"].dtype == bool
    assert frame["ratio"].dtype == "float64"


def test_unbound_cells_are_missing(small: Client) -> None:
    gadget = small.query("agreements").set_index("agreement").loc[ID + "gadget-accord"]
    for column in ("code", "share", "ratio", "signedOn", "recordedAt", "inForceFrom", "year"):
        assert pd.isna(gadget[column]), column


def test_gaps_keep_integers_and_booleans_nullable(small: Client) -> None:
    frame = small.sparql("SELECT ?n ?flag WHERE { VALUES (?n ?flag) { (1 true) (UNDEF UNDEF) (3 false) } }")
    assert str(frame["n"].dtype) == "Int64"
    assert str(frame["flag"].dtype) == "boolean"
    assert frame["n"].tolist()[0] == 1 and pd.isna(frame["n"].tolist()[1])


def test_keep_terms_gives_rdflib_terms(small: Client) -> None:
    frame = small.query("agreements", keep_terms=True)
    widget = frame[frame["agreement"] == URIRef(ID + "widget-pact")].iloc[0]
    assert widget["agreement"] == URIRef(ID + "widget-pact")
    assert widget["share"] == Literal("0.25", datatype=URIRef(XSD + "decimal"))
    assert widget["inForceFrom"] == Literal("2025-10", datatype=URIRef(XSD + "gYearMonth"))
    assert widget["label"] == Literal("Widget pact", lang="en")
    gadget = frame[frame["agreement"] == URIRef(ID + "gadget-accord")].iloc[0]
    assert gadget["code"] is None


@pytest.mark.parametrize("params", [
    {}, {"party": "lemuria"}, {"min_parties": 2}, {"signed_since": dt.date(2026, 1, 1)},
    {"signed_since": dt.date(2026, 3, 1)},
], ids=["defaults", "party", "min_parties", "signed_since", "signed_since_later"])
def test_typed_parameters_filter_the_same_way_in_both_modes(fixture_local: Client, fixture_remote: Client,
                                                            params: dict[str, Any]) -> None:
    local = fixture_local.query("agreements", **params)
    assert_frame_equal(local, fixture_remote.query("agreements", **params))
    expected = {"party": 1, "min_parties": 1, "signed_since": 1}
    if params.get("signed_since") == dt.date(2026, 3, 1):
        assert local.empty
    elif params:
        assert len(local) == expected[next(iter(params))]
    else:
        assert len(local) == 2


def test_ask_queries_give_bools(small: Client) -> None:
    assert small.query("is-party", state="lemuria") is True
    assert small.query("is-party", state="nowhere") is False
    assert small.sparql(f"ASK {{ GRAPH ?g {{ <{ID}atlantis> a ?t }} }}") is True
    with pytest.raises(errors.ParameterError):
        small.query("is-party")  # state is required


def test_graph_queries_give_graphs(fixture_local: Client, fixture_remote: Client) -> None:
    party = URIRef(MDO + "party")
    local = fixture_local.query("parties-graph")
    assert isinstance(local, Graph)
    assert set(local) == {(URIRef(ID + "widget-pact"), party, URIRef(ID + "atlantis")),
                          (URIRef(ID + "widget-pact"), party, URIRef(ID + "lemuria")),
                          (URIRef(ID + "gadget-accord"), party, URIRef(ID + "atlantis"))}
    assert isomorphic(local, fixture_remote.query("parties-graph"))
    around = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?s = <{ID}widget-pact>) }}"
    constructed = [client.sparql(around) for client in (fixture_local, fixture_remote)]
    assert all(isinstance(g, Graph) and len(g) > 5 for g in constructed)
    assert isomorphic(constructed[0], constructed[1])
    # The dataset lives in named graphs, so the default graph describes nothing: still a Graph.
    described = [client.sparql(f"DESCRIBE <{ID}widget-pact>") for client in (fixture_local, fixture_remote)]
    assert all(isinstance(g, Graph) for g in described)


def test_sparql_selects_are_equal_across_modes(fixture_local: Client, fixture_remote: Client) -> None:
    text = ("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(!isBlank(?s) && !isBlank(?o)) } "
            "ORDER BY ?s ?p ?o")
    local = fixture_local.sparql(text)
    assert len(local) > 20
    assert_frame_equal(local, fixture_remote.sparql(text))


# --- describe ----------------------------------------------------------------------------------------

def test_describe_gives_the_entity_with_labels_and_quotes(bundled: Client) -> None:
    japan = URIRef(ID + "japan")
    graph = bundled.describe("japan")
    assert (japan, RDFS.label, Literal("Japan", lang="en")) in graph
    delegation = URIRef(ID + "delegation-ministerial-2026-japan")
    assert (delegation, URIRef(MDO + "delegationOf"), japan) in graph
    quotes = {str(o) for o in graph.objects(None, URIRef("http://www.w3.org/ns/oa#exact"))}
    assert any("Japan" in quote for quote in quotes)


@pytest.mark.parametrize("entity", ["japan", "forge", "us-uk-mou-2026-02-05"])
def test_describe_is_the_same_in_both_modes(bundled_local: Client, bundled_remote: Client,
                                            entity: str) -> None:
    local = bundled_local.describe(entity)
    assert len(local) > 3
    assert isomorphic(local, bundled_remote.describe(entity))


def test_describe_takes_ids_prefixed_ids_and_iris(bundled: Client) -> None:
    by_id = bundled.describe("south-korea")
    assert isomorphic(by_id, bundled.describe("id:south-korea"))
    assert isomorphic(by_id, bundled.describe(ID + "south-korea"))


def test_describe_the_ontology_gives_the_ontology_graph(fixture_local: Client,
                                                        fixture_remote: Client) -> None:
    ontology = URIRef(CANONICAL_BASE_IRI + "ontology")
    local = fixture_local.describe(str(ontology))
    assert (ontology, RDF.type, OWL.Ontology) in local
    assert (URIRef(MDO + "State"), RDF.type, OWL.Class) in local
    assert isomorphic(local, fixture_remote.describe(str(ontology)))


def test_describe_on_a_server_whose_base_is_its_own_url(rebased_url: str) -> None:
    with Client(rebased_url) as client:
        own = URIRef(rebased_url + "/id/atlantis")
        for spelling in ("atlantis", ID + "atlantis", str(own)):
            graph = client.describe(spelling)
            assert (own, RDFS.label, Literal("Atlantis", lang="en")) in graph, spelling


# --- errors rebuilt from the envelope, and the transport ---------------------------------------------

@pytest.mark.parametrize("cls", _public_error_classes(), ids=lambda cls: cls.__name__)
def test_every_error_class_survives_the_envelope(cls: type[errors.MdkgError]) -> None:
    sent = cls("something went wrong", detail={"line": 3})
    response = httpx.Response(cls.status, json=sent.envelope(), request=httpx.Request("GET", "http://x/"))
    rebuilt = error_from_response(response)
    assert type(rebuilt) is cls
    assert (rebuilt.status, rebuilt.code, rebuilt.message, rebuilt.detail) == (
        cls.status, cls.code, "something went wrong", {"line": 3})


def test_a_broken_query_file_is_rebuilt_with_its_file_and_line() -> None:
    sent = QueryDefinitionError("queries/broken.rq", 7, "SPARQL syntax error")
    response = httpx.Response(sent.status, json=sent.envelope(), request=httpx.Request("GET", "http://x/"))
    rebuilt = error_from_response(response)
    assert type(rebuilt) is QueryDefinitionError
    assert (rebuilt.message, rebuilt.file, rebuilt.line, rebuilt.problem) == (
        sent.message, "queries/broken.rq", 7, "SPARQL syntax error")
    assert (rebuilt.status, rebuilt.code) == (500, "query_definition")


def test_a_broken_query_file_fails_alike_in_both_modes(tmp_path: Path, fixture_settings: Settings,
                                                       serve_app: ServeApp) -> None:
    root = tmp_path / "root"
    shutil.copytree(fixture_settings.root, root)
    (root / "queries" / "broken.rq").write_text("#+ summary: Broken\nSELECT ?x WHERE { ?x\n")
    settings = Settings(root=root)
    failures = []
    with Client(settings=settings) as local, serve_app(lambda url: create_app(settings)) as url, \
            Client(url) as remote:
        for client in (local, remote):
            assert "broken" not in set(client.queries()["name"])
            with pytest.raises(QueryDefinitionError) as raised:
                client.query("broken")
            failures.append((raised.value.message, raised.value.line))
    assert failures[0] == failures[1]
    assert "broken.rq" in failures[0][0]


def test_unknown_codes_keep_the_class_of_their_status() -> None:
    envelope = {"error": {"status": 422, "code": "invalid_request", "message": "bad body"}}
    response = httpx.Response(422, json=envelope, request=httpx.Request("GET", "http://x/"))
    rebuilt = error_from_response(response)
    assert isinstance(rebuilt, errors.ValidationFailed)
    assert (rebuilt.status, rebuilt.code, rebuilt.message) == (422, "invalid_request", "bad body")


def test_answers_without_an_envelope_keep_their_status() -> None:
    response = httpx.Response(502, text="<html>Bad gateway</html>", request=httpx.Request("GET", "http://x/q"))
    rebuilt = error_from_response(response)
    assert rebuilt.status == 502
    assert "502" in rebuilt.message and "Bad gateway" in rebuilt.detail["body"]


def test_unreachable_service_is_store_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}", timeout_s=5) as client, pytest.raises(errors.StoreUnavailable):
        client.sparql("ASK {}")


def _client_answering(handler: Any) -> Client:
    return Client("http://mdkg.test", http=httpx.Client(transport=httpx.MockTransport(handler)))


def test_a_page_that_is_not_a_result_is_refused() -> None:
    page = _client_answering(lambda request: httpx.Response(200, html="<p>a page</p>"))
    with page, pytest.raises(errors.MdkgError, match="not query results"):
        page.sparql("ASK {}")


def test_a_slow_service_is_a_query_timeout() -> None:
    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with _client_answering(too_slow) as slow, pytest.raises(errors.QueryTimeout):
        slow.query("anything")


def test_the_http_client_sends_queries_and_parameters_as_the_service_reads_them() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"boolean": True},
                              headers={"content-type": "application/sparql-results+json"})

    with _client_answering(record) as client:
        assert client.query("is-party", state="japan", flags=[True, False]) is True
        assert client.sparql("ASK { ?s ?p ?o }") is True
    named, posted = seen
    assert named.method == "GET" and named.url.path == "/queries/is-party"
    assert named.url.params.get_list("flags") == ["true", "false"]
    assert named.url.params["state"] == "japan"
    assert posted.method == "POST" and posted.url.path == "/sparql"
    assert httpx.QueryParams(posted.content.decode()) == httpx.QueryParams({"query": "ASK { ?s ?p ?o }"})


# --- construction ------------------------------------------------------------------------------------

def test_in_process_options_are_refused_for_a_url() -> None:
    with pytest.raises(errors.BadRequest):
        Client("http://127.0.0.1:9", settings=Settings())
    with pytest.raises(errors.BadRequest):
        Client(base_iri="http://example.org/")


def test_a_given_store_is_queried_and_left_open(fixture_settings: Settings) -> None:
    store = OxigraphStore()
    try:
        load_dataset(store, fixture_settings)
        with Client(settings=fixture_settings, store=store) as client:
            assert client.query("is-party", state="atlantis") is True
        assert store.quad_count() > 0  # still open after the client closed
    finally:
        store.close()


def test_settings_choose_the_project_folder(tmp_path: Path) -> None:
    with Client(settings=Settings(root=tmp_path)) as empty:
        assert empty.queries().empty
        assert empty.sparql("ASK { GRAPH ?g { ?s ?p ?o } }") is False


def test_raw_params_are_what_a_query_string_carries() -> None:
    assert raw_params({"a": True, "b": False, "c": 3, "d": dt.date(2026, 2, 5), "e": None,
                       "f": ["x", 2], "g": URIRef("http://example.org/x"), "h": Decimal("1.50")}) == {
        "a": "true", "b": "false", "c": "3", "d": "2026-02-05", "f": ["x", "2"],
        "g": "http://example.org/x", "h": "1.50"}
