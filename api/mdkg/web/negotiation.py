"""HTTP content negotiation: pick the best of the media types a resource offers for an ``Accept`` header.

The API is one function, :func:`choose`; :func:`parse_accept` is exposed for callers that want to
look at the ranges themselves (logging, HTML-versus-data decisions)::

    choose("text/csv;q=0.5, application/json", ["application/sparql-results+json", "text/csv"])
    # -> "text/csv" (application/json is not offered, so text/csv is the only acceptable type)

Rules (RFC 9110, section 12.5.1):

* each offered type takes the quality of the *most specific* range that matches it
  (``type/subtype`` beats ``type/*`` beats ``*/*``); ``q=0`` means "not acceptable";
* the highest quality wins; ties go to the type matched by the more specific range, then to the
  range the client listed first, then to the order of ``offered`` (the server's preference);
* media-type parameters other than ``q`` are ignored when matching: mdkg writes every text format
  as UTF-8 and has no other variants.

Malformed headers are read leniently: unreadable ranges are dropped, and a header with no readable
range at all counts as absent (refusing a client over a typo helps nobody).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MediaRange", "accepts_any", "choose", "parse_accept"]

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass(frozen=True)
class MediaRange:
    """One range of an ``Accept`` header, lower-cased; ``position`` is its index in the header."""

    type: str
    subtype: str
    q: float
    position: int

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return True
        return self.type == main and self.subtype in ("*", sub)


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """Split on ``separator`` except inside double-quoted strings (parameter values may hold commas)."""
    if '"' not in text:
        return text.split(separator)  # nearly every real header: no quoted value to step over
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _quality(raw: str) -> float | None:
    try:
        value = float(raw.strip().strip('"'))
    except ValueError:
        return None
    if value != value:  # NaN
        return None
    return min(max(value, 0.0), 1.0)


def _parse_range(text: str, position: int) -> MediaRange | None:
    pieces = _split_outside_quotes(text, ";")
    full_type = pieces[0].strip().lower()
    if full_type == "*":  # some old clients send a bare "*"
        full_type = "*/*"
    main, slash, sub = full_type.partition("/")
    if not slash or not _TOKEN.match(main) or not _TOKEN.match(sub) or (main == "*" and sub != "*"):
        return None
    q = 1.0
    for parameter in pieces[1:]:
        name, equals, value = parameter.partition("=")
        if name.strip().lower() == "q":
            parsed = _quality(value) if equals else None
            if parsed is None:
                return None
            q = parsed
            break  # anything after q is an accept-extension, not a media-type parameter
    return MediaRange(main, sub, q, position)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The readable ranges of an ``Accept`` header, in header order (empty when none is readable)."""
    if not header:
        return []
    ranges: list[MediaRange] = []
    for position, text in enumerate(_split_outside_quotes(header, ",")):
        if text.strip():
            parsed = _parse_range(text, position)
            if parsed is not None:
                ranges.append(parsed)
    return ranges


def _bare(media_type: str) -> str:
    return media_type.split(";", 1)[0].strip().lower()


_CACHED_HEADER_CHARS = 512
"""Accept headers up to this length have their choices remembered (clients send the same few headers
again and again); longer ones, rare and possibly hostile, are worked out each time."""


def choose(accept_header: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers, or ``None`` when it accepts none of them.

    A missing, empty or wholly unreadable header accepts anything, so the first offered type wins.
    The returned string is the element of ``offered`` itself, unchanged.
    """
    if not offered:
        return None
    if accept_header is None or len(accept_header) <= _CACHED_HEADER_CHARS:
        return _remembered_choice(accept_header, tuple(offered))
    return _choose(accept_header, offered)


@lru_cache(maxsize=1024)
def _remembered_choice(accept_header: str | None, offered: tuple[str, ...]) -> str | None:
    return _choose(accept_header, offered)


def _choose(accept_header: str | None, offered: Sequence[str]) -> str | None:
    ranges = parse_accept(accept_header)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for server_rank, media_type in enumerate(offered):
        bare = _bare(media_type)
        matching = [r for r in ranges if r.matches(bare)]
        if not matching:
            continue
        # The most specific range decides, even when it lowers the quality ("text/*, text/csv;q=0").
        top = max(matching, key=lambda r: (r.specificity, -r.position))
        if top.q <= 0:
            continue
        score = (top.q, top.specificity, -top.position, -server_rank)
        if best is None or score > best:
            best, chosen = score, media_type
    return chosen


def accepts_any(accept_header: str | None, offered: Sequence[str]) -> bool:
    """Whether at least one offered type is acceptable (a cheap early check before doing work)."""
    return choose(accept_header, offered) is not None
