"""Source documents: what each one says, and where in its text each quote was taken from.

Library code only (no web): functions take a :class:`~mdkg.store.Store` and a
:class:`~mdkg.graph_views.Vocab`, and read the captured texts (``settings.sources_dir``) through a
:class:`SourceTextCache`.

* :func:`source_document` - one document's metadata and every quote taken from it with the facts it
  supports, in document order when the text is at hand (and matches its digest), else by fact.
* :func:`list_source_documents` - every document, with its facts and quotes counted.
* :class:`QuoteFinder` - a quote inside its paragraph, for pages that show facts of many documents.
* :func:`quote_anchor` - the fragment id of a quote on its source page.
"""

from mdkg.sources._document import (
    DOCUMENT_ORDER,
    FACT_ORDER,
    DocumentSummary,
    FactEntry,
    QuoteEntry,
    QuoteFinder,
    SourceDocumentView,
    is_source_document,
    list_source_documents,
    source_document,
)
from mdkg.sources._text import (
    MISMATCH,
    MISSING,
    UNCHECKED,
    VERIFIED,
    QuoteInContext,
    Segment,
    SourceText,
    SourceTextCache,
    quote_anchor,
    read_source_text,
)

__all__ = [
    "DOCUMENT_ORDER",
    "FACT_ORDER",
    "MISMATCH",
    "MISSING",
    "UNCHECKED",
    "VERIFIED",
    "DocumentSummary",
    "FactEntry",
    "QuoteEntry",
    "QuoteFinder",
    "QuoteInContext",
    "Segment",
    "SourceDocumentView",
    "SourceText",
    "SourceTextCache",
    "is_source_document",
    "list_source_documents",
    "quote_anchor",
    "read_source_text",
    "source_document",
]
