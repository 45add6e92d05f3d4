"""The captured text of a source document, checked against its digest, and quotes located in it.

A transcription names its document by ``dcterms:identifier`` (the text file's name without ``.txt``)
and records ``mdo:sha256`` of the bytes captured. Positions are only trusted when the file on disk
still has that digest: a text edited since the transcription could place a quote anywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

VERIFIED = "verified"
"""The text file exists and its SHA-256 digest is the one the transcription records."""
UNCHECKED = "unchecked"
"""The text file exists but the transcription records no digest to check it against."""
MISMATCH = "mismatch"
"""The text file exists but differs from the text the quotes were taken from."""
MISSING = "missing"
"""No text file for this document (the texts are not shipped with the graph)."""

_CONTEXT_CHARS = 220
"""Longest stretch of surrounding text shown on either side of a quote."""
_SAFE_IDENTIFIER = re.compile(r"^[A-Za-z0-9_.-]+$")
# A sentence ends at . ! or ? (and a closing quote) before a capital or an opening quote, so that
# "on Feb. 4" stays one sentence; the context shown around a quote is its sentence.
_SENTENCE_END = re.compile(r"""[.!?]["”’)]?(?=\s+["“A-Z])""")


def quote_anchor(quote: str) -> str:
    """The fragment id of a quote on its source page: stable, and the same from any page."""
    return "q-" + hashlib.sha256(quote.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class QuoteInContext:
    """A quote as a reader sees it in the document: the paragraph around it, the quote marked."""

    before: str
    exact: str
    after: str
    anchor: str
    offset: int | None
    """Where the quote starts in the text; ``None`` when it is shown without its surroundings."""

    @property
    def located(self) -> bool:
        return self.offset is not None


@dataclass(frozen=True)
class Segment:
    """A stretch of the text, marked when quotes cover it; ``anchor`` names the shortest such quote."""

    text: str
    quotes: int
    anchor: str | None


@dataclass(frozen=True)
class SourceText:
    identifier: str
    status: str
    text: str | None
    digest: str | None
    """SHA-256 of the file's bytes, when there is a file."""

    @property
    def usable(self) -> bool:
        """Whether quotes may be located in the text (it is the text they were taken from)."""
        return self.text is not None and self.status in (VERIFIED, UNCHECKED)

    def offset(self, quote: str) -> int | None:
        if not self.usable or not quote:
            return None
        found = self.text.find(quote)  # type: ignore[union-attr]
        return None if found < 0 else found

    def in_context(self, quote: str) -> QuoteInContext:
        """The quote inside its paragraph (trimmed at word boundaries), or alone if it is not found."""
        start = self.offset(quote)
        if start is None or self.text is None:
            return QuoteInContext("", quote, "", quote_anchor(quote), None)
        text = self.text
        end = start + len(quote)
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        ends_before = [m.end() for m in _SENTENCE_END.finditer(text, line_start, line_end)
                       if m.end() <= start]
        sentence_start = max([line_start, *ends_before])
        following = next((m for m in _SENTENCE_END.finditer(text, max(start, end - 2), line_end)
                          if m.end() >= end), None)
        sentence_end = following.end() if following else line_end
        before = _trim_left(text[sentence_start:start].lstrip())
        after = _trim_right(text[end:sentence_end])
        return QuoteInContext(before, quote, after, quote_anchor(quote), start)

    def segments(self, quotes: list[str]) -> list[list[Segment]]:
        """The text line by line, cut where the quotes (their first occurrences) begin and end."""
        if not self.usable or self.text is None:
            return []
        spans = [(start, start + len(q), q) for q in set(quotes) if (start := self.offset(q)) is not None]
        lines: list[list[Segment]] = []
        position = 0
        for line in self.text.split("\n"):
            lines.append(_cut(line, position, spans))
            position += len(line) + 1
        return lines

    def coverage(self, quotes: list[str]) -> float | None:
        """Share of the text's non-blank characters that some quote covers."""
        if not self.usable or self.text is None:
            return None
        covered = [False] * len(self.text)
        for quote in set(quotes):
            start = self.offset(quote)
            if start is not None:
                covered[start:start + len(quote)] = [True] * len(quote)
        visible = [c for c, char in zip(covered, self.text, strict=True) if not char.isspace()]
        return sum(visible) / len(visible) if visible else None


def _cut(line: str, line_start: int, spans: list[tuple[int, int, str]]) -> list[Segment]:
    line_end = line_start + len(line)
    inside = [(max(s, line_start), min(e, line_end), q)
              for s, e, q in spans if s < line_end and e > line_start]
    bounds = sorted({line_start, line_end, *(s for s, _, _ in inside), *(e for _, e, _ in inside)})
    segments: list[Segment] = []
    for left, right in itertools.pairwise(bounds):
        covering = [q for s, e, q in inside if s <= left and e >= right]
        shortest = min(covering, key=len) if covering else None
        segments.append(Segment(line[left - line_start:right - line_start], len(covering),
                                quote_anchor(shortest) if shortest else None))
    return segments or [Segment("", 0, None)]


def _trim_left(text: str) -> str:
    if len(text) <= _CONTEXT_CHARS:
        return text
    cut = text[-_CONTEXT_CHARS:]
    space = cut.find(" ")
    return "…" + (cut[space + 1:] if 0 <= space < 40 else cut)


def _trim_right(text: str) -> str:
    if len(text) <= _CONTEXT_CHARS:
        return text
    cut = text[:_CONTEXT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > _CONTEXT_CHARS - 40 else cut) + "…"


def read_source_text(sources_dir: Path, identifier: str | None, expected_sha256: str | None) -> SourceText:
    """The text of document ``identifier`` from ``sources_dir``, with its status (see the constants)."""
    if not identifier or not _SAFE_IDENTIFIER.match(identifier) or identifier.startswith("."):
        return SourceText(identifier or "", MISSING, None, None)  # names no file we would read
    path = sources_dir / f"{identifier}.txt"
    try:
        data = path.read_bytes()
    except OSError:
        return SourceText(identifier, MISSING, None, None)
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 is None:
        status = UNCHECKED
    else:
        status = VERIFIED if digest == expected_sha256.strip().lower() else MISMATCH
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return SourceText(identifier, MISMATCH, None, digest)
    return SourceText(identifier, status, text, digest)


class SourceTextCache:
    """Texts read once per file version (path, size, modification time), for one app."""

    def __init__(self, sources_dir: Path) -> None:
        self.sources_dir = sources_dir
        self._texts: dict[tuple[str, str | None, int, int], SourceText] = {}

    def get(self, identifier: str | None, expected_sha256: str | None) -> SourceText:
        if not identifier or not _SAFE_IDENTIFIER.match(identifier) or identifier.startswith("."):
            return SourceText(identifier or "", MISSING, None, None)
        try:
            stat = (self.sources_dir / f"{identifier}.txt").stat()
        except OSError:
            return SourceText(identifier, MISSING, None, None)
        key = (identifier, expected_sha256, stat.st_size, stat.st_mtime_ns)
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = read_source_text(self.sources_dir, identifier, expected_sha256)
        return found
