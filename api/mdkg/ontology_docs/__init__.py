"""Documentation of the ontology and its shapes, generated from the graphs themselves.

* :func:`build_ontology_docs` - everything the pages show: pyLODE's entry for each class and property
  (pyLODE 3.3.4, whose fragment ids are made to match the terms' IRIs: ``/ontology#State``), a diagram
  of the main classes (:func:`class_diagram`, an SVG drawn here, no Graphviz), the SKOS vocabularies,
  and every SHACL shape with its targets, constraints and messages (:func:`shape_docs`);
* :func:`write_ontology_docs` - the same as self-contained files (``index.html``, ``shapes.html``,
  ``diagram.svg``), which ``mdkg build`` writes into ``dist/ontology/``;
* :func:`remote_assets` / :func:`strip_remote_assets` - what a page would fetch from other sites
  (the pages are meant to work offline: nothing is).
"""

from mdkg.ontology_docs._build import (
    FILE_LINKS,
    SITE_LINKS,
    DocLinks,
    OntologyDocs,
    build_ontology_docs,
    load_documented_graphs,
    remote_assets,
    strip_remote_assets,
    write_ontology_docs,
)
from mdkg.ontology_docs._diagram import Diagram, class_diagram
from mdkg.ontology_docs._pylode import PYLODE_VERSION, PylodeDocs, PylodeUnavailable, fragment_ids
from mdkg.ontology_docs._shapes import ConstraintDoc, PropertyDoc, ShapeDoc, shape_docs
from mdkg.ontology_docs._vocabularies import Concept, Vocabulary, vocabularies

__all__ = [
    "FILE_LINKS",
    "PYLODE_VERSION",
    "SITE_LINKS",
    "Concept",
    "ConstraintDoc",
    "Diagram",
    "DocLinks",
    "OntologyDocs",
    "PropertyDoc",
    "PylodeDocs",
    "PylodeUnavailable",
    "ShapeDoc",
    "Vocabulary",
    "build_ontology_docs",
    "class_diagram",
    "fragment_ids",
    "load_documented_graphs",
    "remote_assets",
    "shape_docs",
    "strip_remote_assets",
    "vocabularies",
    "write_ontology_docs",
]
