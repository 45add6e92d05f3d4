"""Relationship questions over the store: who is this, what is it linked to and on what evidence,
how are two entities connected, and the description of any IRI for linked-data dereferencing.

Library code only (no web): every function takes a :class:`~mdkg.store.Store` and a :class:`Vocab`
(the deployment's IRIs), runs its own SPARQL with values bound through ``bindings=`` and returns
dataclasses with ``as_json()``.

* :func:`search_entities` - entities by label, case- and accent-insensitive, optionally by type.
* :func:`describe` - the neighbourhood of one IRI (:class:`Neighbourhood`), as RDF or for views.
* :func:`entity_relations` - the neighbourhood grouped by property and direction, with provenance.
* :func:`find_paths` - shortest-first connections between two entities, each step with provenance.
* :func:`ontology_overview`, :func:`graph_description` - the ontology's terms; a named graph's size.
"""

from mdkg.graph_views._describe import Neighbourhood, describe, is_known
from mdkg.graph_views._graphs import (
    GraphDescription,
    OntologyOverview,
    OntologyTerm,
    TermSection,
    graph_description,
    ontology_overview,
)
from mdkg.graph_views._model import NodeRef, Provenance, SourceRef, TermRef
from mdkg.graph_views._paths import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_HOPS,
    LIMIT_CAP,
    MAX_HOPS_CAP,
    Path,
    PathResult,
    Step,
    StepLink,
    excluded_classes,
    excluded_properties,
    find_paths,
)
from mdkg.graph_views._relations import (
    Attribute,
    EntityRelations,
    Link,
    RelationGroup,
    Value,
    entity_relations,
)
from mdkg.graph_views._search import SearchHit, search_entities
from mdkg.graph_views._vocab import GraphRef, Vocab, check_iri, normalise_text

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_MAX_HOPS",
    "LIMIT_CAP",
    "MAX_HOPS_CAP",
    "Attribute",
    "EntityRelations",
    "GraphDescription",
    "GraphRef",
    "Link",
    "Neighbourhood",
    "NodeRef",
    "OntologyOverview",
    "OntologyTerm",
    "Path",
    "PathResult",
    "Provenance",
    "RelationGroup",
    "SearchHit",
    "SourceRef",
    "Step",
    "StepLink",
    "TermRef",
    "TermSection",
    "Value",
    "Vocab",
    "check_iri",
    "describe",
    "entity_relations",
    "excluded_classes",
    "excluded_properties",
    "find_paths",
    "graph_description",
    "is_known",
    "normalise_text",
    "ontology_overview",
    "search_entities",
]
