"""A SELECT query rewritten so that the engine itself stops after a number of solutions.

Counting solutions in Python would mean building every row as Python objects, which is what the
native serializers avoid; and an engine left to stream a cartesian product would fill memory long
before the deadline. So the outer query gets a ``LIMIT`` (or a smaller one), and the engine stops.

Only the outermost query is touched: its solution modifiers follow the outermost WHERE group, at
bracket depth zero, before an optional trailing ``VALUES`` block. The rewrite is an optimisation:
when the text cannot be read with confidence, :func:`limited_select` returns ``None`` and the
caller counts rows itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mdkg.store._sparql_text import Token, query_shape, tokens

_INTEGER = re.compile(r"\s*([0-9]+)")


@dataclass(frozen=True)
class LimitedText:
    text: str
    rewritten: bool
    """``False`` when the query's own ``LIMIT`` was already within the limit (text unchanged)."""


def _is_keyword(stream: list[Token], index: int, word: str) -> bool:
    token = stream[index]
    if not token.is_word(word):
        return False
    # "ex:LIMIT" is a prefixed name, not the keyword.
    previous = stream[index - 1] if index else None
    return previous is None or not (previous.text == ":" and previous.end == token.start)


def limited_select(text: str, limit: int) -> LimitedText | None:
    """``text`` with at most ``limit`` solutions, or ``None`` if it is not a SELECT read with confidence."""
    shape = query_shape(text)
    if shape.form != "SELECT" or shape.group_close is None:
        return None
    stream = [t for t in tokens(text) if t.start > shape.group_close]
    depth = 0
    insert_at = len(text)
    for index, token in enumerate(stream):
        if token.text in "({[" and token.kind == "punct":
            depth += 1
        elif token.text in ")}]" and token.kind == "punct":
            depth -= 1
        elif depth == 0 and _is_keyword(stream, index, "LIMIT"):
            number = _INTEGER.match(text, token.end)
            if number is None:
                return None
            if int(number.group(1)) <= limit:
                return LimitedText(text, rewritten=False)
            start, end = number.span(1)
            return LimitedText(text[:start] + str(limit) + text[end:], rewritten=True)
        elif depth == 0 and _is_keyword(stream, index, "VALUES"):
            insert_at = token.start
            break
    # On lines of their own: the text may end in a comment, which would swallow anything after it.
    return LimitedText(f"{text[:insert_at]}\nLIMIT {limit}\n{text[insert_at:]}", rewritten=True)
