"""The pages a person opens in a browser, and their addresses for a server at a given host and port
(what ``mdkg open`` prints)."""

from __future__ import annotations

import ipaddress
import webbrowser
from dataclasses import dataclass

from mdkg.errors import BadRequest

__all__ = ["PAGES", "Page", "open_in_browser", "page_table", "site_url"]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    what: str


PAGES: tuple[Page, ...] = (
    Page("home", "/", "what the graph covers, counts by type, sources, example questions"),
    Page("editor", "/sparql", "SPARQL query editor, preloaded with every named query"),
    Page("queries", "/queries", "named queries: a form, the result as a table or a chart, downloads"),
    Page("entities", "/entities", "find states, blocs, agencies, agreements... by name"),
    Page("network", "/network", "states, blocs, agreements, forums and events as a graph"),
    Page("sources", "/sources", "the source documents, and every quote taken from each"),
    Page("ontology", "/ontology", "the ontology: classes, properties, a diagram"),
    Page("shapes", "/shapes", "the SHACL shapes data is checked against"),
    Page("export", "/export", "download the whole graph (TriG, N-Quads, Turtle...)"),
    Page("docs", "/docs", "the HTTP API (OpenAPI)"),
)

_EVERY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
"""A server listening on every address is reached here on the loopback one."""


def site_url(host: str, port: int) -> str:
    """``http://host:port`` as a browser on this machine would type it (IPv6 in brackets)."""
    if not 0 < port < 65536:
        raise BadRequest(f"{port} is not a TCP port", detail={"port": port})
    name = host.strip().strip("[]")
    name = _EVERY_ADDRESS.get(name, name)
    try:
        if isinstance(ipaddress.ip_address(name), ipaddress.IPv6Address):
            name = f"[{name}]"
    except ValueError:
        pass  # a host name
    return f"http://{name}:{port}"


def page_table(base: str) -> str:
    """One line per page: its name, its address under ``base`` and what it shows."""
    rows = [(page.name, base + page.path, page.what) for page in PAGES]
    name_width = max(len(name) for name, _, _ in rows)
    url_width = max(len(url) for _, url, _ in rows)
    return "\n".join(f"{name:<{name_width}}  {url:<{url_width}}  {what}" for name, url, what in rows)


def open_in_browser(base: str, name: str = "home") -> str:
    """Open page ``name`` in the default web browser; returns its address."""
    page = next((p for p in PAGES if p.name == name), None)
    if page is None:
        raise BadRequest(f"no page {name!r}", detail={"pages": [p.name for p in PAGES]})
    url = base + page.path
    webbrowser.open(url)
    return url
