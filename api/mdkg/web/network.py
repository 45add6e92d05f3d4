"""``/network``: states, blocs, agreements, forums, events (and the governments and initiatives between
them) as an interactive graph, and ``/network.json``, the nodes and edges it draws.

An edge is either a direct link between two such things (an agreement's ``mdo:party``, a forum's
``mdo:launchedAt``) or a fact node that joins two of them (a ``mdo:Delegation`` joins a state and an
event, a ``mdo:ChairTerm`` a state and a forum); its relation is then the fact's class, and its two
ends come in no particular order (the page draws it without an arrow). An edge's date
is the fact's own date, else the date of its first end, else of its second (signed, announced,
proposed, ordered, held, or a term's end), kept with the precision the source gives: a month-only
date is in a date range when any day of that month is.

The filters (``relation``, ``from``, ``to``, ``undated``) never reach the query text: the dates are bound
as terms with the store's ``bindings=``, the relations are picked from the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from rdflib import Literal, URIRef
from starlette.concurrency import run_in_threadpool

from mdkg.errors import ParameterError
from mdkg.graph_views import Vocab
from mdkg.queries import fetch_labels, rebase_query_text
from mdkg.store import Store
from mdkg.web._graph_pages import render
from mdkg.web._vendor import NETWORK_BUNDLES, vendor_ready
from mdkg.web.state import app_state

__all__ = ["KINDS", "NetworkFilter", "network_data", "router"]

KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("state", "State", ("State",)),
    ("bloc", "Bloc or supranational body", ("Bloc", "SupranationalBody")),
    ("agreement", "Agreement", ("Agreement",)),
    ("forum", "Forum", ("Forum",)),
    ("event", "Event", ("Event",)),
    ("government", "Government or agency", ("Government", "GovernmentAgency")),
    ("initiative", "Initiative or proposal", ("Initiative", "Proposal")),
)
"""(key, legend, mdo classes): a node's kind is the first whose classes (or subclasses) it has; _NODES
lists the same classes."""

_NODES = """
PREFIX mdo: <https://w3id.org/mdkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?node ?kindClass WHERE {
  VALUES ?kindClass {
    mdo:State mdo:Bloc mdo:SupranationalBody mdo:Agreement mdo:Forum mdo:Event mdo:Government
    mdo:GovernmentAgency mdo:Initiative mdo:Proposal
  }
  GRAPH <https://w3id.org/mdkg/graph/ontology> { ?class rdfs:subClassOf* ?kindClass }
  GRAPH ?g { ?node a ?class }
  FILTER(isIRI(?node) && ?g != <https://w3id.org/mdkg/graph/ontology>)
}
"""

# ?from, ?to (xsd:string "YYYY-MM-DD") and ?undated (xsd:boolean) are bound by the caller.
_EDGES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX mdo: <https://w3id.org/mdkg/ontology#>
SELECT DISTINCT ?a ?relation ?b ?fact ?date WHERE {
  {
    GRAPH ?g { ?a ?relation ?b }
    FILTER(isIRI(?b) && ?relation != rdf:type)
    BIND(?a AS ?dated)
  } UNION {
    GRAPH ?g { ?fact a ?relation ; ?p ?a ; ?q ?b }
    GRAPH <https://w3id.org/mdkg/graph/ontology> { ?relation rdfs:subClassOf* mdo:Fact }
    # Each unordered pair of the fact's links once.
    FILTER(isIRI(?a) && isIRI(?b) && STR(?p) < STR(?q) && ?p != rdf:type && ?q != rdf:type)
    BIND(?fact AS ?dated)
  }
  FILTER(?g != <https://w3id.org/mdkg/graph/ontology>)
  OPTIONAL { GRAPH ?g1 { ?dated ?p1 ?d1 }
    VALUES ?p1 { mdo:signedOn mdo:announcedOn mdo:proposedOn mdo:orderedOn
                 mdo:date mdo:termThrough } }
  OPTIONAL { GRAPH ?g2 { ?a ?p2 ?d2 }
    VALUES ?p2 { mdo:signedOn mdo:announcedOn mdo:proposedOn mdo:orderedOn
                 mdo:date mdo:termThrough } }
  OPTIONAL { GRAPH ?g3 { ?b ?p3 ?d3 }
    VALUES ?p3 { mdo:signedOn mdo:announcedOn mdo:proposedOn mdo:orderedOn
                 mdo:date mdo:termThrough } }
  BIND(STR(COALESCE(?d1, ?d2, ?d3)) AS ?date)
  # First and last day the date may mean: a year or a month keeps its precision.
  BIND(IF(STRLEN(?date) = 4, CONCAT(?date, "-01-01"),
       IF(STRLEN(?date) = 7, CONCAT(?date, "-01"), SUBSTR(?date, 1, 10))) AS ?start)
  BIND(IF(STRLEN(?date) = 4, CONCAT(?date, "-12-31"),
       IF(STRLEN(?date) = 7, CONCAT(?date, "-31"), SUBSTR(?date, 1, 10))) AS ?end)
  FILTER(IF(BOUND(?date), ?end >= ?from && ?start <= ?to, ?undated))
}
"""

HIDDEN_AT_FIRST = ("ReportedCount", "Statement", "attributedTo")
"""Relations the page leaves unticked at first: they say who stated or counted what, not a tie between
the two ends."""
_EARLIEST = "0001-01-01"
_LATEST = "9999-12-31"

router = APIRouter(tags=["network"])


@dataclass(frozen=True)
class NetworkFilter:
    relations: frozenset[str] = frozenset()
    """Relation IRIs to keep; empty keeps every relation."""
    start: dt.date | None = None
    end: dt.date | None = None
    undated: bool = True
    """Keep edges that no source dates."""


def _kind_of(classes: set[str], base_mdo: str) -> str | None:
    for key, _, names in KINDS:
        if any(base_mdo + name in classes for name in names):
            return key
    return None


def network_data(store: Store, base_iri: str, selection: NetworkFilter) -> dict[str, Any]:
    """Nodes, edges and the relations there are (counted over the date range, before ``relations``)."""
    vocab = Vocab(base_iri)
    base_mdo = str(vocab.mdo)
    classes: dict[URIRef, set[str]] = {}
    for node, kind_class in store.select(rebase_query_text(_NODES, vocab.base)).rows:
        if isinstance(node, URIRef):
            classes.setdefault(node, set()).add(str(kind_class))
    kinds = {node: kind for node, found in classes.items() if (kind := _kind_of(found, base_mdo))}

    bindings = {
        "from": Literal(selection.start.isoformat() if selection.start else _EARLIEST),
        "to": Literal(selection.end.isoformat() if selection.end else _LATEST),
        "undated": Literal(selection.undated),
    }
    rows = store.select(rebase_query_text(_EDGES, vocab.base), bindings=bindings).rows
    edges: dict[tuple[str, str, str, str], str | None] = {}
    for a, relation, b, fact, date in rows:
        if a not in kinds or b not in kinds or a == b or fact in kinds:
            continue  # an agreement is a fact too, but it is drawn as a node, not as an edge
        key = (str(a), str(relation), str(b), str(fact) if fact is not None else "")
        found = str(date) if date is not None else None
        if key not in edges or (found is not None and (edges[key] is None or found < edges[key])):
            edges[key] = found  # the earliest date when an end has several

    relation_counts = Counter(relation for _, relation, _, _ in edges)
    kept = {key: date for key, date in edges.items()
            if not selection.relations or key[1] in selection.relations}
    used = {URIRef(end) for a, _, b, _ in kept for end in (a, b)}
    labels = fetch_labels(store, [*used, *(URIRef(r) for r in relation_counts)])

    def link(iri: str) -> str:
        return vocab.local_path(iri) or iri

    return {
        "nodes": [{"id": str(node), "label": labels.get(node) or vocab.local_id(str(node)) or str(node),
                   "kind": kinds[node], "href": link(str(node))}
                  for node in sorted(used)],
        "edges": [{"source": a, "target": b, "relation": relation, "fact": fact or None,
                   "factHref": link(fact) if fact else None, "date": date}
                  for (a, relation, b, fact), date in sorted(kept.items(), key=lambda item: item[0])],
        "relations": [{"iri": relation, "label": labels.get(URIRef(relation)) or relation.rpartition("#")[2],
                       "count": count, "selected": not selection.relations or relation in selection.relations}
                      for relation, count in sorted(relation_counts.items(),
                                                    key=lambda item: (-item[1], item[0]))],
        "kinds": [{"key": key, "label": legend} for key, legend, _ in KINDS],
        "filter": {"from": selection.start.isoformat() if selection.start else None,
                   "to": selection.end.isoformat() if selection.end else None,
                   "undated": selection.undated, "relation": sorted(selection.relations)},
    }


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 4 and text.isdigit():  # a year alone: its first or last day
            return dt.date(int(text), 1, 1) if name == "from" else dt.date(int(text), 12, 31)
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ParameterError(f"{name} must be a date (YYYY-MM-DD) or a year, got {value!r}",
                             detail={"parameter": name}) from error


def _selection(relation: list[str] | None, start: str | None, end: str | None, undated: bool
               ) -> NetworkFilter:
    first, last = _date(start, "from"), _date(end, "to")
    if first and last and first > last:
        raise ParameterError("from is after to", detail={"parameter": "from"})
    return NetworkFilter(relations=frozenset(r for r in relation or [] if r), start=first, end=last,
                         undated=undated)


@router.get("/network.json", summary="The network of states, blocs, agreements, forums and events")
async def network_json(
    request: Request,
    relation: Annotated[list[str] | None,
                        Query(description="Relation IRIs to keep (repeat); all by default")] = None,
    start: Annotated[str | None, Query(alias="from", description="Earliest date (YYYY-MM-DD, YYYY)")] = None,
    end: Annotated[str | None, Query(alias="to", description="Latest date (YYYY-MM-DD, YYYY)")] = None,
    undated: Annotated[bool, Query(description="Keep edges that no source dates")] = True,
) -> JSONResponse:
    """Nodes (with kind and page link) and edges (with relation, the fact behind it and its date)."""
    selection = _selection(relation, start, end, undated)
    state = app_state(request)
    body = await run_in_threadpool(network_data, state.require_store(), state.settings.base_iri, selection)
    return JSONResponse(body)


@router.get("/network", summary="The network view (HTML)", response_class=Response, include_in_schema=False)
def network_page(request: Request) -> Response:
    base_mdo = str(Vocab(app_state(request).settings.base_iri).mdo)
    config = {"data": "/network.json", "hidden": [base_mdo + name for name in HIDDEN_AT_FIRST],
              "kinds": [key for key, _, _ in KINDS]}
    return render(request, "network.html", {"page_title": "Network", "nav_active": "Network",
                                            "kinds": KINDS, "network_config": config,
                                            "vendor_ready": vendor_ready(NETWORK_BUNDLES)})

