"""The app's cache of source texts, and a quote finder for one request's pages."""

from __future__ import annotations

from fastapi import Request

from mdkg.sources import QuoteFinder, SourceTextCache
from mdkg.web._graph_pages import vocab_for
from mdkg.web.state import app_state, get_store

_TEXTS_KEY = "sources.texts"


def source_texts_for(request: Request) -> SourceTextCache:
    state = app_state(request)
    texts = state.extras.get(_TEXTS_KEY)
    if texts is None:
        texts = state.extras[_TEXTS_KEY] = SourceTextCache(state.settings.sources_dir)
    return texts


def quote_finder_for(request: Request) -> QuoteFinder:
    """What a page's ``evidence`` macro uses to show each quote inside its paragraph."""
    return QuoteFinder(get_store(request), vocab_for(request), source_texts_for(request))
