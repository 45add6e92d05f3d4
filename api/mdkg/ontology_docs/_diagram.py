"""A diagram of the ontology's main classes and the relations between them, as a self-contained SVG.

*Main classes* are the ontology's classes that an object property of the ontology has as domain or
range. Arrows are those properties, from domain to range, labelled; dashed arrows with a hollow head
lead from a class to its nearest superclass in the diagram. A relation to a class of another
vocabulary (agent, concept, person...) or to the class itself is a line inside the class's box, as in
a UML class diagram, rather than an arrow across the whole picture. Colours tell facts (blue), agents
and parties (green) and provenance (yellow) apart, so "is a fact" and "is an agent" need no arrows.

The layout is layered (in the manner of Sugiyama): cycles are broken, each class gets the row of its
longest path from the top and is then moved down next to what it points at, long arrows pass through
invisible waypoints, rows are ordered by barycentres to reduce crossings, and classes are pulled
towards their neighbours by least squares. Labels go where they overlap nothing. No Graphviz needed,
and the output depends only on the ontology, so a build is reproducible.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

SH = Namespace("http://www.w3.org/ns/shacl#")

_TITLE_FONT = 13
_LINE_FONT = 11
_TITLE_CHAR = 7.4
_LINE_CHAR = 6.3
"""Average advance of the sans-serif font at 13px and 11px, to size boxes without measuring text."""
_TITLE_HEIGHT = 28
_LINE_HEIGHT = 15
_PADDING = 12
_ROW_GAP = 90
_COLUMN_GAP = 30
_MARGIN = 24

_ROLES = {
    "fact": ("#e7f0fb", "#7aa3d6"),
    "agent": ("#e9f5ea", "#7cb58a"),
    "provenance": ("#fff6d8", "#d6b24a"),
    "other": ("#f1f2f5", "#9aa3b2"),
}
_ANY_CLASS = (OWL.Class, RDFS.Class, RDFS.Resource, OWL.Thing)
"""Ranges that say "any class": nothing a box could show."""
_AGENT_CLASSES = (URIRef("http://www.w3.org/ns/prov#Agent"), URIRef("http://xmlns.com/foaf/0.1/Agent"))


@dataclass
class _Line:
    property: str
    href: str | None
    range: str


@dataclass
class _Node:
    key: str
    label: str
    href: str | None
    role: str
    lines: list[_Line] = field(default_factory=list)
    dummy: bool = False
    layer: int = 0
    x: float = 0.0
    top: float = 0.0

    @property
    def width(self) -> float:
        if self.dummy:
            return 8.0
        widest = max([len(self.label) * _TITLE_CHAR,
                      *(len(f"{line.property} → {line.range}") * _LINE_CHAR for line in self.lines)])
        return widest + 2 * _PADDING

    @property
    def height(self) -> float:
        if self.dummy:
            return 0.0
        return _TITLE_HEIGHT + (len(self.lines) * _LINE_HEIGHT + 8 if self.lines else 0)


@dataclass
class _Edge:
    source: str
    target: str
    labels: list[tuple[str, str | None]] = field(default_factory=list)
    """(label, link) of each property drawn by this arrow."""
    subclass: bool = False
    reversed: bool = False
    points: list[str] = field(default_factory=list)
    """Node keys the arrow passes through, waypoints included."""


@dataclass(frozen=True)
class Diagram:
    svg: str
    width: int
    height: int
    classes: tuple[str, ...]
    """IRIs of the classes drawn as boxes."""
    relations: tuple[tuple[str, str, str], ...]
    """(domain, property, range) IRIs of the relations drawn, as arrows or as lines in boxes."""


def _label(graph: Graph, term: URIRef) -> str:
    labels = [o for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)]
    english = [o for o in labels if (o.language or "en").startswith("en")]
    chosen = sorted(str(o) for o in (english or labels))
    if chosen:
        return chosen[0]
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _superclasses(graph: Graph, term: URIRef) -> list[URIRef]:
    return sorted((o for o in graph.objects(term, RDFS.subClassOf) if isinstance(o, URIRef)), key=str)


def _is_a(graph: Graph, term: URIRef, ancestor: URIRef) -> bool:
    seen: set[URIRef] = set()
    todo = [term]
    while todo:
        current = todo.pop()
        if current == ancestor:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(_superclasses(graph, current))
    return False


def class_diagram(ontology: Graph, namespace: str, href: dict[str, str] | None = None,
                  shapes: Graph | None = None) -> Diagram:
    """Draw the main classes of ``ontology`` (its own terms under ``namespace``); ``href`` maps a term's
    IRI to where a click on it leads (by default nowhere). With ``shapes``, a property the ontology
    gives no domain or range (``prov:wasDerivedFrom``) is drawn where a shape constrains it:
    ``sh:targetClass`` to ``sh:class``."""
    links = href or {}

    def own(term: object) -> bool:
        return isinstance(term, URIRef) and str(term).startswith(namespace)

    relations = _relations(ontology, own, shapes)
    fact = URIRef(namespace + "Fact")
    provenance = {URIRef(namespace + "SourceDocument"), URIRef(namespace + "Quotation")}

    def role(term: URIRef) -> str:
        if term in provenance:
            return "provenance"
        if own(term) and _is_a(ontology, term, fact):
            return "fact"
        if any(_is_a(ontology, term, agent) for agent in _AGENT_CLASSES):
            return "agent"
        return "other"

    def as_line(domain: URIRef, range_: URIRef) -> bool:
        return domain == range_ or (not own(range_) and own(domain))

    boxed = sorted({t for d, _, r in relations for t in ((d,) if as_line(d, r) else (d, r))}, key=str)
    nodes = {str(t): _Node(str(t), _label(ontology, t), links.get(str(t)), role(t)) for t in boxed}
    edges: dict[tuple[str, str, bool], _Edge] = {}
    for domain, prop, range_ in relations:
        entry = (_label(ontology, prop), links.get(str(prop)))
        if as_line(domain, range_):
            nodes[str(domain)].lines.append(_Line(entry[0], entry[1], _label(ontology, range_)))
            continue
        edge = edges.setdefault((str(domain), str(range_), False), _Edge(str(domain), str(range_)))
        edge.labels.append(entry)
    implied = {fact, *_AGENT_CLASSES}
    for term in boxed:
        for parent in _nearest_drawn_superclasses(ontology, term, set(boxed)):
            if parent not in implied:
                edges.setdefault((str(term), str(parent), True), _Edge(str(term), str(parent), subclass=True))
    for node in nodes.values():
        node.lines.sort(key=lambda line: (line.property.casefold(), line.range.casefold()))

    ordered_edges = sorted(edges.values(), key=lambda e: (e.source, e.target, e.subclass))
    rows = _layout(nodes, ordered_edges)
    svg, width, height = _render(nodes, ordered_edges, rows)
    drawn = tuple((str(d), str(p), str(r)) for d, p, r in relations)
    drawn += tuple((e.source, str(RDFS.subClassOf), e.target) for e in ordered_edges if e.subclass)
    return Diagram(svg=svg, width=width, height=height, classes=tuple(str(t) for t in boxed),
                   relations=drawn)


def _relations(ontology: Graph, own: Callable[[object], bool],
               shapes: Graph | None) -> list[tuple[URIRef, URIRef, URIRef]]:
    relations: list[tuple[URIRef, URIRef, URIRef]] = []
    declared = sorted((p for p in ontology.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)),
                      key=str)
    undescribed: set[URIRef] = set()
    for prop in declared:
        domains = sorted((d for d in ontology.objects(prop, RDFS.domain) if isinstance(d, URIRef)), key=str)
        ranges = sorted((r for r in ontology.objects(prop, RDFS.range) if isinstance(r, URIRef)), key=str)
        if not domains or not ranges:
            undescribed.add(prop)
        if not own(prop):
            continue
        relations += [(d, prop, r) for d in domains for r in ranges if r not in _ANY_CLASS]
    if shapes is not None:
        for shape, target in sorted(shapes.subject_objects(SH.targetClass), key=str):
            for property_shape in shapes.objects(shape, SH.property):
                path = shapes.value(property_shape, SH.path)
                kind = shapes.value(property_shape, SH["class"])
                if (path in undescribed and isinstance(kind, URIRef) and isinstance(target, URIRef)
                        and own(target)):
                    relations.append((target, path, kind))
    return sorted(set(relations), key=lambda r: tuple(map(str, r)))


def _nearest_drawn_superclasses(ontology: Graph, term: URIRef, drawn: set[URIRef]) -> list[URIRef]:
    found: list[URIRef] = []
    seen: set[URIRef] = {term}
    todo = _superclasses(ontology, term)
    while todo:
        parent = todo.pop(0)
        if parent in seen:
            continue
        seen.add(parent)
        if parent in drawn:
            found.append(parent)
        else:
            todo.extend(_superclasses(ontology, parent))
    return sorted(found, key=str)


# --- layout ---------------------------------------------------------------------------------------

def _layout(nodes: dict[str, _Node], edges: list[_Edge]) -> list[list[str]]:
    _break_cycles(nodes, edges)
    _assign_layers(nodes, edges)
    _add_waypoints(nodes, edges)
    rows = _order_rows(nodes, edges)
    _place(nodes, edges, rows)
    return rows


def _break_cycles(nodes: dict[str, _Node], edges: list[_Edge]) -> None:
    """Reverse the arrows that close a cycle (depth-first, in a fixed order), so layers exist."""
    out: dict[str, list[_Edge]] = defaultdict(list)
    for edge in edges:
        out[edge.source].append(edge)
    state: dict[str, int] = {}

    def visit(start: str) -> None:
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, pending = stack[-1]
            edge = next(pending, None)
            if edge is None:
                state[node] = 2
                stack.pop()
                continue
            target = edge.target
            if state.get(target) == 1:
                edge.reversed = True
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(out[target])))

    for key in sorted(nodes):
        if key not in state:
            visit(key)


def _ends(edge: _Edge) -> tuple[str, str]:
    return (edge.target, edge.source) if edge.reversed else (edge.source, edge.target)


def _assign_layers(nodes: dict[str, _Node], edges: list[_Edge]) -> None:
    incoming: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        upper, lower = _ends(edge)
        incoming[lower].append(upper)
    layer: dict[str, int] = {}

    def depth(key: str) -> int:
        if key not in layer:
            layer[key] = 0  # the graph is acyclic now; this only guards against surprises
            layer[key] = max((depth(parent) + 1 for parent in incoming[key]), default=0)
        return layer[key]

    for key in sorted(nodes):
        nodes[key].layer = depth(key)
    # Longest paths put every class without incoming arrows on the top row; moving each class down to
    # just above the nearest class it points at keeps rows narrower and arrows shorter.
    outgoing: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        upper, lower = _ends(edge)
        outgoing[upper].append(lower)
    for key in sorted(nodes, key=lambda k: -nodes[k].layer):
        if outgoing[key]:
            nodes[key].layer = max(nodes[key].layer, min(nodes[t].layer for t in outgoing[key]) - 1)


def _add_waypoints(nodes: dict[str, _Node], edges: list[_Edge]) -> None:
    for index, edge in enumerate(edges):
        upper, lower = _ends(edge)
        chain = [upper]
        for layer in range(nodes[upper].layer + 1, nodes[lower].layer):
            key = f"~{index}~{layer}"
            nodes[key] = _Node(key, "", None, "other", dummy=True, layer=layer)
            chain.append(key)
        chain.append(lower)
        edge.points = chain


def _neighbours(edges: list[_Edge]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    above: dict[str, list[str]] = defaultdict(list)
    below: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        for upper, lower in itertools.pairwise(edge.points):
            below[upper].append(lower)
            above[lower].append(upper)
    return above, below


def _crossings(rows: list[list[str]], below: dict[str, list[str]]) -> int:
    total = 0
    for upper, lower in itertools.pairwise(rows):
        position = {key: i for i, key in enumerate(lower)}
        pairs = [(i, position[t]) for i, key in enumerate(upper) for t in below[key] if t in position]
        total += sum(1 for a, b in pairs for c, d in pairs if a < c and b > d)
    return total


def _order_rows(nodes: dict[str, _Node], edges: list[_Edge]) -> list[list[str]]:
    depth = max((n.layer for n in nodes.values()), default=0)
    rows: list[list[str]] = [[] for _ in range(depth + 1)]
    for key in sorted(nodes, key=lambda k: (nodes[k].dummy, nodes[k].label.casefold(), k)):
        rows[nodes[key].layer].append(key)
    above, below = _neighbours(edges)
    best = [list(row) for row in rows]
    best_crossings = _crossings(best, below)
    for sweep in range(16):
        downward = sweep % 2 == 0
        indices = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for i in indices:
            reference = rows[i - 1] if downward else rows[i + 1]
            position = {key: p for p, key in enumerate(reference)}
            linked = above if downward else below

            def barycentre(key: str, position: dict[str, int] = position,
                           linked: dict[str, list[str]] = linked, row: list[str] = rows[i]) -> float:
                places = [position[n] for n in linked[key] if n in position]
                return sum(places) / len(places) if places else float(row.index(key))

            rows[i] = sorted(rows[i], key=barycentre)
        crossings = _crossings(rows, below)
        if crossings < best_crossings:
            best, best_crossings = [list(row) for row in rows], crossings
    return best


def _place(nodes: dict[str, _Node], edges: list[_Edge], rows: list[list[str]]) -> None:
    """Pack each row, then pull nodes towards the mean of their neighbours without overlapping."""
    above, below = _neighbours(edges)
    for row in rows:
        x = 0.0
        for key in row:
            nodes[key].x = x + nodes[key].width / 2
            x += nodes[key].width + _COLUMN_GAP
    widest = max((_row_width(nodes, row) for row in rows), default=0.0)
    for row in rows:
        shift = (widest - _row_width(nodes, row)) / 2
        for key in row:
            nodes[key].x += shift
    for _ in range(12):
        for row in rows:
            wanted = []
            for key in row:
                linked = above[key] + below[key]
                wanted.append(sum(nodes[n].x for n in linked) / len(linked) if linked else nodes[key].x)
            _settle(nodes, row, wanted)
    left = min((nodes[k].x - nodes[k].width / 2 for row in rows for k in row), default=0.0)
    for node in nodes.values():
        node.x += _MARGIN - left


def _row_width(nodes: dict[str, _Node], row: list[str]) -> float:
    return sum(nodes[k].width for k in row) + _COLUMN_GAP * max(len(row) - 1, 0)


def _settle(nodes: dict[str, _Node], row: list[str], wanted: list[float]) -> None:
    """Place the row's nodes as near ``wanted`` as their order and gaps allow (least squares).

    With ``offset[i]`` the least distance from the first node to node ``i``, the positions less their
    offsets must not decrease: an isotonic regression, solved by pooling adjacent violators.
    """
    offsets = [0.0]
    for left, right in itertools.pairwise(row):
        offsets.append(offsets[-1] + nodes[left].width / 2 + _COLUMN_GAP + nodes[right].width / 2)
    blocks: list[list[float]] = []  # [sum, count] of pooled values, in order
    for want, offset in zip(wanted, offsets, strict=True):
        blocks.append([want - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    fitted = [block[0] / block[1] for block in blocks for _ in range(int(block[1]))]
    for key, value, offset in zip(row, fitted, offsets, strict=True):
        nodes[key].x = value + offset


# --- drawing --------------------------------------------------------------------------------------

def _row_tops(nodes: dict[str, _Node], rows: list[list[str]]) -> tuple[list[float], list[float]]:
    heights = [max((nodes[k].height for k in row), default=0.0) for row in rows]
    tops, y = [], float(_MARGIN)
    for height in heights:
        tops.append(y)
        y += height + _ROW_GAP
    return tops, heights


def _render(nodes: dict[str, _Node], edges: list[_Edge], rows: list[list[str]]) -> tuple[str, int, int]:
    tops, heights = _row_tops(nodes, rows)
    for node in nodes.values():
        node.top = tops[node.layer] + (heights[node.layer] / 2 if node.dummy else 0.0)
    width = math.ceil(max((n.x + n.width / 2 for n in nodes.values()), default=0.0) + _MARGIN)
    height = math.ceil(tops[-1] + heights[-1] + _MARGIN) if rows else 2 * _MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ontology-diagram" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="diagram-title" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif">',
        '<title id="diagram-title">The main classes of the ontology and the relations between them</title>',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5b6475"/></marker>'
        '<marker id="triangle" viewBox="0 0 12 12" refX="12" refY="6" markerWidth="11" markerHeight="11" '
        'orient="auto-start-reverse"><path d="M0,0 L12,6 L0,12 z" fill="#fff" stroke="#5b6475"/></marker>'
        "</defs>",
        '<g class="edges" fill="none">',
    ]
    obstacles = [_box_bounds(n) for n in nodes.values() if not n.dummy]
    labelled: list[tuple[_Edge, list[tuple[float, float]]]] = []
    for edge in edges:
        points = _edge_points(nodes, edge)
        marker = "triangle" if edge.subclass else "arrow"
        style = 'stroke="#8a93a3" stroke-dasharray="5 4"' if edge.subclass else 'stroke="#5b6475"'
        title = "subclass of" if edge.subclass else ", ".join(label for label, _ in edge.labels)
        parts.append(f'<path d="{_smooth_path(points)}" {style} stroke-width="1.3" '
                     f'marker-end="url(#{marker})">'
                     f"<title>{escape(nodes[edge.source].label)} — {escape(title)} → "
                     f"{escape(nodes[edge.target].label)}</title></path>")
        if not edge.subclass:
            labelled.append((edge, points))
    parts.append("</g>")
    labels = []
    # Shorter arrows first: they have the least room, long ones find a free stretch further along.
    def span(item: tuple[_Edge, list[tuple[float, float]]]) -> tuple[int, float]:
        points = item[1]
        return len(points), abs(points[-1][0] - points[0][0])

    for edge, points in sorted(labelled, key=span):
        labels.append(_edge_label(edge, points, obstacles))
    parts.append('<g class="edge-labels">' + "".join(labels) + "</g>")
    parts.append('<g class="classes">')
    for node in sorted((n for n in nodes.values() if not n.dummy), key=lambda n: n.key):
        parts.append(_box(node))
    parts.append("</g></svg>")
    return "".join(parts), width, height


def _edge_points(nodes: dict[str, _Node], edge: _Edge) -> list[tuple[float, float]]:
    chain = [nodes[k] for k in edge.points]
    points = [(chain[0].x, chain[0].top + chain[0].height)]
    points += [(n.x, n.top) for n in chain[1:-1]]
    points.append((chain[-1].x, chain[-1].top))
    if edge.reversed:
        points.reverse()
        (x0, _), (x1, _) = points[0], points[-1]
        source, target = nodes[edge.source], nodes[edge.target]
        points[0] = (x0, source.top)
        points[-1] = (x1, target.top + target.height)
    return points


def _smooth_path(points: list[tuple[float, float]]) -> str:
    """A curve through the points: vertical tangents at each, so arrows leave and enter boxes straight."""
    (x0, y0) = points[0]
    commands = [f"M{x0:.1f},{y0:.1f}"]
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        bend = (yb - ya) / 2
        commands.append(f"C{xa:.1f},{ya + bend:.1f} {xb:.1f},{yb - bend:.1f} {xb:.1f},{yb:.1f}")
    return " ".join(commands)


def _on_path(points: list[tuple[float, float]], u: float) -> tuple[float, float]:
    segments = len(points) - 1
    index = min(int(u * segments), segments - 1)
    t = u * segments - index
    (xa, ya), (xb, yb) = points[index], points[index + 1]
    return xa + (xb - xa) * (3 * t * t - 2 * t ** 3), ya + (yb - ya) * t


Box = tuple[float, float, float, float]


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _edge_label(edge: _Edge, points: list[tuple[float, float]], obstacles: list[Box]) -> str:
    names = [label for label, _ in edge.labels]
    line_height = _LINE_FONT + 2
    half_width = max(len(n) for n in names) * _LINE_CHAR / 2 + 3
    half_height = len(names) * line_height / 2 + 1
    best: tuple[float, float, float] | None = None
    for u in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85):
        x, y = _on_path(points, u)
        bounds = (x - half_width, y - half_height, x + half_width, y + half_height)
        cost = sum(_overlap(bounds, other) for other in obstacles)
        if best is None or cost < best[0]:
            best = (cost, x, y)
        if cost == 0:
            break
    assert best is not None
    _, x, y = best
    obstacles.append((x - half_width, y - half_height, x + half_width, y + half_height))
    texts = []
    for i, (label, href) in enumerate(edge.labels):
        dy = (i - (len(names) - 1) / 2) * line_height
        text = (f'<text x="{x:.1f}" y="{y + dy:.1f}" text-anchor="middle" dominant-baseline="central" '
                f'font-size="{_LINE_FONT}" fill="#1d2330" stroke="#fff" stroke-width="3.5" '
                f'paint-order="stroke">{escape(label)}</text>')
        texts.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
    return "".join(texts)


def _box_bounds(node: _Node) -> Box:
    half = node.width / 2 + 4
    return (node.x - half, node.top - 4, node.x + half, node.top + node.height + 4)


def _box(node: _Node) -> str:
    fill, stroke = _ROLES[node.role]
    x = node.x - node.width / 2
    parts = [f'<rect x="{x:.1f}" y="{node.top:.1f}" width="{node.width:.1f}" height="{node.height:.1f}" '
             f'rx="6" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>']
    title = (f'<text x="{node.x:.1f}" y="{node.top + _TITLE_HEIGHT / 2:.1f}" text-anchor="middle" '
             f'dominant-baseline="central" font-size="{_TITLE_FONT}" font-weight="600" fill="#1d2330">'
             f"{escape(node.label)}</text>")
    parts.append(f'<a href="{escape(node.href)}">{title}</a>' if node.href else title)
    if node.lines:
        separator = node.top + _TITLE_HEIGHT
        parts.append(f'<line x1="{x:.1f}" y1="{separator:.1f}" x2="{x + node.width:.1f}" '
                     f'y2="{separator:.1f}" stroke="{stroke}" stroke-width="0.8"/>')
        for i, line in enumerate(node.lines):
            y = separator + 4 + _LINE_HEIGHT * (i + 0.5)
            name = escape(line.property)
            if line.href:
                name = f'<a href="{escape(line.href)}">{name}</a>'
            parts.append(f'<text x="{x + _PADDING:.1f}" y="{y:.1f}" dominant-baseline="central" '
                         f'font-size="{_LINE_FONT}" fill="#1d2330">{name}<tspan fill="#5b6475"> → '
                         f"{escape(line.range)}</tspan></text>")
    return f'<g class="class-box"><title>{escape(node.key)}</title>{"".join(parts)}</g>'
