"""Reading generated pages back: ids, in-page links, remote fetches."""

from __future__ import annotations

from html.parser import HTMLParser


class PageIndex(HTMLParser):
    """Every element id and every link of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.sources: list[str] = []
        """What the browser would fetch by itself: src of any element, href of <link>."""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if tag == "link" and values.get("href"):
            self.sources.append(values["href"] or "")
        elif values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("src"):
            self.sources.append(values["src"] or "")

    def fragments(self, page: str = "") -> set[str]:
        """The fragments of links to ``page`` ("" for links within the page itself)."""
        return {href.split("#", 1)[1] for href in self.hrefs if "#" in href and href.split("#", 1)[0] == page}
