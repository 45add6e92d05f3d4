"""Named queries: SPARQL files in ``queries/*.rq`` with ``#+`` YAML front matter.

Each becomes a REST endpoint (``/queries/{name}``), an OpenAPI operation and ``mdkg query NAME``.
The front matter declares typed parameters, whose names are the SPARQL variables they bind::

    #+ summary: Agreements of one country
    #+ params:
    #+   country:
    #+     type: iri
    #+     prefix: https://w3id.org/mdkg/id/
    #+     required: true
    SELECT ?agreement ?country WHERE { ... ?country ... }

The curated API::

    library = NamedQueryLibrary.from_dir(settings.queries_dir, settings.base_iri)
    query = library.get("agreements-of-country")
    bindings = query.bind({"country": "japan"})          # dict of rdflib terms, or ParameterError
    result = run_named_query(store, query, {"country": "japan"})
    table = present(result, store)                        # readable cells, labels looked up
    answer = answer_named_query(store, query, {"country": "japan"}, "application/sparql-results+json",
                                row_limit=100_000)        # the document, written by the engine on Oxigraph

Parameter values are bound with the store's ``bindings=`` (RDF terms the store writes itself), never pasted
into the query text.
"""

from __future__ import annotations

from mdkg.queries._answer import answer_named_query
from mdkg.queries._cli import parse_cli_params, resolve_named_query, run_named_query_cli
from mdkg.queries._frontmatter import QueryDefinitionError
from mdkg.queries._library import NamedQuery, NamedQueryLibrary, rebase_query_text, run_named_query
from mdkg.queries._params import PARAMETER_TYPES, ParameterType, QueryParameter
from mdkg.queries._present import (
    Cell,
    Presentation,
    compact_iri,
    fetch_labels,
    label_columns,
    present,
    render_text_table,
)

__all__ = [
    "PARAMETER_TYPES",
    "Cell",
    "NamedQuery",
    "NamedQueryLibrary",
    "ParameterType",
    "Presentation",
    "QueryDefinitionError",
    "QueryParameter",
    "answer_named_query",
    "compact_iri",
    "fetch_labels",
    "label_columns",
    "parse_cli_params",
    "present",
    "rebase_query_text",
    "render_text_table",
    "resolve_named_query",
    "run_named_query",
    "run_named_query_cli",
]
