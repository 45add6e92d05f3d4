"""A small SPARQL tokenizer: query form, the outermost WHERE group, and bindings as ``VALUES``.

Bindings reach every backend the same way: one single-row ``VALUES`` block becomes the first
element of the query's outermost WHERE group, written with the strict term serializer of
:mod:`mdkg.store._terms`. Every engine then evaluates the very same text, so bound variables
behave identically everywhere (pyoxigraph's own ``substitutions`` only accept variables of the
SELECT projection, and rdflib's ``initBindings`` reach into sub-SELECTs that do not project them).

What the block means, as SPARQL defines it: the bound variables are in scope from the start of
the outermost group, so triple patterns, FILTERs, OPTIONALs, BINDs, EXISTS and sub-SELECTs that
project the variable all see the value, and a sub-SELECT that does not project it does not (as
in SEP-0007). Assigning a bound variable again with ``AS`` in the outermost group or the
projection is refused (as in SEP-0007); a FILTER in a nested group or UNION branch whose own
patterns do not bind the variable does not see it (the one place it differs from SEP-0007).

The tokenizer only has to skip what may hide braces or keywords: strings, IRIs and comments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from mdkg.errors import ParameterError, QuerySyntaxError
from mdkg.store._protocol import Term
from mdkg.store._terms import sparql_term

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>
          \"\"\"(?:(?:\"|\"\")?(?:[^\"\\]|\\.))*\"\"\"
        | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
        | "(?:[^"\\\n\r]|\\.)*"
        | '(?:[^'\\\n\r]|\\.)*'
      )
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<word>[^\W\d][\w\-]*)
    | (?P<escape>\\.)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_VARNAME = re.compile(r"[\w\u00B7\u0300-\u036F\u203F\u2040]+")
_PROLOGUE_WORDS = {"BASE", "PREFIX", "VERSION"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> Iterator[Token]:
    """Significant tokens (no whitespace, no comments)."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start())


def _preceded_by_space(text: str, token: Token) -> bool:
    return token.start == 0 or text[token.start - 1].isspace() or text[token.start - 1] in "()"


@dataclass(frozen=True)
class QueryShape:
    form: str | None
    """``SELECT``, ``CONSTRUCT``, ``DESCRIBE``, ``ASK``, or ``None`` if no form keyword was found."""
    form_token: Token | None = None
    group_open: int | None = None
    """Offset of the ``{`` opening the outermost WHERE group."""
    group_close: int | None = None
    """Offset of the ``}`` closing it."""
    construct_short_form: bool = False
    """``CONSTRUCT WHERE { ... }``: the group is the template too."""
    group_is_subselect: bool = False
    projection: tuple[Token, ...] = ()
    """Tokens between the form keyword and the WHERE group (SELECT projection, FROM clauses)."""
    outer_group: tuple[Token, ...] = ()
    """Tokens directly inside the WHERE group (not inside nested groups)."""

    @property
    def selects_all(self) -> bool:
        """``SELECT *`` (or ``SELECT DISTINCT *``...)."""
        words = [t for t in self.projection if not t.is_word("DISTINCT", "REDUCED")]
        return self.form == "SELECT" and bool(words) and words[0].text == "*"


def query_shape(text: str) -> QueryShape:
    stream = list(tokens(text))
    index = 0
    # The prologue: BASE <iri>, PREFIX p: <iri>, VERSION "1.2".
    while index < len(stream) and stream[index].is_word(*_PROLOGUE_WORDS):
        index += 1
        while index < len(stream) and stream[index].kind not in ("iri", "string"):
            index += 1
        index += 1
    if index >= len(stream) or not stream[index].is_word(*QUERY_FORMS):
        return QueryShape(form=None)
    form_token = stream[index]
    form = form_token.text.upper()
    index += 1

    short_form = False
    if form == "CONSTRUCT":
        if index < len(stream) and stream[index].text == "{":
            index = _matching_brace(stream, index) + 1
        else:
            short_form = True

    paren_depth = 0
    projection: list[Token] = []
    while index < len(stream):
        token = stream[index]
        if token.text == "{" and paren_depth == 0:
            break
        if token.text == "(":
            paren_depth += 1
        elif token.text == ")":
            paren_depth -= 1
        projection.append(token)
        index += 1
    else:
        return QueryShape(form=form, form_token=form_token, projection=tuple(projection))

    open_index = index
    close_index = _matching_brace(stream, open_index)
    if close_index >= len(stream):
        return QueryShape(form=form, form_token=form_token, projection=tuple(projection))
    outer: list[Token] = []
    depth = 0
    for token in stream[open_index + 1 : close_index]:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0:
            outer.append(token)
    inner_first = stream[open_index + 1] if open_index + 1 < close_index else None
    return QueryShape(
        form=form,
        form_token=form_token,
        group_open=stream[open_index].start,
        group_close=stream[close_index].start,
        construct_short_form=short_form,
        group_is_subselect=inner_first is not None and inner_first.is_word("SELECT"),
        projection=tuple(projection),
        outer_group=tuple(outer),
    )


def _matching_brace(stream: list[Token], open_index: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_index`` (``len(stream)`` if none)."""
    depth = 0
    for index in range(open_index, len(stream)):
        if stream[index].text == "{":
            depth += 1
        elif stream[index].text == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(stream)


@dataclass(frozen=True)
class PreparedQuery:
    """Query text ready for an engine, with what is needed to explain its errors in user terms."""

    original: str
    text: str
    form: str | None
    insertions: tuple[tuple[int, int], ...] = ()
    """``(offset in the original text, length)`` of each piece of text added, in order."""
    star_order: tuple[str, ...] | None = None
    """For ``SELECT *``: variables in order of first appearance in the text, which engines
    otherwise order each their own way."""

    def order_columns(self, variables: tuple[str, ...]) -> tuple[str, ...]:
        if self.star_order is None:
            return variables
        rank = {name: index for index, name in enumerate(self.star_order)}
        return tuple(sorted(variables, key=lambda name: (rank.get(name, len(rank)), name)))

    def original_position(self, line: int, column: int) -> tuple[int, int]:
        """Map a 1-based (line, column) of :attr:`text` back to the user's own query text."""
        if not self.insertions:
            return line, column
        offset = _offset(self.text, line, column)
        shift = 0
        for at, length in self.insertions:
            if offset >= at + shift + length:
                shift += length
            elif offset >= at + shift:
                return line_column(self.original, at)
            else:
                break
        return line_column(self.original, offset - shift)

    def syntax_error(self, reason: str, line: int | None = None, column: int | None = None,
                     *, kind: str = "query") -> QuerySyntaxError:
        """The :class:`QuerySyntaxError` for an engine's complaint, positioned in the user's text."""
        return syntax_error(reason, line, column, kind=kind, mapper=self.original_position)


def syntax_error(reason: str, line: int | None = None, column: int | None = None, *,
                 kind: str = "query",
                 mapper: Callable[[int, int], tuple[int, int]] | None = None) -> QuerySyntaxError:
    reason = reason.strip()
    if line is None:
        reason, line, column = split_position(reason)
    detail: dict[str, object] = {"message": reason}
    if line is not None and column is not None:
        if mapper is not None:
            line, column = mapper(line, column)
        detail.update(line=line, column=column)
        return QuerySyntaxError(
            f"SPARQL {kind} syntax error at line {line}, column {column}: {reason}", detail=detail
        )
    return QuerySyntaxError(f"SPARQL {kind} syntax error: {reason}", detail=detail)


_POSITION_PATTERNS = (
    # Oxigraph: "error at 1:26: expected ..."
    re.compile(r"^error at (?P<line>\d+):(?P<column>\d+):\s*(?P<reason>.*)$", re.DOTALL),
    # Jena, GraphDB, RDF4J: "... at line 1, column 26."
    re.compile(r"^(?P<reason>.*?\bat line (?P<line>\d+), column (?P<column>\d+).*)$", re.DOTALL),
)


def split_position(message: str) -> tuple[str, int | None, int | None]:
    """An engine message without its position prefix, and that position when the engine gave one."""
    for pattern in _POSITION_PATTERNS:
        match = pattern.match(message)
        if match:
            return match.group("reason").strip(), int(match.group("line")), int(match.group("column"))
    return message, None, None


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    return sum(len(chunk) + 1 for chunk in lines[: line - 1]) + max(column - 1, 0)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def check_variable_name(name: str) -> str:
    """The bare variable name (``?x``/``$x`` accepted); :class:`ParameterError` if it is not one."""
    bare = name[1:] if name[:1] in ("?", "$") else name
    if not _VARNAME.fullmatch(bare):
        raise ParameterError(f"{name!r} is not a SPARQL variable name", detail={"variable": name})
    return bare


@lru_cache(maxsize=256)
def _analysed(sparql: str) -> tuple[QueryShape, tuple[str, ...] | None]:
    shape = query_shape(sparql)
    return shape, _variables_in_order(sparql) if shape.selects_all else None


def prepare_query(sparql: str, bindings: Mapping[str, Term] | None = None) -> PreparedQuery:
    """The query text an engine runs: ``sparql`` itself, or with ``bindings`` as a ``VALUES`` block."""
    if not bindings:
        shape = query_shape(sparql)
        star_order = _variables_in_order(sparql) if shape.selects_all else None
        return PreparedQuery(sparql, sparql, shape.form, star_order=star_order)
    # Texts run with bindings are the application's own (named queries, lookups), few and run
    # again and again with other values: their tokens are read once, not at every call.
    shape, star_order = _analysed(sparql)

    values = {check_variable_name(name): sparql_term(term) for name, term in bindings.items()}
    if shape.form is None:
        raise QuerySyntaxError("SPARQL query syntax error: expected SELECT, CONSTRUCT, DESCRIBE or ASK")
    if shape.group_open is None or shape.group_close is None:
        raise ParameterError(
            "parameters need a query with a WHERE group to bind them in",
            detail={"variables": sorted(values)},
        )
    _refuse_reassignment(sparql, shape, values)

    names = sorted(values)
    block = (
        f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(values[n] for n in names)}) }} "
    )
    # (offset in the original text, text to insert there), applied in order
    edits: list[tuple[int, str]] = []
    if shape.construct_short_form and shape.form_token is not None:
        # CONSTRUCT WHERE { T } only admits triples, so spell it out as CONSTRUCT { T } WHERE { T }.
        template = sparql[shape.group_open : shape.group_close + 1]
        edits.append((shape.form_token.end, f" {template} "))
    if shape.group_is_subselect:
        # A group that is a sub-SELECT admits nothing beside it: nest it in a group of its own.
        edits.append((shape.group_open + 1, block + "{ "))
        edits.append((shape.group_close, " } "))
    else:
        edits.append((shape.group_open + 1, block))

    pieces: list[str] = []
    cursor = 0
    for at, insert in edits:
        pieces += [sparql[cursor:at], insert]
        cursor = at
    pieces.append(sparql[cursor:])
    return PreparedQuery(
        original=sparql,
        text="".join(pieces),
        form=shape.form,
        insertions=tuple((at, len(insert)) for at, insert in edits),
        star_order=star_order,
    )


def _variables_in_order(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t.text[1:] for t in tokens(text) if t.kind == "var"))


def _refuse_reassignment(text: str, shape: QueryShape, values: Mapping[str, str]) -> None:
    """``(... AS ?v)`` for a bound ``?v`` in the projection or the outermost group is an error."""
    for region in (shape.projection, shape.outer_group):
        for first, second in pairwise(region):
            if (
                first.is_word("AS")
                and _preceded_by_space(text, first)
                and second.kind == "var"
                and second.text[1:] in values
            ):
                raise ParameterError(
                    f"variable {second.text} is bound by a parameter and assigned again by the query",
                    detail={"variable": second.text[1:]},
                )


def undeclared_prefixes(text: str) -> list[tuple[str, int]]:
    """Prefixes used in prefixed names but never declared with ``PREFIX``, with the offset of
    their first use.

    Engines such as rdflib pre-bind common prefixes (``xsd:``, ``rdfs:``...), which others
    reject; checking here makes every backend refuse the same queries.
    """
    declared: set[str] = set()
    used: dict[str, int] = {}
    stream = list(tokens(text))
    for index, token in enumerate(stream):
        if token.kind != "punct" or token.text != ":":
            continue
        # The prefix is the run of word, '.' and '-' tokens written right before the colon.
        first = index
        while (
            first > 0
            and stream[first - 1].end == stream[first].start
            and (stream[first - 1].kind == "word" or stream[first - 1].text in ".-")
        ):
            first -= 1
        if first > 0 and stream[first - 1].end == stream[first].start and stream[first - 1].text == ":":
            continue  # a colon inside a local name (ex:a:b)
        prefix = text[stream[first].start : token.start].lstrip(".-") if first < index else ""
        if prefix == "_":
            continue  # a blank node label
        if first > 0 and stream[first - 1].is_word("PREFIX"):
            declared.add(prefix)
        elif prefix not in declared and prefix not in used:
            used[prefix] = stream[first].start
    return [(prefix, offset) for prefix, offset in used.items() if prefix not in declared]
