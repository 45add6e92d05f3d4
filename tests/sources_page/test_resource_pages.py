"""Resource pages: each fact's quote marked inside its sentence, linked to its place on the source page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from mdkg.sources import quote_anchor

from ._project import DOC_ID, LABELS

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _source_links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="in-source" href="(/id/source/[^"#]+)#(q-[0-9a-f]{12})"', page)


def test_a_facts_quote_is_marked_in_its_sentence(project_client: Callable[..., TestClient]) -> None:
    page = project_client().get("/id/pact", headers=BROWSER).text
    card = page[page.index("What the source says"):page.index("</section>")]
    assert ('<blockquote class="quote in-context"><mark>Alpha signed a pact with Beta</mark>'
            '<span class="context"> on March 3.</span>') in card
    assert "<mark>The pact covers lithium.</mark>" in card
    assert _source_links(card) == [(f"/id/source/{DOC_ID}", quote_anchor("Alpha signed a pact with Beta")),
                                   (f"/id/source/{DOC_ID}", quote_anchor("The pact covers lithium."))]
    assert "Test Gazette" in card


def test_incoming_links_carry_the_quote_of_their_fact(project_client: Callable[..., TestClient]) -> None:
    page = project_client().get("/id/alpha", headers=BROWSER).text
    assert f'<a href="/id/pact">{LABELS["pact"]}</a>' in page
    assert '<a class="tag type" href="/ontology#State"' in page  # the type by its label, linked
    assert ">party</a>" in page  # the property by its label
    assert "<mark>Alpha signed a pact with Beta</mark>" in page


def test_every_quote_link_lands_on_the_source_page(project_client: Callable[..., TestClient]) -> None:
    for text in ("default", None):
        client = project_client() if text else project_client(text=None)
        source_page = client.get(f"/id/source/{DOC_ID}", headers=BROWSER).text
        links = _source_links(client.get("/id/pact", headers=BROWSER).text)
        assert links
        for _, anchor in links:
            assert f'id="{anchor}"' in source_page


def test_without_the_text_the_quote_is_marked_alone(project_client: Callable[..., TestClient]) -> None:
    page = project_client(text=None).get("/id/pact", headers=BROWSER).text
    assert '<blockquote class="quote"><mark>Alpha signed a pact with Beta</mark> <a class="in-source"' in page
    assert '<span class="context">' not in page


def test_project_pages_link_quotes_to_their_source(real_client: TestClient) -> None:
    """On the project's own data, whether or not its texts are here: each quote link finds its anchor."""
    sources: dict[str, str] = {}
    for entity in ("japan", "us-mexico-critical-minerals-action-plan", "united-states"):
        page = real_client.get(f"/id/{entity}", headers=BROWSER).text
        links = _source_links(page)
        assert links, entity
        for path, anchor in links:
            if path not in sources:
                sources[path] = real_client.get(path, headers=BROWSER).text
            assert f'id="{anchor}"' in sources[path], (entity, anchor)
        for quote in re.findall(r"<mark>([^<]+)</mark>", page):
            assert quote_anchor(html.unescape(quote)) in {a for _, a in links}


def test_structured_values_read_as_fields(real_client: TestClient) -> None:
    page = real_client.get("/id/support-us-over-30-billion", headers=BROWSER).text
    assert '<span class="muted">more than</span> 30,000,000,000</span>' in page  # an xsd:decimal, grouped
    assert '<span class="muted">currency</span> USD</span>' in page
    assert "nothing links to it" in page
