"""The SHACL shapes as a reader needs them: what each shape applies to, what it requires, and the
message a transcriber sees when a node breaks it.

Constraints are phrased in words ("at least 1 value", "each value a source document") with the terms
they name linked: ontology terms to their documentation, shapes to their own entry. The text is
returned as :class:`markupsafe.Markup` built from escaped pieces, so templates print it as is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from mdkg.namespaces import SH

Linker = Callable[[str], str | None]
"""Where the documentation of a term is (``None``: nowhere to link)."""

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_NODE_KINDS = {SH.IRI: "an IRI", SH.Literal: "a literal", SH.BlankNode: "a blank node",
               SH.BlankNodeOrIRI: "an IRI or a blank node",
               SH.BlankNodeOrLiteral: "a blank node or a literal",
               SH.IRIOrLiteral: "an IRI or a literal"}
_SKIPPED = {SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, RDF.type,
            RDFS.label, RDFS.comment, SH.qualifiedMinCount, SH.qualifiedMaxCount,
            SH.qualifiedValueShapesDisjoint, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
            SH.targetObjectsOf, SH.target, SH.property, SH.sparql, SH.deactivated, SH.declare,
            SH.prefixes, SH.flags, SH.qualifiedValueShape}


@dataclass(frozen=True)
class ConstraintDoc:
    text: Markup
    query: str | None = None
    """The SELECT or ASK of a SPARQL-based constraint."""


@dataclass(frozen=True)
class PropertyDoc:
    path: Markup
    constraints: tuple[ConstraintDoc, ...]
    message: str | None
    severity: str | None


@dataclass(frozen=True)
class ShapeDoc:
    iri: str
    anchor: str
    name: str
    """The shape's prefixed name (``mds:FactShape``)."""
    label: str | None
    comment: str | None
    severity: str
    targets: tuple[Markup, ...]
    constraints: tuple[ConstraintDoc, ...]
    """Constraints on the focus node itself (SPARQL, ``sh:xone``, ``sh:not``...)."""
    properties: tuple[PropertyDoc, ...]
    message: str | None
    deactivated: bool

    @property
    def constraint_count(self) -> int:
        return len(self.constraints) + sum(max(len(p.constraints), 1) for p in self.properties)


def _english(graph: Graph, node: Node, predicate: URIRef) -> str | None:
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    english = [v for v in values if (v.language or "en").startswith("en")]
    chosen = sorted(str(v) for v in (english or values))
    return chosen[0] if chosen else None


_ORDER = ("minCount", "maxCount", "class", "datatype", "nodeKind", "in", "hasValue", "languageIn",
          "uniqueLang",
          "minLength", "maxLength", "pattern", "minInclusive", "minExclusive", "maxInclusive", "maxExclusive",
          "equals", "disjoint", "lessThan", "lessThanOrEquals", "node", "or", "xone", "and", "not", "closed")
"""The order constraints are listed in: how many, of what kind, what form, then how they relate."""


def _rank(predicate: URIRef) -> tuple[int, str]:
    local = str(predicate)[len(str(SH)):] if str(predicate).startswith(str(SH)) else ""
    return (_ORDER.index(local) if local in _ORDER else len(_ORDER)), str(predicate)


class _Writer:
    def __init__(self, shapes: Graph, link: Linker, prefixes: dict[str, str]) -> None:
        self.shapes = shapes
        self.link = link
        self.names = {str(ns): prefix for prefix, ns in shapes.namespaces() if prefix}
        self.names.update({ns: prefix for prefix, ns in prefixes.items()})

    def name(self, term: Node) -> str:
        if isinstance(term, URIRef):
            text = str(term)
            best = max((ns for ns in self.names if text.startswith(ns) and len(text) > len(ns)),
                       key=len, default=None)
            return f"{self.names[best]}:{text[len(best):]}" if best else f"<{text}>"
        if isinstance(term, Literal):
            return f'"{term}"@{term.language}' if term.language else f'"{term}"'
        return "[]"

    def term(self, term: Node) -> Markup:
        text = escape(self.name(term))
        href = self.link(str(term)) if isinstance(term, URIRef) else None
        if href:
            return Markup(f'<a href="{escape(href)}"><code>{text}</code></a>')
        return Markup(f"<code>{text}</code>")

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node)) if isinstance(node, BNode) else [node]

    def path(self, node: Node) -> Markup:
        graph = self.shapes
        if isinstance(node, URIRef):
            return self.term(node)
        if not isinstance(node, BNode):
            return Markup(escape(str(node)))
        if (node, RDF.first, None) in graph:
            return Markup(" / ").join(self.path(step) for step in self.items(node))
        for predicate, symbol in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
            inner = graph.value(node, predicate)
            if inner is not None:
                return Markup(f"({self.path(inner)}){symbol}")
        inverse = graph.value(node, SH.inversePath)
        if inverse is not None:
            return Markup(f"^{self.path(inverse)}")
        alternatives = graph.value(node, SH.alternativePath)
        if alternatives is not None:
            return Markup(" | ").join(self.path(step) for step in self.items(alternatives))
        return Markup("[]")

    def constraints(self, node: Node, node_level: bool = False) -> list[ConstraintDoc]:
        """Every constraint of ``node``, phrased, in a stable order: a property shape's constrain each
        value of its path, a node shape's (``node_level``) the node itself."""
        graph = self.shapes
        found: list[tuple[tuple[int, str], ConstraintDoc]] = []
        least, most = graph.value(node, SH.minCount), graph.value(node, SH.maxCount)
        counted = least is not None and most is not None and str(least) == str(most)
        if counted:
            found.append((_rank(SH.minCount), ConstraintDoc(Markup(
                f"exactly {escape(least)} value{'s' if str(least) != '1' else ''}"))))
        for predicate, value in graph.predicate_objects(node):
            if predicate in _SKIPPED or not isinstance(predicate, URIRef):
                continue
            if counted and predicate in (SH.minCount, SH.maxCount):
                continue
            text = self.phrase(node, predicate, value, "" if node_level else "each value ")
            found.append(((_rank(predicate)[0], str(predicate) + str(value)), ConstraintDoc(text)))
        qualified = graph.value(node, SH.qualifiedValueShape)
        if qualified is not None:
            at_least = graph.value(node, SH.qualifiedMinCount)
            at_most = graph.value(node, SH.qualifiedMaxCount)
            bounds = []
            if at_least is not None:
                bounds.append(f"at least {at_least}")
            if at_most is not None:
                bounds.append(f"at most {at_most}")
            found.append(((len(_ORDER), str(SH.qualifiedValueShape)), ConstraintDoc(Markup(
                f"{escape(' and '.join(bounds) or 'some')} value(s) that {self.nested(qualified)}"))))
        for sparql in graph.objects(node, SH.sparql):
            query = graph.value(sparql, SH.select) or graph.value(sparql, SH.ask)
            message = _english(graph, sparql, SH.message)
            text = Markup("SPARQL check") + (Markup(f": {escape(message)}") if message else Markup(""))
            found.append(((len(_ORDER) + 1, message or ""), ConstraintDoc(
                text, _dedent(str(query)) if query is not None else None)))
        return [doc for _, doc in sorted(found, key=lambda pair: pair[0])]

    def nested(self, node: Node) -> Markup:
        """A blank shape inside another (``sh:node [...]``, ``sh:or ([...] [...])``) in one line."""
        if isinstance(node, URIRef):
            return self.term(node)
        parts = [doc.text for doc in self.constraints(node, node_level=True)]
        for property_shape in self.shapes.objects(node, SH.property):
            inner = Markup("; ").join(doc.text for doc in self.constraints(property_shape))
            parts.append(Markup(f"{self.path(self.shapes.value(property_shape, SH.path))} {inner}"))
        return Markup("(") + Markup("; ").join(parts) + Markup(")") if parts else Markup("(anything)")

    def phrase(self, node: Node, predicate: URIRef, value: Node, each: str) -> Markup:
        """One constraint in words; ``each`` is ``"each value "`` for a property shape, else empty."""
        local = str(predicate)[len(str(SH)):] if str(predicate).startswith(str(SH)) else None
        if local == "minCount":
            return Markup(f"at least {escape(value)} value{'s' if str(value) != '1' else ''}")
        if local == "maxCount":
            return Markup(f"at most {escape(value)} value{'s' if str(value) != '1' else ''}")
        if local == "class":
            return Markup(f"{escape(each)}an instance of {self.term(value)}")
        if local == "datatype":
            return Markup(f"datatype {self.term(value)}")
        if local == "nodeKind":
            return Markup(escape(f"{each}{_NODE_KINDS.get(value, self.name(value))}"))
        if local == "pattern":
            flags = self.shapes.value(node, SH.flags)
            suffix = f" (flags {flags})" if flags is not None else ""
            return Markup(f"matches the pattern <code>{escape(value)}</code>{escape(suffix)}")
        if local in ("minLength", "maxLength"):
            return Markup(escape(f"{'at least' if local == 'minLength' else 'at most'} {value} characters"))
        if local in ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive"):
            symbol = {"minInclusive": "≥", "minExclusive": ">", "maxInclusive": "≤",
                      "maxExclusive": "<"}[local]
            return Markup(escape(f"{each or 'the value '}{symbol} {value}"))
        if local == "languageIn":
            languages = ", ".join(str(item) for item in self.items(value))
            return Markup(escape(f"language tag among: {languages}"))
        if local == "uniqueLang":
            return Markup("at most one value per language")
        if local == "in":
            return Markup("one of ") + Markup(", ").join(self.term(item) for item in self.items(value))
        if local == "hasValue":
            return Markup(f"has the value {self.term(value)}")
        if local in ("equals", "disjoint", "lessThan", "lessThanOrEquals"):
            words = {"equals": "the same values as", "disjoint": "no value in common with",
                     "lessThan": "less than the values of",
                     "lessThanOrEquals": "at most the values of"}[local]
            return Markup(f"{escape(words)} {self.term(value)}")
        if local == "node":
            return Markup(f"{escape(each or 'it ')}must satisfy {self.nested(value)}")
        if local in ("or", "xone", "and"):
            words = {"or": "at least one of", "xone": "exactly one of", "and": "all of"}[local]
            options = Markup(" · ").join(self.nested(item) for item in self.items(value))
            return Markup(f"{escape(words)}: {options}")
        if local == "not":
            return Markup(f"{'no value may satisfy' if each else 'not'} {self.nested(value)}")
        if local == "closed":
            return Markup("no properties beyond those listed") if str(value).lower() == "true" else Markup("")
        return Markup(f"{self.term(predicate)} {self.term(value)}")

    def targets(self, shape: Node) -> list[Markup]:
        graph = self.shapes
        found = [Markup(f"every instance of {self.term(t)} (and of its subclasses)")
                 for t in sorted(graph.objects(shape, SH.targetClass), key=str)]
        found += [Markup(f"every node that has {self.term(t)}")
                  for t in sorted(graph.objects(shape, SH.targetSubjectsOf), key=str)]
        found += [Markup(f"every value of {self.term(t)}")
                  for t in sorted(graph.objects(shape, SH.targetObjectsOf), key=str)]
        found += [Markup(f"the node {self.term(t)}")
                  for t in sorted(graph.objects(shape, SH.targetNode), key=str)]
        if (shape, RDF.type, RDFS.Class) in graph:
            found.append(Markup(f"every instance of {self.term(shape)}"))
        return found


def _dedent(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines).strip()


def shape_docs(shapes: Graph, link: Linker, prefixes: dict[str, str] | None = None) -> list[ShapeDoc]:
    """Every named node shape of ``shapes``, ordered by label; ``prefixes`` name IRIs the shapes graph
    has no prefix for."""
    writer = _Writer(shapes, link, prefixes or {})
    found: list[ShapeDoc] = []
    for shape in {s for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}:
        name = writer.name(shape)
        properties = []
        for property_shape in shapes.objects(shape, SH.property):
            severity = shapes.value(property_shape, SH.severity)
            properties.append(PropertyDoc(
                path=writer.path(shapes.value(property_shape, SH.path)),
                constraints=tuple(writer.constraints(property_shape)),
                message=_english(shapes, property_shape, SH.message),
                severity=_SEVERITIES.get(severity) if severity is not None else None,
            ))
        properties.sort(key=lambda p: (str(p.path), [str(c.text) for c in p.constraints]))
        severity = shapes.value(shape, SH.severity)
        found.append(ShapeDoc(
            iri=str(shape), anchor=name.split(":", 1)[-1] if ":" in name else name, name=name,
            label=_english(shapes, shape, RDFS.label), comment=_english(shapes, shape, RDFS.comment),
            severity=_SEVERITIES.get(severity, "Violation") if severity is not None else "Violation",
            targets=tuple(writer.targets(shape)),
            constraints=tuple(writer.constraints(shape, node_level=True)),
            properties=tuple(properties),
            message=_english(shapes, shape, SH.message),
            deactivated=str(shapes.value(shape, SH.deactivated) or "").lower() == "true",
        ))
    return sorted(found, key=lambda doc: ((doc.label or doc.name).casefold(), doc.iri))
