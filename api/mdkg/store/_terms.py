"""RDF terms across the contract: rdflib <-> pyoxigraph conversion and a strict SPARQL serializer.

Every backend hands out the same rdflib terms: a simple literal is ``Literal(value)`` (no
``xsd:string`` datatype), a language-tagged one has ``lang`` and no datatype, so results compare
equal whichever store produced them.

:func:`sparql_term` writes a term as SPARQL text. It is the only way values reach query text (the
remote store's bindings and graph names), so it validates instead of trusting: IRIs must be
absolute and free of the characters that would end or break an ``IRIREF``, language tags must be
well formed, and blank nodes are refused because SPARQL has no way to name an existing one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from mdkg.errors import MdkgError, ParameterError
from mdkg.store._protocol import Term

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal

_XSD_STRING = str(XSD.string)
_RDF_LANG_STRING = str(RDF.langString)

# IRIREF excludes these characters; ``\`` also opens codepoint escapes that some engines expand
# before parsing, so an IRI carrying one is refused rather than escaped.
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20\x7f]')
_IRI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")

_STRING_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def check_iri(iri: str) -> str:
    """Return ``iri`` if it is absolute and safe inside ``<...>``; raise :class:`ParameterError` if not."""
    bad = _IRI_FORBIDDEN.search(iri)
    if bad:
        raise ParameterError(
            f"IRI {iri!r} contains the character {bad.group()!r}, which is not allowed in an IRI",
            detail={"iri": iri},
        )
    if not _IRI_SCHEME.match(iri):
        raise ParameterError(f"IRI {iri!r} is not absolute (it has no scheme)", detail={"iri": iri})
    return iri


def sparql_iri(iri: str) -> str:
    return f"<{check_iri(iri)}>"


def sparql_string(value: str) -> str:
    """A double-quoted SPARQL string literal whose text is exactly ``value``.

    Engines differ on ``\\u`` escapes: some (rdflib, and the SPARQL 1.1 text taken literally)
    expand them in the whole query before parsing, others only inside strings. The escaped form
    therefore never shows a backslash followed by ``u``/``U``: after an escaped backslash, that
    letter is written as its own eight-digit codepoint escape (rdflib reads up to eight hex
    digits, so a shorter escape could swallow digits that follow), which every reading decodes
    to the same text.
    """
    out: list[str] = ['"']
    after_backslash = False
    for char in value:
        if after_backslash and char in "uU":
            out.append("\\U00000075" if char == "u" else "\\U00000055")
        else:
            out.append(_STRING_ESCAPES.get(char, char))
        after_backslash = char == "\\"
    out.append('"')
    return "".join(out)


def sparql_term(term: object) -> str:
    """SPARQL text for an IRI or a literal; anything else is a :class:`ParameterError`."""
    if isinstance(term, URIRef):
        return sparql_iri(str(term))
    if isinstance(term, Literal):
        text = sparql_string(str(term))
        if term.language:
            if not _LANGUAGE_TAG.fullmatch(term.language):
                raise ParameterError(f"invalid language tag {term.language!r}")
            return f"{text}@{term.language}"
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"{text}^^{sparql_iri(str(term.datatype))}"
        return text
    if isinstance(term, BNode):
        raise ParameterError(
            "a blank node cannot be bound: SPARQL has no syntax for an existing blank node; "
            "bind an IRI instead"
        )
    raise ParameterError(f"not an RDF term (expected rdflib URIRef or Literal): {term!r}")


def literal(value: str, *, language: str | None = None, datatype: str | None = None) -> Literal:
    """The rdflib literal every backend returns for the given parts."""
    if language:
        return Literal(value, lang=language)
    if datatype is None or datatype in (_XSD_STRING, _RDF_LANG_STRING):
        return Literal(value)
    return Literal(value, datatype=URIRef(datatype))


def to_ox(term: Term) -> OxTerm:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _engine_iri(value: str) -> URIRef:
    # What URIRef() builds, without its validity check: the engine hands out valid IRIs only, and
    # the check (which can only log a warning) costs more than the rest of the conversion.
    return str.__new__(URIRef, value)


def from_ox(term: object) -> Term:
    if isinstance(term, ox.NamedNode):
        return _engine_iri(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        return literal(term.value, language=term.language, datatype=term.datatype.value)
    # RDF 1.2 triple terms have no rdflib counterpart the contract could hand out.
    raise MdkgError(f"the store returned a term mdkg does not support: {term!r}")


def from_ox_rows(solutions: Iterable[Iterable[object | None]]) -> list[tuple[Term | None, ...]]:
    """Rows of engine terms as rdflib terms (``None`` for unbound).

    A term that recurs in the rows (an IRI, a label, a date) is converted once: rdflib parses
    every typed literal into a Python value, so conversion, not the engine, is most of the cost
    of a large answer. rdflib terms are immutable, so rows may share them.
    """
    converted: dict[object, Term] = {}

    def convert(term: object | None) -> Term | None:
        if term is None:
            return None
        found = converted.get(term)
        if found is None:
            found = converted[term] = from_ox(term)
        return found

    return [tuple([convert(term) for term in solution]) for solution in solutions]


def from_ox_graph(graph_name: object) -> URIRef | BNode | None:
    if isinstance(graph_name, ox.DefaultGraph):
        return None
    term = from_ox(graph_name)
    if isinstance(term, Literal):
        raise MdkgError(f"a literal cannot name a graph: {term!r}")
    return term


# Oxigraph keeps typed literals as values, so it hands back "12.5" for "12.50"^^xsd:decimal and
# "true" for "1"^^xsd:boolean. The other backends put their literals through the same engine
# (a scratch store) so that every backend shows one lexical form per value.
_SCRATCH_PREDICATE = ox.NamedNode("urn:mdkg:canonical")


def _needs_canonical_form(term: object) -> bool:
    return isinstance(term, ox.Literal) and term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING)


def canonical_ox(terms: list[OxTerm]) -> list[OxTerm]:
    """``terms`` with each typed literal in Oxigraph's canonical lexical form."""
    positions = [i for i, term in enumerate(terms) if _needs_canonical_form(term)]
    if not positions:
        return terms
    scratch = ox.Store()
    keys = [ox.NamedNode(f"urn:mdkg:canonical:{i}") for i in positions]
    scratch.extend(ox.Quad(key, _SCRATCH_PREDICATE, terms[i]) for key, i in zip(keys, positions, strict=True))
    result = list(terms)
    for key, i in zip(keys, positions, strict=True):
        result[i] = next(iter(scratch.quads_for_pattern(key, None, None, None))).object
    return result


def canonical_quads(quads: list[ox.Quad]) -> list[ox.Quad]:
    objects = canonical_ox([q.object for q in quads])
    return [
        q if q.object is o else ox.Quad(q.subject, q.predicate, o, q.graph_name)
        for q, o in zip(quads, objects, strict=True)
    ]


def canonical_terms(terms: list[Term | None]) -> list[Term | None]:
    """rdflib ``terms`` with each typed literal in Oxigraph's canonical lexical form."""
    positions = [i for i, t in enumerate(terms) if isinstance(t, Literal) and t.datatype is not None]
    if not positions:
        return terms
    converted = canonical_ox([to_ox(terms[i]) for i in positions])  # type: ignore[arg-type]
    result = list(terms)
    for i, term in zip(positions, converted, strict=True):
        result[i] = from_ox(term)
    return result
