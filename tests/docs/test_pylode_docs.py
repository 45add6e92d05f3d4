"""pyLODE's part: every term of the ontology documented at the fragment of its IRI."""

from __future__ import annotations

import collections

from mdkg.ontology_docs import OntologyDocs, build_ontology_docs, fragment_ids
from mdkg.ontology_docs._pylode import pylode_docs
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ._html import PageIndex

MDO = "https://w3id.org/mdkg/ontology#"


def _own_terms(ontology: Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {str(s) for kind in kinds for s in ontology.subjects(RDF.type, kind) if str(s).startswith(MDO)}


def test_fragment_ids_follow_the_iris(graphs: tuple[Graph, Graph]) -> None:
    ontology, _ = graphs
    ids = fragment_ids(ontology, MDO)
    for term in _own_terms(ontology):
        assert ids[term] == term[len(MDO):]
    assert ids["http://www.w3.org/ns/prov#Agent"] == "prov-Agent"
    assert ids["http://xmlns.com/foaf/0.1/Agent"] == "foaf-Agent"
    assert len(set(ids.values())) == len(ids), "two terms share an id"


def test_every_term_has_its_entry_and_ids_are_unique(docs: OntologyDocs, graphs: tuple[Graph, Graph]) -> None:
    assert docs.pylode is not None, docs.pylode_error
    page = PageIndex(docs.pylode.html)
    duplicates = [i for i, n in collections.Counter(page.ids).items() if n > 1]
    assert duplicates == []
    ontology, _ = graphs
    for term in _own_terms(ontology):
        assert term[len(MDO):] in page.ids, term
    assert "State" in page.ids and "party" in page.ids and "Party" in page.ids  # class and property apart


def test_in_page_links_land_on_entries(docs: OntologyDocs) -> None:
    assert docs.pylode is not None
    page = PageIndex(docs.pylode.html)
    missing = page.fragments() - set(page.ids)
    assert missing == set()


def test_concept_schemes_do_not_merge_into_the_header(docs: OntologyDocs) -> None:
    assert docs.pylode is not None
    assert "<h1>mdkg: the minerals-diplomacy ontology</h1>" in docs.pylode.html
    assert docs.title == "mdkg: the minerals-diplomacy ontology"


def test_table_of_contents(docs: OntologyDocs, graphs: tuple[Graph, Graph]) -> None:
    assert docs.pylode is not None
    sections = {s.anchor: s for s in docs.pylode.toc}
    ontology, _ = graphs
    classes = {str(c)[len(MDO):] for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(MDO)}
    listed = {e.anchor for e in sections["classes"].entries if e.vocabulary is None}
    assert listed == classes
    reused = [e for e in sections["classes"].entries if e.vocabulary is not None]
    assert {e.vocabulary for e in reused} >= {"prov", "foaf", "org"}
    own_first = [e.vocabulary is None for e in sections["classes"].entries]
    assert own_first == sorted(own_first, reverse=True)


def test_entries_are_in_a_stable_order(docs: OntologyDocs, graphs: tuple[Graph, Graph]) -> None:
    ontology, _ = graphs
    shuffled = Graph()
    for triple in sorted(ontology, key=lambda t: str(t[2]), reverse=True):
        shuffled.add(triple)
    for prefix, namespace in ontology.namespaces():
        shuffled.bind(prefix, namespace, override=True, replace=True)
    assert docs.pylode is not None
    assert pylode_docs(shuffled, MDO).html == docs.pylode.html


def test_an_ontology_pylode_refuses_still_gets_its_diagram() -> None:
    ontology = Graph()
    header = URIRef("https://w3id.org/mdkg/ontology")
    ontology.add((header, RDF.type, OWL.Ontology))  # no title: pyLODE gives up
    for name in ("A", "B"):
        ontology.add((URIRef(MDO + name), RDF.type, OWL.Class))
    ontology.add((URIRef(MDO + "p"), RDF.type, OWL.ObjectProperty))
    ontology.add((URIRef(MDO + "p"), RDFS.domain, URIRef(MDO + "A")))
    ontology.add((URIRef(MDO + "p"), RDFS.range, URIRef(MDO + "B")))
    ontology.add((URIRef(MDO + "S"), RDF.type, SKOS.ConceptScheme))
    ontology.add((URIRef(MDO + "S"), RDFS.label, Literal("a scheme")))
    docs = build_ontology_docs(ontology, Graph())
    assert docs.pylode is None and docs.pylode_error and "title" in docs.pylode_error
    assert set(docs.diagram.classes) == {MDO + "A", MDO + "B"}
    assert [v.label for v in docs.vocabularies] == ["a scheme"]


def test_pylode_leaves_logging_alone() -> None:
    """pyLODE calls logging.basicConfig(level=DEBUG) on import; a server must not start logging at
    DEBUG for it. Checked in a fresh interpreter, where pyLODE is imported for the first time."""
    import subprocess
    import sys

    script = (
        "import logging; from rdflib import Graph\n"
        "from mdkg.ontology_docs import build_ontology_docs, load_documented_graphs\n"
        "from mdkg.settings import Settings\n"
        "root = logging.getLogger(); before = (list(root.handlers), root.level)\n"
        "docs = build_ontology_docs(*load_documented_graphs(Settings()))\n"
        "assert docs.pylode is not None, docs.pylode_error\n"
        "import pylode.profiles.supermodel.loader\n"
        "assert (list(root.handlers), root.level) == before, (root.handlers, root.level)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "DEBUG:" not in done.stderr and "INFO:root" not in done.stderr
