"""The texts an engine may actually parse, given how engines treat ``\\u`` codepoint escapes.

SPARQL 1.1 says codepoint escapes are expanded in the whole query before parsing; rdflib does
exactly that (and reads up to eight hex digits after ``\\u`` or ``\\U``), while Oxigraph expands
them only inside strings and IRIs. A keyword or a bracket spelled as an escape is therefore
invisible in the raw text but live for rdflib: ``\\u0053ERVICE`` is a SERVICE call there.

The guard inspects every reading. Escapes outside string literals are refused outright: inside an
IRI they change where Oxigraph sees the IRI end, and no reading of the raw text matches that.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from mdkg.errors import BadRequest
from mdkg.store._sparql_text import Token, line_column

_SPEC_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_RDFLIB_ESCAPE = re.compile(r"\\[uU]([0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{4})?)")


@dataclass(frozen=True)
class Reading:
    """One way an engine may read the query text, with offsets mapped back to the user's text."""

    text: str
    original: str
    name: str = "as written"
    # Where each decoded escape ends in ``text``, and how far the original is ahead from there on.
    _marks: tuple[int, ...] = field(default=(), repr=False)
    _shifts: tuple[int, ...] = field(default=(), repr=False)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) in the user's text of an offset in :attr:`text`."""
        index = bisect_right(self._marks, offset) - 1
        return line_column(self.original, offset + (self._shifts[index] if index >= 0 else 0))


def _decoded(text: str, pattern: re.Pattern[str], name: str) -> Reading:
    pieces: list[str] = []
    marks: list[int] = []
    shifts: list[int] = []
    cursor = length = 0
    for match in pattern.finditer(text):
        code = int(next(group for group in match.groups() if group), 16)
        if code > 0x10FFFF:
            continue  # the engine refuses the query; nothing to decode
        before = text[cursor : match.start()]
        pieces += [before, chr(code)]
        length += len(before) + 1
        cursor = match.end()
        marks.append(length)
        shifts.append(cursor - length)
    pieces.append(text[cursor:])
    return Reading("".join(pieces), text, name, tuple(marks), tuple(shifts))


def readings(text: str) -> Iterator[Reading]:
    """The raw text, then each distinct decoding of its codepoint escapes."""
    yield Reading(text, text)
    if "\\u" not in text and "\\U" not in text:
        return
    seen = {text}
    for pattern, name in ((_SPEC_ESCAPE, "with \\u escapes expanded as SPARQL 1.1 says"),
                          (_RDFLIB_ESCAPE, "with \\u escapes expanded as rdflib does")):
        reading = _decoded(text, pattern, name)
        if reading.text not in seen:
            seen.add(reading.text)
            yield reading


def refuse_escapes_outside_strings(text: str, stream: list[Token], kind: str) -> None:
    """Codepoint escapes are only accepted where every engine reads them the same: inside strings."""
    for token in stream:
        if token.kind == "escape" and token.text in ("\\u", "\\U"):
            line, column = line_column(text, token.start)
            raise BadRequest(
                f"{token.text} escapes are accepted only inside string literals "
                f"(line {line}, column {column}); write the character itself",
                detail={"line": line, "column": column, "kind": kind},
            )
