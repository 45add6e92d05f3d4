"""Every SHACL shape documented: its target, its constraints in words, its messages."""

from __future__ import annotations

import html
import re

from mdkg.namespaces import SH
from mdkg.ontology_docs import OntologyDocs, shape_docs
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

MDS = "https://w3id.org/mdkg/shapes#"


def _text(markup: object) -> str:
    return html.unescape(str(markup))


def _plain(markup: object) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


def _doc(docs: OntologyDocs, name: str):  # type: ignore[no-untyped-def]
    return next(shape for shape in docs.shapes if shape.name == name)


def test_every_named_shape_and_every_message(docs: OntologyDocs, graphs: tuple[Graph, Graph]) -> None:
    _, shapes = graphs
    named = {str(s) for s in shapes.subjects(RDF.type, SH.NodeShape) if isinstance(s, URIRef)}
    assert {shape.iri for shape in docs.shapes} == named
    assert all(shape.anchor == shape.iri[len(MDS):] for shape in docs.shapes)
    written = " ".join(
        [shape.message or "" for shape in docs.shapes]
        + [p.message or "" for shape in docs.shapes for p in shape.properties]
        + [_text(c.text) for shape in docs.shapes for c in shape.constraints])
    for message in shapes.objects(None, SH.message):
        assert isinstance(message, Literal)
        assert str(message) in written, message


def test_targets_constraints_and_severity(docs: OntologyDocs) -> None:
    fact = _doc(docs, "mds:FactShape")
    assert [_text(t) for t in fact.targets] == [
        'every instance of <a href="/ontology#Fact"><code>mdo:Fact</code></a> (and of its subclasses)']
    derived = [p for p in fact.properties if _plain(p.path) == "prov:wasDerivedFrom"]
    assert '<a href="/ontology#prov-wasDerivedFrom">' in _text(derived[0].path)  # reused terms link too
    requirements = {_text(c.text) for p in derived for c in p.constraints}
    assert "at least 1 value" in requirements and "at most 1 value" in requirements
    assert ('each value an instance of <a href="/ontology#SourceDocument"><code>mdo:SourceDocument</code></a>'
            in requirements)
    chair = _doc(docs, "mds:ChairTermShape")
    assert all("exactly 1 value" in [_text(c.text) for c in p.constraints] for p in chair.properties)
    assert _doc(docs, "mds:CountMismatchShape").severity == "Warning"
    assert _doc(docs, "mds:IncompleteCountShape").severity == "Info"
    assert fact.severity == "Violation"


def test_paths_and_nested_shapes(docs: OntologyDocs) -> None:
    fact = _doc(docs, "mds:FactShape")
    paths = {_plain(p.path) for p in fact.properties}
    assert "mdo:evidence / prov:wasQuotedFrom" in paths  # a sequence path
    assert "mdo:purpose | mdo:description | mdo:beneficiaryDescription" in paths  # sh:alternativePath
    amount = _doc(docs, "mds:MonetaryAmountShape")
    assert _text(amount.constraints[0].text).startswith("exactly one of: (")
    mou = _doc(docs, "mds:MemorandumOfUnderstandingShape")
    assert _text(mou.constraints[0].text).startswith("not (an instance of")


def test_sparql_constraints_keep_their_query(docs: OntologyDocs) -> None:
    count = _doc(docs, "mds:ReportedCountShape")
    sparql = [c for c in count.constraints if c.query]
    assert sparql and "SELECT $this ?value ?counted" in sparql[0].query  # type: ignore[operator]
    assert sparql[0].query == sparql[0].query.strip()  # type: ignore[union-attr]


def test_text_is_escaped() -> None:
    shapes = Graph()
    shape = URIRef(MDS + "EvilShape")
    shapes.add((shape, RDF.type, SH.NodeShape))
    shapes.add((shape, SH.targetNode, URIRef(MDS + "x")))
    shapes.add((shape, SH.message, Literal("<script>alert(1)</script>")))
    shapes.add((shape, SH.pattern, Literal("<b>")))
    [doc] = shape_docs(shapes, lambda iri: None, {"mds": MDS})
    assert doc.message == "<script>alert(1)</script>"  # plain text, escaped by the template
    assert "<b>" not in str(doc.constraints[0].text) and "&lt;b&gt;" in str(doc.constraints[0].text)
