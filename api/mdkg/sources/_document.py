"""One source document as its page shows it: metadata, and every quote taken from it with its facts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

# The views' label index, so that a fact is named alike on its own page and here.
from mdkg.graph_views import GraphRef, NodeRef, Vocab
from mdkg.graph_views._model import NodeIndex
from mdkg.sources._text import QuoteInContext, SourceText, SourceTextCache
from mdkg.store import Store

DOCUMENT_ORDER = "document"
FACT_ORDER = "fact"

_METADATA = "SELECT ?g ?p ?o WHERE { GRAPH ?g { ?source ?p ?o } }"

_IS_DOCUMENT = "ASK { GRAPH ?g { ?source a mdo:SourceDocument } }"

# Quotations that name the document, and the quotes of facts derived from it (a fact without any
# quote still appears, with ?exact unbound).
_QUOTES = """
SELECT DISTINCT ?fact ?exact WHERE {
  GRAPH ?g {
    { ?quotation prov:wasQuotedFrom ?source . ?fact mdo:evidence ?quotation . ?quotation oa:exact ?exact }
    UNION
    { ?fact prov:wasDerivedFrom ?source .
      OPTIONAL { ?fact mdo:evidence ?quotation . ?quotation oa:exact ?exact } }
  }
  FILTER(isIRI(?fact))
}"""

_ANNOTATIONS = """
SELECT ?x ?key ?value WHERE {
  { SELECT DISTINCT ?x WHERE {
      { GRAPH ?g { ?x prov:wasDerivedFrom ?source } }
      UNION { GRAPH ?g { ?q prov:wasQuotedFrom ?source . ?x mdo:evidence ?q } }
      UNION { GRAPH ?g { ?f prov:wasDerivedFrom ?source . ?f a ?x } }
      UNION { GRAPH ?g { ?source a ?x } }
  } }
  GRAPH ?h { ?x ?key ?value }
  FILTER(?key IN (rdfs:label, skos:prefLabel, skos:altLabel, rdf:type))
}"""

_DOCUMENTS = """
SELECT ?source ?key ?value WHERE {
  GRAPH ?g { ?source a mdo:SourceDocument ; ?key ?value }
  FILTER(?key IN (rdfs:label, dcterms:publisher, dcterms:issued, dcterms:identifier, mdo:section,
                  mdo:sha256))
}"""

_DOCUMENT_COUNTS = """
SELECT ?source (COUNT(DISTINCT ?fact) AS ?facts) WHERE {
  GRAPH ?g { ?source a mdo:SourceDocument }
  OPTIONAL { GRAPH ?h { ?fact prov:wasDerivedFrom ?source } }
} GROUP BY ?source"""

_QUOTE_COUNTS = """
SELECT ?source (COUNT(DISTINCT ?exact) AS ?quotes) WHERE {
  GRAPH ?g { ?source a mdo:SourceDocument }
  GRAPH ?h { ?q prov:wasQuotedFrom ?source ; oa:exact ?exact }
} GROUP BY ?source"""


@dataclass(frozen=True)
class QuoteEntry:
    """One quote taken from the document and the facts it supports."""

    quote: QuoteInContext
    facts: tuple[NodeRef, ...]

    def as_json(self) -> dict[str, Any]:
        return {"quote": self.quote.exact, "anchor": self.quote.anchor, "offset": self.quote.offset,
                "facts": [{"iri": f.iri, "id": f.id, "label": f.label} for f in self.facts]}


@dataclass(frozen=True)
class FactEntry:
    """One fact derived from the document, with its quotes."""

    fact: NodeRef
    quotes: tuple[QuoteInContext, ...]


@dataclass(frozen=True)
class DocumentSummary:
    """A line of the list of sources."""

    document: NodeRef
    identifier: str | None
    publisher: str | None
    issued: str | None
    section: str | None
    facts: int
    quotes: int
    page: str
    """Where its source page is on this server."""

    def as_json(self) -> dict[str, Any]:
        return {"iri": self.document.iri, "label": self.document.label, "identifier": self.identifier,
                "publisher": self.publisher, "issued": self.issued, "section": self.section,
                "facts": self.facts, "quotes": self.quotes, "page": self.page}


@dataclass(frozen=True)
class SourceDocumentView:
    document: NodeRef
    identifier: str | None
    publisher: str | None
    issued: str | None
    section: str | None
    sha256: str | None
    title: str | None
    notes: tuple[str, ...]
    graphs: tuple[GraphRef, ...]
    text: SourceText
    order: str
    """``document`` when the quotes are in the order they appear in the text, else ``fact``."""
    quotes: tuple[QuoteEntry, ...]
    facts: tuple[FactEntry, ...]

    @property
    def unquoted_facts(self) -> tuple[NodeRef, ...]:
        return tuple(entry.fact for entry in self.facts if not entry.quotes)

    @property
    def unlocated_quotes(self) -> tuple[QuoteEntry, ...]:
        """Quotes not found in the text (none when the text is the one they were taken from)."""
        if not self.text.usable:
            return ()
        return tuple(entry for entry in self.quotes if not entry.quote.located)

    def coverage(self) -> float | None:
        return self.text.coverage([entry.quote.exact for entry in self.quotes])

    def passages(self) -> list[list[Any]]:
        return self.text.segments([entry.quote.exact for entry in self.quotes])

    def as_json(self) -> dict[str, Any]:
        return {
            "iri": self.document.iri, "label": self.document.label, "identifier": self.identifier,
            "publisher": self.publisher, "issued": self.issued, "section": self.section,
            "sha256": self.sha256, "notes": list(self.notes), "graphs": [g.as_json() for g in self.graphs],
            "text": {"status": self.text.status, "coverage": self.coverage()},
            "order": self.order,
            "quotes": [entry.as_json() for entry in self.quotes],
            "facts_without_quote": [{"iri": f.iri, "label": f.label} for f in self.unquoted_facts],
        }


def is_source_document(store: Store, vocab: Vocab, iri: URIRef) -> bool:
    return store.ask(vocab.sparql_prologue() + _IS_DOCUMENT, bindings={"source": iri})


def source_document(store: Store, vocab: Vocab, iri: URIRef,
                    texts: SourceTextCache) -> SourceDocumentView | None:
    """The page of one source document; ``None`` when ``iri`` is not a ``mdo:SourceDocument``."""
    prologue = vocab.sparql_prologue()
    bound = {"source": iri}
    metadata: dict[URIRef, list[Any]] = defaultdict(list)
    graphs: set[str] = set()
    for g, p, o in store.select(prologue + _METADATA, bindings=bound).rows:
        if isinstance(p, URIRef) and o is not None:
            metadata[p].append(o)
            if isinstance(g, URIRef):
                graphs.add(str(g))
    if vocab.source_document not in metadata.get(RDF.type, []):
        return None

    index = NodeIndex(vocab)
    for predicate, objects in metadata.items():
        for value in objects:
            index.add(iri, predicate, value)
    for x, key, value in store.select(prologue + _ANNOTATIONS, bindings=bound).rows:
        if isinstance(x, URIRef) and isinstance(key, URIRef):
            index.add(x, key, value)

    quotes_of: dict[URIRef, set[str]] = defaultdict(set)
    for fact, exact in store.select(prologue + _QUOTES, bindings=bound).rows:
        if isinstance(fact, URIRef):
            quotes = quotes_of.setdefault(fact, set())
            if isinstance(exact, Literal):
                quotes.add(str(exact))

    identifier = _text(metadata, DCTERMS.identifier)
    sha256 = _text(metadata, vocab.mdo.sha256)
    text = texts.get(identifier, sha256)

    facts_of: dict[str, list[URIRef]] = defaultdict(list)
    for fact, quotes in quotes_of.items():
        for quote in quotes:
            facts_of[quote].append(fact)

    def fact_order(fact: URIRef) -> tuple[str, str]:
        return index.label(fact).casefold(), str(fact)

    contexts = {quote: text.in_context(quote) for quote in facts_of}
    entries = [QuoteEntry(contexts[quote], tuple(index.node(f) for f in sorted(facts, key=fact_order)))
               for quote, facts in facts_of.items()]
    order = DOCUMENT_ORDER if text.usable else FACT_ORDER
    if order == DOCUMENT_ORDER:
        entries.sort(key=lambda e: (e.quote.offset is None, e.quote.offset or 0, len(e.quote.exact),
                                    e.quote.exact))
    else:
        entries.sort(key=lambda e: (fact_order(URIRef(e.facts[0].iri)), e.quote.exact))
    fact_entries = tuple(
        FactEntry(index.node(fact), tuple(sorted((contexts[q] for q in quotes_of[fact]),
                                                 key=lambda c: (c.offset is None, c.offset or 0, c.exact))))
        for fact in sorted(quotes_of, key=fact_order)
    )
    return SourceDocumentView(
        document=index.node(iri),
        identifier=identifier, publisher=_text(metadata, DCTERMS.publisher),
        issued=_text(metadata, DCTERMS.issued), section=_text(metadata, vocab.mdo.section),
        sha256=sha256, title=_text(metadata, DCTERMS.title),
        notes=tuple(sorted(str(n) for n in metadata.get(SKOS.note, []) if isinstance(n, Literal))),
        graphs=tuple(vocab.graph_ref(g) for g in sorted(graphs)),
        text=text, order=order, quotes=tuple(entries), facts=fact_entries,
    )


def list_source_documents(store: Store, vocab: Vocab) -> list[DocumentSummary]:
    """Every source document with its facts and quotes counted, oldest first."""
    prologue = vocab.sparql_prologue()
    index = NodeIndex(vocab)
    values: dict[URIRef, dict[URIRef, str]] = defaultdict(dict)
    for source, key, value in store.select(prologue + _DOCUMENTS).rows:
        if isinstance(source, URIRef) and isinstance(key, URIRef) and value is not None:
            index.add(source, key, value)
            values[source].setdefault(key, str(value))
    facts = {row["source"]: int(row.get("facts", 0))
             for row in store.select(prologue + _DOCUMENT_COUNTS).dicts() if "source" in row}
    quotes = {row["source"]: int(row.get("quotes", 0))
              for row in store.select(prologue + _QUOTE_COUNTS).dicts() if "source" in row}
    summaries = []
    for source, found in values.items():
        identifier = found.get(DCTERMS.identifier)
        summaries.append(DocumentSummary(
            document=index.node(source), identifier=identifier, publisher=found.get(DCTERMS.publisher),
            issued=found.get(DCTERMS.issued), section=found.get(vocab.mdo.section),
            facts=facts.get(source, 0), quotes=quotes.get(source, 0),
            page=vocab.local_path(str(source)) or str(source),
        ))
    return sorted(summaries, key=lambda s: (s.issued or "", s.document.label.casefold(), s.document.iri))


def _text(metadata: dict[URIRef, list[Any]], predicate: URIRef) -> str | None:
    found = sorted(str(v) for v in metadata.get(predicate, []) if isinstance(v, Literal))
    return found[0] if found else None


class QuoteFinder:
    """Quotes in their documents' context, for pages that show facts from many documents.

    The documents' identifiers and digests are read from the store once per finder (one finder per
    request); the texts come from the app's cache.
    """

    def __init__(self, store: Store, vocab: Vocab, texts: SourceTextCache) -> None:
        self._store = store
        self._vocab = vocab
        self._texts = texts
        self._documents: dict[str, tuple[str | None, str | None]] | None = None

    def _document(self, source_iri: str) -> tuple[str | None, str | None]:
        if self._documents is None:
            found: dict[str, tuple[str | None, str | None]] = {}
            values: dict[str, dict[URIRef, str]] = defaultdict(dict)
            for source, key, value in self._store.select(self._vocab.sparql_prologue() + _DOCUMENTS).rows:
                if isinstance(source, URIRef) and isinstance(key, URIRef) and value is not None:
                    values[str(source)].setdefault(key, str(value))
            for source, fields in values.items():
                found[source] = (fields.get(DCTERMS.identifier), fields.get(self._vocab.mdo.sha256))
            self._documents = found
        return self._documents.get(source_iri, (None, None))

    def in_context(self, source_iri: str, quote: str) -> QuoteInContext:
        identifier, sha256 = self._document(source_iri)
        return self._texts.get(identifier, sha256).in_context(quote)
