"""The source page: metadata, every quote with the facts it supports, in document order when the
captured text is at hand, by fact otherwise; the document's IRI still gives RDF to programs."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from mdkg.sources import quote_anchor
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from ._project import DIGEST, DOC_ID, DOCUMENT_ORDER, LABELS, QUOTES

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
CANONICAL = "https://w3id.org/mdkg/"
DOC_IRI = f"{CANONICAL}id/source/{DOC_ID}"
PAGE = f"/id/source/{DOC_ID}"


def _anchors(page: str) -> list[str]:
    return re.findall(r'<li class="quote-entry" id="(q-[0-9a-f]{12})">', page)


def _entry(page: str, quote: str) -> str:
    """The HTML of one quote's entry on the page."""
    start = page.index(f'id="{quote_anchor(quote)}"')
    return page[start:page.index("</li>", start)]


def test_browser_gets_the_page_at_the_documents_iri(project_client: Callable[..., TestClient]) -> None:
    client = project_client()
    response = client.get(PAGE, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["vary"] == "Accept"
    page = response.text
    assert "<h1>Test Gazette: Alpha and Beta sign a pact (2026-03-04)</h1>" in page
    for shown in ("Test Gazette", "2026-03-04", "Treaties", DOC_ID, DIGEST, "Written for the tests."):
        assert shown in page
    assert "matches the captured text" in page
    assert client.get(f"/sources/{DOC_ID}", headers=BROWSER).text == page
    assert client.get(f"{PAGE}.html").text == page


def test_quotes_in_document_order_with_their_facts(project_client: Callable[..., TestClient]) -> None:
    page = project_client().get(PAGE, headers=BROWSER).text
    assert _anchors(page) == [quote_anchor(q) for q in DOCUMENT_ORDER]
    assert "Quotes, in the order of the document" in page
    shared = html.unescape(_entry(page, "\"We welcome it,\" said Delta."))
    assert f'href="/id/delta-statement">{LABELS["delta-statement"]}</a>' in shared
    assert f'href="/id/pact-reaction">{LABELS["pact-reaction"]}</a>' in shared
    first = _entry(page, "Alpha signed a pact with Beta")
    assert "<mark>Alpha signed a pact with Beta</mark>" in first
    assert '<span class="context"> on March 3.</span>' in first  # the rest of its sentence
    assert f'href="/id/pact">{LABELS["pact"]}</a>' in first
    assert "pact-reaction" not in first


def test_the_captured_text_is_shown_with_the_quotes_marked(project_client: Callable[..., TestClient]) -> None:
    page = project_client().get(PAGE, headers=BROWSER).text
    text = page[page.index('<div class="passages">'):]
    marks = re.findall(r'<a class="mark-link" href="#(q-[0-9a-f]+)"><mark[^>]*>([^<]*)</mark>', text)
    assert [html.unescape(t) for _, t in marks] == DOCUMENT_ORDER
    assert [anchor for anchor, _ in marks] == [quote_anchor(q) for q in DOCUMENT_ORDER]
    assert "Site navigation, not article text" in text  # unquoted text is there, unmarked


def test_without_the_text_quotes_are_listed_by_fact(project_client: Callable[..., TestClient]) -> None:
    page = project_client(text=None).get(PAGE, headers=BROWSER).text
    assert "Quotes, by fact" in page and "not available on this server" in page
    by_label = sorted(QUOTES, key=lambda fact: LABELS[fact].casefold())
    expected: list[str] = []
    for fact in by_label:
        for quote in sorted(QUOTES[fact]):
            if quote_anchor(quote) not in expected:
                expected.append(quote_anchor(quote))
    assert _anchors(page) == expected
    assert 'class="passages"' not in page


def test_a_changed_text_is_not_trusted(project_client: Callable[..., TestClient]) -> None:
    client = project_client(text="Alpha signed a pact with Beta, said someone else.\n")
    page = client.get(PAGE, headers=BROWSER).text
    assert "differs from the captured text" in page
    assert "Quotes, by fact" in page
    assert "<span class=\"context\">" not in page  # no quote is placed in a text it was not taken from


def test_programs_still_get_rdf_at_the_iri(project_client: Callable[..., TestClient]) -> None:
    client = project_client()
    for headers, path in (({"Accept": "text/turtle"}, PAGE), ({}, PAGE), (BROWSER, f"{PAGE}.ttl")):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/turtle")
        graph = Graph().parse(data=response.text, format="turtle")
        assert (URIRef(DOC_IRI), DCTERMS.publisher, Literal("Test Gazette")) in graph
    assert client.head(PAGE, headers=BROWSER).status_code == 200


def test_json(project_client: Callable[..., TestClient]) -> None:
    client = project_client()
    body = client.get(f"/sources/{DOC_ID}.json").json()
    assert body == client.get(f"/sources/{DOC_ID}", headers={"Accept": "application/json"}).json()
    assert body["identifier"] == DOC_ID and body["sha256"] == DIGEST and body["order"] == "document"
    assert body["text"]["status"] == "verified"
    assert [q["quote"] for q in body["quotes"]] == DOCUMENT_ORDER
    facts = {q["quote"]: sorted(f["id"] for f in q["facts"]) for q in body["quotes"]}
    assert facts["\"We welcome it,\" said Delta."] == ["delta-statement", "pact-reaction"]
    assert body["facts_without_quote"] == []


def test_list_of_sources(project_client: Callable[..., TestClient]) -> None:
    client = project_client()
    listed = client.get("/sources").json()["sources"]
    assert client.get("/sources.json").json()["sources"] == listed
    assert [(s["identifier"], s["facts"], s["quotes"], s["page"]) for s in listed] == [
        (DOC_ID, len(QUOTES), len({q for qs in QUOTES.values() for q in qs}), PAGE)]
    page = client.get("/sources", headers=BROWSER).text
    assert f'href="{PAGE}">Test Gazette: Alpha and Beta sign a pact (2026-03-04)</a>' in page


@pytest.mark.parametrize("path", ["/sources/nothing", "/sources/.hidden", "/sources/a%20b"])
def test_unknown_source_is_404(project_client: Callable[..., TestClient], path: str) -> None:
    client = project_client()
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    page = client.get(path, headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    suffixed = client.get(f"{path}.json", headers=BROWSER)  # the suffix wins over Accept
    assert suffixed.status_code == 404 and suffixed.json()["error"]["code"] == "not_found"


def test_a_resource_that_is_no_document_keeps_its_resource_page(
        project_client: Callable[..., TestClient]) -> None:
    client = project_client()
    assert client.get("/id/source/nothing", headers=BROWSER).status_code == 404
    assert client.get("/id/alpha", headers=BROWSER).status_code == 200
    assert client.get("/sources/pact").status_code == 404


def test_rebased_server(project_client: Callable[..., TestClient]) -> None:
    client = project_client(base_iri="http://testserver/")
    page = client.get(PAGE, headers=BROWSER).text
    assert "<code>http://testserver/id/source/doc_test</code>" in page
    assert _anchors(page) == [quote_anchor(q) for q in DOCUMENT_ORDER]
    assert 'href="/id/pact"' in page
