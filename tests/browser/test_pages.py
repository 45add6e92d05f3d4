"""The pages as a person sees them, in headless Chromium: each test opens pages of the running app,
does what a reader would, checks what shows, and that the page logged no error and asked nothing of any
host but 127.0.0.1. Screenshots of each page go to ``MDKG_SCREENSHOTS`` (or a temporary folder)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

Screenshot = Callable[[Any, str], Path]

ACTIVE_RESULTS = ".tabPanel.active .yasr_results"
RESULT_ROWS = ACTIVE_RESULTS + " tbody tr"


def _run_in_editor(page: Any) -> None:
    page.locator(".tabPanel.active .yasqe_queryButton").click()


def test_home_page(page: Any, live_url: str, screenshot: Screenshot) -> None:
    page.goto(live_url + "/")
    assert "mdkg" in page.locator("h1").inner_text()
    nav = page.locator("header nav").inner_text()
    for item in ("Queries", "SPARQL", "Network"):
        assert item in nav
    assert page.locator("main a[href^='/queries/']").count() > 0  # the example questions
    screenshot(page, "home")
    page.log.assert_clean()


def test_editor_runs_a_named_query_example_and_shows_the_table(page: Any, live_url: str,
                                                                 screenshot: Screenshot) -> None:
    page.goto(live_url + "/sparql")
    page.locator(".CodeMirror").first.wait_for()
    examples = page.locator("#example-select option[value]:not([value=''])")
    assert examples.count() >= 10  # every named query is offered
    page.select_option("#example-select", "forum-chairs")
    assert page.locator(".tabPanel.active .CodeMirror").first.inner_text().count("forum") > 0
    _run_in_editor(page)
    rows = page.locator(RESULT_ROWS)
    rows.first.wait_for()
    assert "South Korea" in page.locator(ACTIVE_RESULTS).inner_text()
    screenshot(page, "editor-forum-chairs")
    sent = [url for url in page.log.requests if url.startswith(live_url + "/sparql")]
    assert sent, "the editor sent no query to this server's /sparql"
    page.log.assert_clean()


def test_a_shared_link_fills_the_editor_and_its_query_runs_here(page: Any, live_url: str,
                                                                 screenshot: Screenshot) -> None:
    query = ("SELECT ?label WHERE { GRAPH ?g { <https://w3id.org/mdkg/id/japan> "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?label } }")
    # A link that names another endpoint still queries this server only.
    page.goto(f"{live_url}/sparql#query={quote(query, safe='')}&endpoint={quote('https://example.org/sparql')}")
    page.locator(".CodeMirror").first.wait_for()
    assert "w3id.org/mdkg/id/japan" in page.locator(".tabPanel.active .CodeMirror").first.inner_text()
    _run_in_editor(page)
    page.locator(RESULT_ROWS).first.wait_for()
    assert "Japan" in page.locator(ACTIVE_RESULTS).inner_text()
    screenshot(page, "editor-shared-link")
    page.log.assert_clean()


def test_editor_completes_the_ontologys_terms_from_this_server(page: Any, live_url: str) -> None:
    page.goto(live_url + "/sparql")
    page.locator(".CodeMirror").first.wait_for()
    page.evaluate("""() => {
        const yasqe = window.mdkgEditor.getTab().getYasqe();
        yasqe.setValue("SELECT * WHERE {\\n  ?s a \\n}");
        yasqe.setCursor({line: 1, ch: 7});
    }""")
    editor = page.locator(".tabPanel.active .CodeMirror textarea").first
    editor.type("mdo:Agr")  # the prefix completer declares mdo: on the way
    page.keyboard.press("Control+Space")
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for()
    assert "mdo:Agreement" in hints.all_inner_texts()
    page.keyboard.press("Enter")
    query = page.evaluate("window.mdkgEditor.getTab().getYasqe().getValue()")
    assert "PREFIX mdo: <https://w3id.org/mdkg/ontology#>" in query and "?s a mdo:Agreement" in query
    page.log.assert_clean()


def test_named_query_bar_chart(page: Any, live_url: str, screenshot: Screenshot) -> None:
    page.goto(live_url + "/queries/stated-vs-named-counts")
    page.locator("figure.query-chart canvas").wait_for()
    labels = page.evaluate("window.mdkgChart.data.labels")
    series = page.evaluate("window.mdkgChart.data.datasets.map(d => d.label)")
    table_rows = page.locator("table.data tbody tr").count()
    assert len(labels) == table_rows > 0
    assert {"statedCount", "namedCount"} <= set(series)
    assert any("11 new" in label for label in labels)
    pandas_line = page.locator("#pandas-line").inner_text()
    assert f'pandas.read_csv("{live_url}/queries/stated-vs-named-counts.csv")' in pandas_line
    csv_button = page.locator(".downloads a", has_text="CSV")
    assert csv_button.get_attribute("href") == "/queries/stated-vs-named-counts.csv"
    screenshot(page, "query-bar-chart")
    page.log.assert_clean()


def test_named_query_timeline(page: Any, live_url: str, screenshot: Screenshot) -> None:
    page.goto(live_url + "/queries/agreements-timeline")
    page.locator("figure.query-chart canvas").wait_for()
    points = page.evaluate("window.mdkgChart.data.datasets[0].data.map(d => d.point.date)")
    dates = [cell.strip() for cell in page.locator("table.data tbody tr td:first-child").all_inner_texts()]
    assert sorted(points) == sorted(dates)
    assert any(re.fullmatch(r"\d{4}-\d{2}", date) for date in points)  # a month-only date stays one
    screenshot(page, "query-timeline")
    page.log.assert_clean()


def test_named_query_network(page: Any, live_url: str, screenshot: Screenshot) -> None:
    page.goto(live_url + "/queries/ministerial-delegations")
    page.locator("#query-network canvas").first.wait_for()
    labels = page.evaluate("window.mdkgChart.nodes().map(n => n.data('label'))")
    edges = page.evaluate("window.mdkgChart.edges().length")
    assert "Critical Minerals Ministerial" in labels and "Japan" in labels
    assert edges == len(labels) - 1  # every delegation links its party to the one event
    screenshot(page, "query-network")
    page.log.assert_clean()


def test_network_view_filters_by_relation_and_date(page: Any, live_url: str, screenshot: Screenshot) -> None:
    page.goto(live_url + "/network")
    page.wait_for_function("window.mdkgNetwork && window.mdkgNetwork.nodes().length > 0")
    everything = page.evaluate("window.mdkgNetwork.edges().length")
    screenshot(page, "network")

    delegations = page.locator("#filter-relations label", has_text=re.compile(r"^\s*delegation \("))
    delegations.locator("input").uncheck()
    page.wait_for_function(f"window.mdkgNetwork.edges().length < {everything}")
    without_delegations = page.evaluate("window.mdkgNetwork.edges().length")

    page.fill("#filter-from", "2026-03-01")
    page.locator("#filter-from").dispatch_event("change")
    page.locator("#filter-undated").uncheck()
    # Each change asks again; the answer to the last one has no undated link left.
    page.wait_for_function("window.mdkgNetwork.edges().length > 0"
                           " && window.mdkgNetwork.edges().every(e => e.data('date'))")
    later = page.evaluate("window.mdkgNetwork.edges().map(e => e.data('date'))")
    assert len(later) < without_delegations
    assert all(date >= "2026-03" for date in later)  # only the term that runs to June 2026
    page.log.assert_clean()


def test_resource_page(page: Any, live_url: str, screenshot: Screenshot) -> None:
    page.goto(live_url + "/id/japan")
    assert "Japan" in page.locator("h1").inner_text()
    screenshot(page, "resource-japan")
    page.log.assert_clean()


def test_ontology_page(page: Any, live_url: str, screenshot: Screenshot) -> None:
    response = page.goto(live_url + "/ontology")
    assert response is not None and response.ok
    assert page.locator("h1").count() > 0
    assert "Agreement" in page.locator("body").inner_text()
    screenshot(page, "ontology")
    page.log.assert_clean()
