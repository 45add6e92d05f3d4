"""How deep brackets nest, counted on tokens so that strings and comments do not count.

Parsers recurse once per level: pyoxigraph overflows its stack (and takes the process down) a few
thousand levels deep, and nested ``<< >>`` triple terms already take seconds at a few hundred. The
count leans towards counting too much wherever an engine could read the text otherwise:

* brackets inside an IRI token count too: in ``1<((2))>0`` a parser may take ``<`` for less-than
  and then meet the brackets as code;
* ``<<`` and ``>>`` (RDF 1.2 triple terms) count as one level each.
"""

from __future__ import annotations

from dataclasses import dataclass

from mdkg.store._sparql_text import Token

_OPENING = frozenset("{([")
_CLOSING = frozenset("})]")


@dataclass(frozen=True)
class Depth:
    deepest: int
    first_over_limit: int | None
    """Offset where the depth first went over the limit (``None`` if it never did)."""


def nesting_depth(text: str, stream: list[Token], limit: int) -> Depth:
    depth = deepest = 0
    over: int | None = None
    paired_at = -1  # offset of the second '<' or '>' of a pair already counted

    def step(change: int, offset: int) -> None:
        nonlocal depth, deepest, over
        # Unmatched closers cannot lower the depth below zero: a parser stops at the first one anyway.
        depth = max(0, depth + change)
        if depth > deepest:
            deepest = depth
            if depth > limit and over is None:
                over = offset

    for token in stream:
        if token.kind == "punct":
            char = token.text
            if char in _OPENING:
                step(1, token.start)
            elif char in _CLOSING:
                step(-1, token.start)
            elif char in "<>" and token.start != paired_at and text[token.end : token.end + 1] == char:
                paired_at = token.end
                step(1 if char == "<" else -1, token.start)
        elif token.kind == "iri":
            for index, char in enumerate(token.text[1:-1], start=token.start + 1):
                if char in _OPENING:
                    step(1, index)
                elif char in _CLOSING:
                    step(-1, index)
    return Depth(deepest, over)
