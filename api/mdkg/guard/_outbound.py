"""Find what would make an engine reach outside: ``SERVICE``, ``LOAD``, and the graphs that
``FROM`` / ``FROM NAMED`` / ``USING`` / ``USING NAMED`` name.

Keywords are found on tokens (so never inside strings, IRIs or comments), case-insensitively, and
not in the local part of a prefixed name (``ex:service``) or in a language tag (``"x"@service``).
A prefix is no shelter (``service:x`` counts, see :class:`Words`).

Oxigraph matches a keyword without requiring a word boundary after it: ``SERVICESILENT<...>`` is a
SERVICE call there, and ``?s ?p trueSERVICE <...> {}`` ends a triple with ``true`` and then calls
the service. No SPARQL keyword or function name contains SERVICE, LOAD, FROM or USING, so any bare
word that contains one of them is taken for it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from mdkg.store._sparql_text import Token

REFUSED_KEYWORDS = ("SERVICE", "LOAD")
DATASET_KEYWORDS = ("FROM", "USING")

_EXTRA = "\u00b7\u0300-\u036f\u203f\u2040"
_PN_CHAR = rf"[\w\-{_EXTRA}]"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_LOCAL = rf"(?:[\w:]|{_PLX})(?:(?:{_PN_CHAR}|[.:]|{_PLX})*(?:{_PN_CHAR}|:|{_PLX}))?"
_LOCAL_NAME = re.compile(_LOCAL)
_PREFIXED_NAME = re.compile(rf"(?P<prefix>[^\W\d_](?:(?:{_PN_CHAR}|\.)*{_PN_CHAR})?)?:(?P<local>{_LOCAL})?")
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_GAP = re.compile(r"(?:\s+|#[^\n\r]*)*")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_RELEVANT = re.compile("SERVICE|LOAD|FROM|USING|BASE|PREFIX", re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _local_name_spans(text: str, stream: list[Token]) -> list[tuple[int, int]]:
    """Where the local parts of prefixed names (and blank node labels) lie, in order.

    Outside strings, IRIs and comments a ``:`` always starts the local part of a name (or sits
    inside one), whatever precedes it.
    """
    spans: list[tuple[int, int]] = []
    for token in stream:
        if token.kind == "punct" and token.text == ":" and (not spans or token.start >= spans[-1][1]):
            local = _LOCAL_NAME.match(text, token.end)
            if local is not None:
                spans.append((local.start(), local.end()))
    return spans


@dataclass(frozen=True)
class Words:
    """The bare words of one reading that a parser may take for one of the keywords that matter here:
    not inside the local part of a prefixed name or blank node label, nor a language tag.

    A word followed by ``:`` still counts: when the prefixed name fails (an undeclared prefix, a
    place where no name fits), Oxigraph backtracks and reads ``SERVICEex:s`` or ``service:s`` as
    the keyword followed by a name.
    """

    text: str
    stream: list[Token]

    def __iter__(self) -> Iterator[tuple[int, Token]]:
        spans = _local_name_spans(self.text, self.stream)
        starts = [start for start, _ in spans]
        for index, token in enumerate(self.stream):
            if token.kind != "word" or not _RELEVANT.search(token.text):
                continue
            if token.start > 0 and self.text[token.start - 1] == "@":
                continue
            inside = bisect_right(starts, token.start) - 1
            if inside >= 0 and token.end <= spans[inside][1]:
                continue
            yield index, token


def keyword_in(word: Token, keywords: tuple[str, ...]) -> str | None:
    """Which of ``keywords`` the word spells (or hides, glued to other letters)."""
    upper = word.text.upper()
    found = [k for k in keywords if k in upper]
    return min(found, key=upper.index) if found else None


@dataclass(frozen=True)
class GraphReference:
    clause: str
    """``FROM``, ``FROM NAMED``, ``USING`` or ``USING NAMED``."""
    iri: str | None
    """The graph, resolved; ``None`` when it cannot be resolved (an undeclared prefix)."""
    written: str
    offset: int


@dataclass(frozen=True)
class Outbound:
    keyword: str
    offset: int


def refused_keywords(words: Words) -> Iterator[Outbound]:
    for _, token in words:
        if keyword := keyword_in(token, REFUSED_KEYWORDS):
            yield Outbound(keyword, token.start)


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not _SCHEME.match(iri) else iri


def dataset_graphs(words: Words) -> Iterator[GraphReference]:
    """The graphs named by dataset clauses, with ``BASE`` and ``PREFIX`` applied as they stand there.

    ``NAMED`` may be glued to either side (``FROMNAMED<g>``, ``FROM NAMEDex:g``); where the text
    also reads as a prefixed name starting with ``NAMED``, both readings are returned.
    """
    text, stream = words.text, words.stream
    prefixes: dict[str, str] = {}
    base: str | None = None
    for index, token in words:
        upper = token.text.upper()
        following = stream[index + 1] if index + 1 < len(stream) else None
        if upper == "BASE" and following is not None and following.kind == "iri":
            base = _resolve(following.text[1:-1], base)
        elif upper == "PREFIX" and following is not None:
            declared = _PREFIXED_NAME.match(text, following.start)
            target = next((t for t in stream[index + 1 : index + 5] if t.kind == "iri"), None)
            if declared and not declared.group("local") and target is not None:
                prefixes[declared.group("prefix") or ""] = _resolve(target.text[1:-1], base)
        elif (clause := keyword_in(token, DATASET_KEYWORDS)) is not None:
            # Case mapping may change a word's length (ß), and then offsets in it are unknown.
            glued_end = token.start + upper.index(clause) + len(clause)
            after = _GAP.match(text, glued_end if len(upper) == len(token.text) else token.end).end()
            readings = [(after, clause)]
            if text[after : after + 5].upper() == "NAMED":
                readings.append((_GAP.match(text, after + 5).end(), f"{clause} NAMED"))
            for offset, read_as in readings:
                reference = _graph_at(text, offset, read_as, prefixes, base)
                if reference is not None:
                    yield reference


def _graph_at(text: str, offset: int, clause: str, prefixes: dict[str, str],
              base: str | None) -> GraphReference | None:
    iri = _IRI.match(text, offset)
    if iri is not None:
        return GraphReference(clause, _resolve(iri.group()[1:-1], base), iri.group(), offset)
    name = _PREFIXED_NAME.match(text, offset)
    if name is None:
        return None  # no graph name here: the parser refuses the clause
    prefix = name.group("prefix") or ""
    if prefix not in prefixes:
        return GraphReference(clause, None, name.group(), offset)
    local = _LOCAL_ESCAPE.sub(r"\1", name.group("local") or "")
    return GraphReference(clause, prefixes[prefix] + local, name.group(), offset)
