"""What a named-query page charts, read off the result's columns (mdkg.web._charts)."""

from __future__ import annotations

from typing import Any

import pytest
from mdkg.queries import NamedQuery, present
from mdkg.store import SelectResult
from mdkg.web._charts import chart_for, editor_link, pandas_line
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from starlette.requests import Request

ID = "https://w3id.org/mdkg/id/"


def _query(view: str) -> NamedQuery:
    text = f"#+ summary: test\n#+ defaultView: {view}\nSELECT ?x WHERE {{ ?x ?p ?o }}\n"
    return NamedQuery.from_text(text, name="test-query", file="test-query.rq")


def _chart(view: str, variables: tuple[str, ...], rows: list[tuple[Any, ...]],
           base_iri: str = "https://w3id.org/mdkg/") -> dict[str, Any] | None:
    result = SelectResult(variables, rows)
    return chart_for(_query(view), variables, present(result, None), base_iri)


def test_a_table_query_gets_no_chart() -> None:
    assert _chart("table", ("x",), [(Literal(1),)]) is None


def test_bar_one_bar_per_labelled_thing_and_one_series_per_number_column() -> None:
    rows = [
        (URIRef(ID + "a"), Literal("Count A"), Literal(11), Literal(10), Literal("q1")),
        (URIRef(ID + "a"), Literal("Count A"), Literal(11), Literal(10), Literal("q2")),  # same thing again
        (URIRef(ID + "b"), Literal("Count B"), Literal(54), Literal(17), Literal("q3")),
    ]
    chart = _chart("bar", ("count", "countLabel", "stated", "named", "quote"), rows)
    assert chart is not None and chart["type"] == "bar"
    assert chart["axis"] == "count"
    assert chart["categories"] == ["Count A", "Count B"]
    assert chart["series"] == [{"name": "stated", "values": [11.0, 54.0]},
                               {"name": "named", "values": [10.0, 17.0]}]


def test_bar_without_numbers_counts_rows_per_name() -> None:
    rows = [(Literal("EU"),), (Literal("US"),), (Literal("EU"),)]
    chart = _chart("chart", ("party",), rows)  # "chart" is read as bar
    assert chart is not None
    assert chart["categories"] == ["EU", "US"]
    assert chart["series"] == [{"name": "rows", "values": [2, 1]}]


def test_timeline_keeps_each_date_at_its_precision() -> None:
    rows = [
        (Literal("2026-02-04", datatype=XSD.date), URIRef(ID + "ministerial"), Literal("Ministerial"),
         URIRef(ID + "held"), Literal("held on")),
        (Literal("2026-02", datatype=XSD.gYearMonth), URIRef(ID + "framework"), Literal("Framework"),
         URIRef(ID + "signed"), Literal("signed on")),
        (Literal("2024", datatype=XSD.gYear), URIRef(ID + "plan"), Literal("Plan"),
         URIRef(ID + "signed"), Literal("signed on")),
    ]
    chart = _chart("timeline", ("date", "fact", "factLabel", "property", "propertyLabel"), rows,
                   base_iri="http://127.0.0.1:8000/")
    assert chart is not None and chart["type"] == "timeline"
    assert chart["lanes"] == ["held on", "signed on"]
    spans = {p["label"]: (p["precision"], p["start"], p["end"]) for p in chart["points"]}
    assert spans == {"Ministerial": ("day", "2026-02-04", "2026-02-04"),
                     "Framework": ("month", "2026-02-01", "2026-02-28"),
                     "Plan": ("year", "2024-01-01", "2024-12-31")}
    # IRIs outside this server's base link to themselves; the dataset's own link to their pages here.
    assert {p["href"] for p in chart["points"]} == {ID + "ministerial", ID + "framework", ID + "plan"}


def test_timeline_links_the_datasets_own_iris_to_local_pages() -> None:
    rows = [(Literal("2026-02-04", datatype=XSD.date), URIRef(ID + "ministerial"), Literal("Ministerial"))]
    chart = _chart("timeline", ("date", "fact", "factLabel"), rows)
    assert chart is not None
    assert chart["points"][0]["href"] == "/id/ministerial"
    assert chart["points"][0]["lane"] == "date"


def test_network_links_the_first_two_labelled_columns() -> None:
    event, japan, eu = URIRef(ID + "ministerial"), URIRef(ID + "japan"), URIRef(ID + "eu")
    rows = [
        (URIRef(ID + "d1"), japan, Literal("Japan"), URIRef(ID + "State"), event, Literal("Ministerial")),
        (URIRef(ID + "d2"), eu, Literal("EU"), URIRef(ID + "Bloc"), event, Literal("Ministerial")),
    ]
    columns = ("delegation", "party", "partyLabel", "partyClass", "event", "eventLabel")
    chart = _chart("network", columns, rows)
    assert chart is not None and chart["type"] == "network"
    assert chart["groups"] == ["party", "event"]
    assert {n["label"] for n in chart["nodes"]} == {"Japan", "EU", "Ministerial"}
    assert chart["edges"] == [{"source": str(japan), "target": str(event)},
                              {"source": str(eu), "target": str(event)}]


def test_map_is_declined_with_a_reason() -> None:
    chart = _chart("map", ("x",), [(Literal("a"),)])
    assert chart is not None and chart["type"] == "map" and "web" in chart["message"]


@pytest.mark.parametrize(("query_string", "expected"), [
    ("", 'pandas.read_csv("http://127.0.0.1:8000/queries/test-query.csv")'),
    ("event=japan", 'pandas.read_csv("http://127.0.0.1:8000/queries/test-query.csv?event=japan")'),
    ('x="', 'pandas.read_csv("http://127.0.0.1:8000/queries/test-query.csv?x=%22")'),
])
def test_pandas_line(query_string: str, expected: str) -> None:
    request = Request({"type": "http", "method": "GET", "scheme": "http", "path": "/queries/test-query",
                       "query_string": query_string.encode(), "headers": [(b"host", b"127.0.0.1:8000")],
                       "server": ("127.0.0.1", 8000)})
    line = pandas_line(request, _query("table"))
    assert line.splitlines() == ["import pandas", f"df = {expected}"]


def test_editor_link_carries_the_query_in_the_fragment() -> None:
    link = editor_link("SELECT * { ?s ?p ?o }")
    assert link == "/sparql#query=SELECT%20%2A%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D"
