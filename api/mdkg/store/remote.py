"""Any SPARQL 1.1 store over HTTP: the Protocol for queries and updates, the Graph Store Protocol
(when its URL is given) for moving whole graphs.

Nothing from a caller is formatted into query text: bindings arrive as a ``VALUES`` block written
by the strict serializer of :mod:`mdkg.store._terms`, graph names are checked IRIs, and data go
as N-Triples bodies or as ``INSERT DATA`` built term by term with the same serializer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import httpx
import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from mdkg.errors import BadRequest, MdkgError, QueryTimeout, StoreUnavailable, UnsupportedMediaType
from mdkg.formats import rdf_format
from mdkg.store._base import BaseStore
from mdkg.store._protocol import (
    AskResult,
    GraphResult,
    QueryDataset,
    QueryResult,
    SelectResult,
    Term,
)
from mdkg.store._rdf_io import OX_FORMATS
from mdkg.store._sparql_text import PreparedQuery, split_position, syntax_error
from mdkg.store._terms import (
    canonical_ox,
    canonical_quads,
    canonical_terms,
    from_ox,
    literal,
    sparql_iri,
    sparql_term,
    to_ox,
)

_RESULTS_JSON = "application/sparql-results+json"
_N_TRIPLES = "application/n-triples"
_ACCEPT = {
    "SELECT": _RESULTS_JSON,
    "ASK": _RESULTS_JSON,
    "CONSTRUCT": f"{_N_TRIPLES}, text/turtle;q=0.9",
    "DESCRIBE": f"{_N_TRIPLES}, text/turtle;q=0.9",
}
_ACCEPT_ANY = f"{_RESULTS_JSON}, {_N_TRIPLES};q=0.9, text/turtle;q=0.8"
_ERROR_TEXT_LIMIT = 1000
_SYNTAX_WORDS = re.compile(r"pars(e|ing)|syntax|lexical|encountered|expected", re.IGNORECASE)

_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
# GRAPH ?g {} lists graph names cheaply; the EXISTS drops the empty ones some stores remember.
_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g {} FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }"


class RemoteStore(BaseStore):
    """A SPARQL 1.1 endpoint: ``query_url``, ``update_url`` (default: the query URL) and, optionally,
    the Graph Store Protocol endpoint ``gsp_url``.

    Pass ``client`` (an ``httpx.Client``) to add authentication or other transport settings; the
    store then leaves closing it to the caller.
    """

    name = "remote"

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout_s: float = 30.0,
        *,
        client: httpx.Client | None = None,
    ) -> None:
        for url in (query_url, update_url, gsp_url):
            if url is not None and not url.startswith(("http://", "https://")):
                raise BadRequest(f"the remote store URL {url!r} is not an http(s) URL")
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.gsp_url = gsp_url
        self.timeout_s = timeout_s
        self._owns_client = client is None
        self._client: httpx.Client | None = client or httpx.Client(timeout=timeout_s)

    # -- HTTP ----------------------------------------------------------------------------------

    def _send(self, method: str, url: str | httpx.URL, **options: Any) -> httpx.Response:
        if self._client is None:
            raise StoreUnavailable("the remote store is closed")
        try:
            return self._client.request(method, url, **options)
        except httpx.ConnectTimeout as error:
            raise StoreUnavailable(f"cannot reach the remote store at {url}: {error}",
                                   detail={"url": str(url)}) from error
        except httpx.TimeoutException as error:
            raise QueryTimeout(f"the remote store at {url} did not answer within {self.timeout_s} s",
                               detail={"url": str(url)}) from error
        except httpx.HTTPError as error:
            raise StoreUnavailable(f"cannot reach the remote store at {url}: {error}",
                                   detail={"url": str(url)}) from error

    def _fail(self, response: httpx.Response, *, bad_request: MdkgError | None = None) -> MdkgError:
        """The error for a response that is not a success."""
        status = response.status_code
        text = response.text[:_ERROR_TEXT_LIMIT].strip()
        detail = {"url": str(response.request.url), "status": status, "response": text}
        if status == 400 and bad_request is not None:
            return bad_request
        if status in (408, 504):
            return QueryTimeout(f"the remote store timed out ({status}): {text}", detail=detail)
        if status >= 500 and status not in (502, 503):
            return MdkgError(f"the remote store failed ({status}): {text}", detail=detail)
        return StoreUnavailable(f"the remote store answered {status}: {text}", detail=detail)

    # -- queries -------------------------------------------------------------------------------

    def _evaluate(self, prepared: PreparedQuery, dataset: QueryDataset | None) -> QueryResult:
        form: dict[str, str | list[str]] = {"query": prepared.text}
        if dataset is not None:
            # The protocol's dataset parameters, which replace any FROM / FROM NAMED of the query.
            form["default-graph-uri"] = list(dataset.default_graphs)
            form["named-graph-uri"] = list(dataset.named_graphs)
        accept = _ACCEPT.get(prepared.form or "", _ACCEPT_ANY)
        response = self._send("POST", self.query_url, data=form, headers={"Accept": accept})
        if not response.is_success:
            raise self._fail(response, bad_request=prepared.syntax_error(response.text))
        return _read_result(response)

    def update(self, sparql: str) -> None:
        response = self._send("POST", self.update_url, data={"update": sparql})
        if not response.is_success:
            text = response.text[:_ERROR_TEXT_LIMIT]
            refused: MdkgError = (
                syntax_error(text, kind="update") if _reads_as_syntax_error(text)
                else BadRequest(f"the update could not be applied: {text.strip()}")
            )
            raise self._fail(response, bad_request=refused)

    def _select_internal(self, sparql: str) -> SelectResult:
        result = self.query(sparql)
        if not isinstance(result, SelectResult):
            raise StoreUnavailable("the remote store answered a SELECT query with something else")
        return result

    # -- data ----------------------------------------------------------------------------------

    def _insert(self, quads: list[ox.Quad]) -> None:
        if not quads:
            return
        if any(isinstance(q.graph_name, ox.BlankNode) for q in quads):
            raise BadRequest("a remote store cannot hold graphs named by blank nodes")
        groups: dict[str | None, list[ox.Quad]] = {}
        for quad in quads:
            name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            groups.setdefault(name, []).append(quad)
        if self.gsp_url is not None and not _blank_nodes_span_graphs(groups):
            for graph, members in groups.items():
                self._gsp_post(graph, members)
        else:
            # One request keeps a blank node shared by two graphs one node.
            self.update(_insert_data(groups))

    def _gsp_url(self, graph: str | None) -> httpx.URL:
        assert self.gsp_url is not None
        if graph is None:
            # The GSP spells the default graph as a bare ``?default``, without a value.
            separator = "&" if "?" in self.gsp_url else "?"
            return httpx.URL(f"{self.gsp_url}{separator}default")
        return httpx.URL(self.gsp_url).copy_merge_params({"graph": graph})

    def _gsp_post(self, graph: str | None, quads: list[ox.Quad]) -> None:
        body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES) or b""
        response = self._send("POST", self._gsp_url(graph), content=body,
                              headers={"Content-Type": _N_TRIPLES})
        if not response.is_success:
            raise self._fail(response)

    def _graph_quads(self, graph: str | None) -> Iterable[ox.Quad]:
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        if self.gsp_url is not None:
            response = self._send("GET", self._gsp_url(graph), headers={"Accept": _N_TRIPLES})
            if response.status_code == 404:  # GSP: no such graph, i.e. an empty one
                return []
            if not response.is_success:
                raise self._fail(response)
            triples = [(t.subject, t.predicate, t.object) for t in _parse_graph(response)]
        else:
            where = "?s ?p ?o" if graph is None else f"GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }}"
            result = self.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}")
            terms = _OxTerms()
            triples = [(terms.ox(s), terms.ox(p), terms.ox(o)) for s, p, o in result]
        return canonical_quads([ox.Quad(s, p, o, name) for s, p, o in triples])

    def _dataset_quads(self) -> Iterable[ox.Quad]:
        terms = _OxTerms()
        return [
            ox.Quad(terms.ox(s), terms.ox(p), terms.ox(o), ox.DefaultGraph() if g is None else terms.ox(g))
            for s, p, o, g in self._select_internal(_ALL_QUADS)
        ]

    def graphs(self) -> list[str]:
        rows = self._select_internal(_GRAPHS)
        return sorted({str(g) for (g,) in rows if isinstance(g, URIRef)})

    def _count(self, graph: str | None) -> int:
        sparql = _COUNT_ALL if graph is None else (
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {sparql_iri(graph)} {{ ?s ?p ?o }} }}"
        )
        rows = self._select_internal(sparql).rows
        try:
            return int(str(rows[0][0]))
        except (IndexError, ValueError) as error:
            raise StoreUnavailable(f"the remote store sent an unreadable count: {rows!r}") from error

    def _clear(self, graph: str | None) -> None:
        # DROP rather than CLEAR: stores that remember empty graphs forget them too.
        self.update("DROP ALL" if graph is None else f"DROP SILENT GRAPH {sparql_iri(graph)}")

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._owns_client:
            client.close()


def _reads_as_syntax_error(message: str) -> bool:
    """Whether a store's 400 answer to an update is about its syntax (rather than, say, a graph
    that does not exist): engines give a position or say so."""
    return split_position(message.strip())[1] is not None or bool(_SYNTAX_WORDS.search(message))


# -- reading responses -------------------------------------------------------------------------


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _read_result(response: httpx.Response) -> QueryResult:
    media_type = _media_type(response)
    if media_type in (_RESULTS_JSON, "application/json"):
        return _read_json_results(response.content)
    triples = _parse_graph(response)
    objects = canonical_ox([t.object for t in triples])
    return GraphResult([(from_ox(t.subject), from_ox(t.predicate), from_ox(o))  # type: ignore[misc]
                        for t, o in zip(triples, objects, strict=True)])


def _parse_graph(response: httpx.Response) -> list[ox.Triple]:
    try:
        fmt = rdf_format(_media_type(response) or _N_TRIPLES)
    except UnsupportedMediaType as error:
        raise StoreUnavailable(
            f"the remote store answered in an unexpected format: {error.message}"
        ) from error
    try:
        return [q.triple for q in ox.parse(response.content, format=OX_FORMATS[fmt.name])]
    except (SyntaxError, ValueError) as error:
        raise StoreUnavailable(f"the remote store sent unreadable {fmt.name}: {error}") from error


def _read_json_results(body: bytes) -> QueryResult:
    try:
        document = json.loads(body)
        if "boolean" in document:
            return AskResult(bool(document["boolean"]))
        variables = tuple(document["head"]["vars"])
        solutions = document["results"]["bindings"]
        cells = canonical_terms([_json_term(s.get(variable)) for s in solutions for variable in variables])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StoreUnavailable(f"the remote store sent unreadable SPARQL results: {error}") from error
    width = len(variables)
    if not width:
        return SelectResult(variables, [() for _ in solutions])
    return SelectResult(variables, [tuple(cells[i : i + width]) for i in range(0, len(cells), width)])


def _json_term(value: dict[str, str] | None) -> Term | None:
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        return literal(value["value"], language=value.get("xml:lang"), datatype=value.get("datatype"))
    raise MdkgError(f"the remote store returned a term mdkg does not support: {kind}")


class _OxTerms:
    """rdflib terms back to pyoxigraph for serializing; blank nodes get fresh labels, as remote
    stores label them in ways pyoxigraph may not accept."""

    def __init__(self) -> None:
        self._blank: dict[BNode, ox.BlankNode] = {}

    def ox(self, term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, BNode):
            return self._blank.setdefault(term, ox.BlankNode())
        if isinstance(term, URIRef | Literal):
            return to_ox(term)
        raise MdkgError(f"not an RDF term: {term!r}")


# -- writing data --------------------------------------------------------------------------------


def _blank_nodes_span_graphs(groups: dict[str | None, list[ox.Quad]]) -> bool:
    owner: dict[str, str | None] = {}
    for graph, quads in groups.items():
        for quad in quads:
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.BlankNode) and owner.setdefault(term.value, graph) != graph:
                    return True
    return False


def _insert_data(groups: dict[str | None, list[ox.Quad]]) -> str:
    labels: dict[str, str] = {}

    def term(value: object) -> str:
        if isinstance(value, ox.BlankNode):
            # Our own labels: INSERT DATA makes fresh nodes of them, shared within the request.
            return labels.setdefault(value.value, f"_:b{len(labels)}")
        if isinstance(value, ox.NamedNode | ox.Literal):
            return sparql_term(from_ox(value))
        raise BadRequest(f"the remote store cannot take the term {value!r}")

    lines = ["INSERT DATA {"]
    for graph, quads in groups.items():
        triples = [f"  {term(q.subject)} {term(q.predicate)} {term(q.object)} ." for q in quads]
        if graph is None:
            lines += triples
        else:
            lines += [f"  GRAPH {sparql_iri(graph)} {{", *triples, "  }"]
    lines.append("}")
    return "\n".join(lines)
