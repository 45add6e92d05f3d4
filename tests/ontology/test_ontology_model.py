"""The ontology as a document: header, labels and definitions, and property kinds the data respects."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

MDO = "https://w3id.org/mdkg/ontology#"
ONTOLOGY_IRI = URIRef("https://w3id.org/mdkg/ontology")
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
BUILT_IN_PREDICATES = {RDF.type, RDFS.label}


def english(graph: Graph, subject: URIRef, predicate: URIRef) -> list[Literal]:
    return [o for o in graph.objects(subject, predicate)
            if isinstance(o, Literal) and o.language == "en" and str(o).strip()]


def mdo_terms(ontology: Graph) -> list[URIRef]:
    kinds = (OWL.Class, *PROPERTY_KINDS)
    return sorted({s for kind in kinds for s in ontology.subjects(RDF.type, kind)
                   if isinstance(s, URIRef) and str(s).startswith(MDO)})


def property_kinds(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    kinds: dict[URIRef, set[URIRef]] = {}
    for kind in PROPERTY_KINDS:
        for prop in ontology.subjects(RDF.type, kind):
            kinds.setdefault(prop, set()).add(kind)  # type: ignore[arg-type]
    return kinds


def test_ontology_declares_classes_and_properties(ontology: Graph) -> None:
    terms = mdo_terms(ontology)
    assert URIRef(MDO + "Fact") in terms and URIRef(MDO + "party") in terms


def test_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert english(ontology, ONTOLOGY_IRI, DCTERMS.title)
    assert english(ontology, ONTOLOGY_IRI, DCTERMS.description)
    for predicate in (OWL.versionInfo, DCTERMS.license, DCTERMS.creator):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, f"header lacks {predicate}"


def test_no_imports(ontology: Graph) -> None:
    """The terms reused are declared locally so that the ontology loads offline."""
    assert list(ontology.triples((None, OWL.imports, None))) == []


@pytest.mark.parametrize("predicate", [RDFS.label, SKOS.definition], ids=["label", "definition"])
def test_every_mdo_term_has_one_english(predicate: URIRef, ontology: Graph) -> None:
    lacking = [str(t) for t in mdo_terms(ontology) if len(english(ontology, t, predicate)) != 1]
    assert not lacking, f"mdo: terms without exactly one English {predicate}: {lacking}"


def test_each_property_has_one_kind(ontology: Graph) -> None:
    mixed = sorted(str(p) for p, kinds in property_kinds(ontology).items() if len(kinds) > 1)
    assert not mixed


def test_sub_properties_are_of_their_super_property_kind(ontology: Graph) -> None:
    """OWL 2 DL: an object, datatype or annotation property specialises one of its own kind only."""
    kinds = property_kinds(ontology)
    mixed = [f"{sub} < {sup}" for sub, sup in ontology.subject_objects(RDFS.subPropertyOf)
             if sub in kinds and sup in kinds and kinds[sub] != kinds[sup]]
    assert not mixed


def test_every_term_the_data_uses_is_declared(ontology: Graph, data: Graph) -> None:
    kinds = property_kinds(ontology)
    undeclared_properties = sorted({str(p) for p in data.predicates() if p not in kinds} - {
        str(p) for p in BUILT_IN_PREDICATES})
    assert not undeclared_properties
    undeclared_classes = sorted({str(c) for c in data.objects(None, RDF.type)
                                 if (c, RDF.type, OWL.Class) not in ontology})
    assert not undeclared_classes


def test_data_uses_properties_as_their_kind(ontology: Graph, data: Graph) -> None:
    """Object properties link to nodes and datatype properties to literals (else OWL DL tools balk)."""
    kinds = property_kinds(ontology)
    misused = set()
    for _subject, predicate, value in data:
        kind = kinds.get(predicate, set())  # type: ignore[arg-type]
        if OWL.ObjectProperty in kind and isinstance(value, Literal):
            misused.add(f"{predicate} (object property) with a literal")
        if OWL.DatatypeProperty in kind and isinstance(value, URIRef | BNode):
            misused.add(f"{predicate} (datatype property) with a node")
    assert not misused, sorted(misused)
