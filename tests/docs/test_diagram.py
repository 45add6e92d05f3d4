"""The diagram of the main classes: every class a domain or range of the ontology's properties is a
box, boxes do not overlap, relations are arrows or lines in boxes, and the SVG is the same every time."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from mdkg.ontology_docs import class_diagram, fragment_ids
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

MDO = "https://w3id.org/mdkg/ontology#"
SVG = "{http://www.w3.org/2000/svg}"
PROV = "http://www.w3.org/ns/prov#"


def _boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    root = ET.fromstring(svg)
    boxes = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "class-box":
            continue
        title = group.find(f"{SVG}title")
        rect = group.find(f"{SVG}rect")
        assert title is not None and rect is not None
        x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
        boxes[title.text or ""] = (x, y, x + float(rect.get("width", 0)), y + float(rect.get("height", 0)))
    return boxes


def _own_relations(ontology: Graph) -> set[tuple[str, str, str]]:
    found = set()
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        if not str(prop).startswith(MDO):
            continue
        for domain in ontology.objects(prop, RDFS.domain):
            for range_ in ontology.objects(prop, RDFS.range):
                if range_ not in (OWL.Class, RDFS.Class):
                    found.add((str(domain), str(prop), str(range_)))
    return found


def test_main_classes_are_boxes_that_do_not_overlap(graphs: tuple[Graph, Graph]) -> None:
    ontology, shapes = graphs
    diagram = class_diagram(ontology, MDO, shapes=shapes)
    boxes = _boxes(diagram.svg)
    expected = {t for d, _, r in _own_relations(ontology) for t in (d, r) if t.startswith(MDO)}
    assert expected <= set(boxes) == set(diagram.classes)
    assert set(boxes) <= {t for d, _, r in diagram.relations for t in (d, r)}  # no class without a relation
    for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2):
        apart = box_a[2] <= box_b[0] or box_b[2] <= box_a[0] or box_a[3] <= box_b[1] or box_b[3] <= box_a[1]
        assert apart, f"{a} and {b} overlap"
    width, height = diagram.width, diagram.height
    assert all(x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height for x0, y0, x1, y1 in boxes.values())


def test_every_relation_is_drawn(graphs: tuple[Graph, Graph]) -> None:
    ontology, shapes = graphs
    diagram = class_diagram(ontology, MDO, shapes=shapes)
    assert _own_relations(ontology) <= set(diagram.relations)
    # prov:wasDerivedFrom has no domain or range: the shapes say facts take a source document
    assert (MDO + "Fact", PROV + "wasDerivedFrom", MDO + "SourceDocument") in diagram.relations
    assert (MDO + "State", str(RDFS.subClassOf), MDO + "Party") in diagram.relations
    text = "".join(ET.fromstring(diagram.svg).itertext())
    for label in ("delegation of", "evidence", "was derived from", "party", "attributed to"):
        assert label in text


def test_relations_to_other_vocabularies_are_lines_in_boxes(graphs: tuple[Graph, Graph]) -> None:
    ontology, _ = graphs
    svg = class_diagram(ontology, MDO).svg
    root = ET.fromstring(svg)
    fact = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "class-box"
                and (g.findtext(f"{SVG}title") or "") == MDO + "Fact")
    lines = ["".join(t.itertext()) for t in fact.iter(f"{SVG}text")]
    assert "attributed to → agent" in lines
    assert "similar to → fact" in lines  # a relation of a class to itself


def test_links_and_determinism(graphs: tuple[Graph, Graph]) -> None:
    ontology, shapes = graphs
    href = {iri: f"#{fragment}" for iri, fragment in fragment_ids(ontology, MDO).items()}
    first = class_diagram(ontology, MDO, href=href, shapes=shapes).svg
    assert first == class_diagram(ontology, MDO, href=href, shapes=shapes).svg
    links = {a.get("href") for a in ET.fromstring(first).iter(f"{SVG}a")}
    assert {"#State", "#Delegation", "#delegationOf", "#evidence"} <= links
    assert "http" not in "".join(str(link) for link in links)


def test_a_cycle_is_still_laid_out() -> None:
    ontology = Graph()
    names = ["A", "B", "C"]
    for name in names:
        ontology.add((URIRef(MDO + name), RDF.type, OWL.Class))
    for i, name in enumerate(names):
        prop = URIRef(MDO + f"p{i}")
        ontology.add((prop, RDF.type, OWL.ObjectProperty))
        ontology.add((prop, RDFS.domain, URIRef(MDO + name)))
        ontology.add((prop, RDFS.range, URIRef(MDO + names[(i + 1) % 3])))
    diagram = class_diagram(ontology, MDO)
    boxes = _boxes(diagram.svg)
    assert set(boxes) == {MDO + n for n in names}
    assert len({box[1] for box in boxes.values()}) > 1  # not all on one row: the cycle was broken
    assert len([p for p in ET.fromstring(diagram.svg).iter(f"{SVG}path") if p.get("marker-end")]) == 3
