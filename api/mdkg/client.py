"""The Python client: any answer of the graph in one line, as a pandas DataFrame.

``Client()`` works in process on the bundled graph (an in-memory Oxigraph store loaded from the
checkout); ``Client("http://127.0.0.1:8000")`` talks to a running ``mdkg serve``. Both give the same
answers, because both run the same named queries with the same parameter binding::

    from mdkg import Client

    mdkg = Client()
    mdkg.queries()                                                     # the named queries
    mdkg.query("mou-and-ustr-action-plan", include_frameworks=True)    # a DataFrame
    mdkg.sparql("SELECT ?s WHERE { GRAPH ?g { ?s a ?type } } LIMIT 5")  # DataFrame, bool or Graph
    mdkg.describe("japan")                                             # an rdflib Graph

Cells hold IRIs as strings and literals as Python values (``int``, ``Decimal``, ``float``, ``bool``,
``datetime.date``...; ``xsd:gYear`` and ``xsd:gYearMonth`` stay strings such as ``"2025-10"``);
``keep_terms=True`` keeps the rdflib terms instead. Failures are :mod:`mdkg.errors` instances in
both modes: over HTTP they are rebuilt from the service's JSON error envelope.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import pandas as pd
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from mdkg import errors
from mdkg.dataset import load_dataset
from mdkg.errors import MdkgError, NotFound
from mdkg.graph_views import Vocab
from mdkg.graph_views import describe as neighbourhood_of
from mdkg.namespaces import PREFIXES
from mdkg.queries import NamedQueryLibrary, QueryDefinitionError, run_named_query
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.store import AskResult, GraphResult, SelectResult, Store, Term, open_store

__all__ = ["Client", "error_from_response", "parse_sparql_json", "python_value", "raw_params", "to_dataframe"]

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
TURTLE = "text/turtle"
_RESULT_ACCEPT = f"{SPARQL_JSON}, {N_TRIPLES};q=0.9"
"""One request answers any query form: tables as SPARQL JSON, graphs as N-Triples."""

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PLAIN_VALUES = (bool, int, float, Decimal, dt.datetime, dt.date, dt.time, dt.timedelta)
"""What a literal may become in a cell; any other conversion rdflib offers (bytes, XML nodes) is
less useful in a table than the lexical form."""
_LEXICAL_DATATYPES = frozenset({XSD.gYear, XSD.gYearMonth, XSD.gMonth, XSD.gDay, XSD.gMonthDay})

Answer = pd.DataFrame | bool | Graph


# --- cells -------------------------------------------------------------------------------------------

def python_value(term: Term | None) -> Any:
    """The cell value of one term: IRIs as strings, literals as Python values, unbound as ``None``."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    if term.datatype is None or term.datatype in _LEXICAL_DATATYPES or term.ill_typed:
        return str(term)
    value = term.toPython()
    return value if isinstance(value, _PLAIN_VALUES) else str(term)


def _column(name: str, values: list[Any], keep_terms: bool) -> pd.Series:
    """One column, with a dtype that keeps its values: nullable integers and booleans when a row is
    unbound, so that an integer column with a gap does not turn into floats."""
    series = pd.Series(values, dtype=object, name=name)
    if keep_terms:
        return series
    present = [v for v in values if v is not None]
    kinds = {type(v) for v in present}
    missing = len(present) < len(values)
    if not present:
        return series
    if kinds == {bool}:
        return series.astype("boolean" if missing else bool)
    if kinds == {int}:
        return series.astype("Int64" if missing else "int64")
    if kinds == {float}:
        return series.astype("float64")
    if kinds == {str}:
        return series.infer_objects()
    return series


def to_dataframe(result: SelectResult, *, keep_terms: bool = False) -> pd.DataFrame:
    """A SELECT result as a DataFrame, one column per variable in the query's order."""
    cells = [[term if keep_terms else python_value(term) for term in row] for row in result.rows]
    columns = {name: _column(name, [row[i] for row in cells], keep_terms)
               for i, name in enumerate(result.variables)}
    return pd.DataFrame(columns, columns=list(result.variables), index=pd.RangeIndex(len(cells)))


def _graph_of(triples: GraphResult | Graph) -> Graph:
    if isinstance(triples, Graph):
        graph = triples
    else:
        graph = Graph()
        for triple in triples:
            graph.add(triple)
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def _answer(result: SelectResult | AskResult | GraphResult | Graph, keep_terms: bool) -> Answer:
    if isinstance(result, SelectResult):
        return to_dataframe(result, keep_terms=keep_terms)
    if isinstance(result, AskResult):
        return result.value
    return _graph_of(result)


def _raw_value(value: Any) -> str:
    """A parameter as the service reads it from a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)  # IRIs, literals and numbers are written as their lexical form


def raw_params(params: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """Python parameter values as the strings a query string carries (``None`` leaves one out)."""
    raw: dict[str, str | list[str]] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            raw[name] = [_raw_value(v) for v in value]
        else:
            raw[name] = _raw_value(value)
    return raw


# --- the two ways of reaching the graph -------------------------------------------------------------

Result = SelectResult | AskResult | GraphResult | Graph


class _Backend(Protocol):
    def named(self, name: str, params: dict[str, str | list[str]]) -> Result: ...

    def sparql(self, text: str) -> Result: ...

    def describe(self, iri_or_id: str) -> Graph: ...

    def catalogue(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class _InProcess:
    """The store itself, queried through the same library and binding code as the service."""

    def __init__(self, settings: Settings, store: Store | None) -> None:
        self.settings = settings
        self.vocab = Vocab(settings.base_iri)
        self.owns_store = store is None
        if store is None:
            store = open_store(settings)
            try:
                if settings.load_on_start:
                    load_dataset(store, settings)
            except BaseException:
                store.close()
                raise
        self.store = store
        self.library = NamedQueryLibrary.from_dir(settings.queries_dir, settings.base_iri, strict=False)

    def named(self, name: str, params: dict[str, str | list[str]]) -> Result:
        return run_named_query(self.store, self.library.get(name), params)

    def sparql(self, text: str) -> Result:
        return self.store.query(text)

    def describe(self, iri_or_id: str) -> Graph:
        iri = self.vocab.entity_iri(iri_or_id)
        if iri == self.vocab.ontology:
            # The service answers the ontology's IRI with the whole ontology graph: so does the client.
            graph = Graph()
            data = self.store.export(media_type=N_TRIPLES, graph=str(self.vocab.ontology_graph))
            return _graph_of(graph.parse(data=data, format="nt"))
        hood = neighbourhood_of(self.store, self.vocab, iri)
        if not hood.exists:
            raise NotFound(f"no resource {iri} in the dataset", detail={"iri": str(iri)})
        return _graph_of(hood.as_graph())

    def catalogue(self) -> list[dict[str, Any]]:
        return [query.describe() for query in self.library]

    def close(self) -> None:
        if self.owns_store:
            self.store.close()


class _OverHttp:
    """A running mdkg service: ``/queries/{name}``, ``/sparql`` and the linked-data IRIs."""

    def __init__(self, url: str, *, base_iri: str | None, timeout_s: float,
                 http: httpx.Client | None) -> None:
        self.url = url.rstrip("/")
        # IRIs the service dereferences: under its configured base (the canonical one by default, or
        # its own URL when MDKG_BASE_IRI points at it).
        bases = [base_iri, CANONICAL_BASE_IRI, self.url + "/"]
        self.bases = [b if b.endswith("/") else b + "/" for b in bases if b]
        self.owns_http = http is None
        self.http = http or httpx.Client(timeout=timeout_s, follow_redirects=True)

    def _get(self, path: str, *, params: Mapping[str, Any] | None = None, accept: str) -> httpx.Response:
        return self._send("GET", path, params=params, headers={"Accept": accept})

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        target = self.url + path
        try:
            response = self.http.request(method, target, **options)
        except httpx.TimeoutException as error:
            raise errors.QueryTimeout(f"{target} did not answer in time: {error}") from error
        except httpx.HTTPError as error:
            raise errors.StoreUnavailable(f"cannot reach the mdkg service at {self.url}: {error}") from error
        if response.is_error:
            raise error_from_response(response)
        return response

    def named(self, name: str, params: dict[str, str | list[str]]) -> Result:
        return self._result(self._get(f"/queries/{quote(name, safe='')}", params=params,
                                      accept=_RESULT_ACCEPT))

    def sparql(self, text: str) -> Result:
        return self._result(self._send("POST", "/sparql", data={"query": text},
                                       headers={"Accept": _RESULT_ACCEPT}))

    def describe(self, iri_or_id: str) -> Graph:
        response = self._get(f"/{self._path_of(iri_or_id)}.ttl", accept=TURTLE)
        return _graph_of(Graph().parse(data=response.text, format="turtle"))

    def catalogue(self) -> list[dict[str, Any]]:
        listed = self._get("/queries.json", accept="application/json").json()
        return [{key: value for key, value in query.items() if key != "url"} for query in listed["queries"]]

    def close(self) -> None:
        if self.owns_http:
            self.http.close()

    def _path_of(self, iri_or_id: str) -> str:
        """The path at which the service describes an IRI, a ``japan`` or an ``id:japan``."""
        text = iri_or_id.strip()
        if text.startswith("id:"):
            path = "id/" + text[3:]
        elif _SCHEME.match(text):
            base = next((b for b in self.bases if text.startswith(b) and len(text) > len(b)), None)
            if base is None:
                raise NotFound(f"{text} is not an IRI of the dataset served at {self.url} (its IRIs start "
                               f"with one of {', '.join(self.bases)})", detail={"iri": text})
            path = text[len(base):]
        else:
            path = "id/" + text.strip("/")
        if path.endswith("/") or path.rstrip("/") in ("", "id"):
            raise errors.ParameterError("an entity id is required (for example 'japan')")
        return quote(path, safe="/:@!$&'()*+,;=-._~")

    @staticmethod
    def _result(response: httpx.Response) -> Result:
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == SPARQL_JSON:
            return parse_sparql_json(response.content)
        if media_type in (N_TRIPLES, TURTLE):
            return Graph().parse(data=response.text, format="nt" if media_type == N_TRIPLES else "turtle")
        raise MdkgError(f"the service answered {response.request.url} with {media_type or 'no media type'}, "
                        "not query results")


# --- reading what the service sends ------------------------------------------------------------------

def _term(value: Mapping[str, str]) -> Term:
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        language = value.get("xml:lang")
        datatype = value.get("datatype")
        if language:
            return Literal(text, lang=language)
        if datatype in (None, str(XSD.string), str(RDF.langString)):
            return Literal(text)  # the store contract's form of a simple literal
        return Literal(text, datatype=URIRef(datatype))
    raise MdkgError(f"unknown term type {kind!r} in SPARQL JSON results")


def parse_sparql_json(body: bytes | str) -> SelectResult | AskResult:
    """SPARQL 1.1 Query Results JSON into the store contract's result types."""
    document = json.loads(body)
    if "boolean" in document:
        return AskResult(bool(document["boolean"]))
    variables = tuple(document.get("head", {}).get("vars", []))
    rows = [tuple(_term(solution[v]) if v in solution else None for v in variables)
            for solution in document.get("results", {}).get("bindings", [])]
    return SelectResult(variables, rows)


def _error_classes() -> tuple[dict[str, type[MdkgError]], dict[int, type[MdkgError]]]:
    by_code: dict[str, type[MdkgError]] = {QueryDefinitionError.code: QueryDefinitionError}
    by_status: dict[int, type[MdkgError]] = {}
    pending: list[type[MdkgError]] = [MdkgError]
    while pending:  # breadth first, so that a status maps to its most general class
        cls = pending.pop(0)
        by_code.setdefault(cls.code, cls)
        by_status.setdefault(cls.status, cls)
        pending.extend(cls.__subclasses__())
    return by_code, by_status


def _instance(cls: type[MdkgError], message: str, detail: dict[str, Any]) -> MdkgError:
    """``cls`` with the service's message and detail, whatever its own constructor takes."""
    if cls.__init__ is MdkgError.__init__:
        return cls(message, detail=detail)
    # A subclass with its own constructor (QueryDefinitionError takes file, line, problem) gets the
    # message as sent, and the attributes its constructor would set from what the detail carries.
    error = cls.__new__(cls)
    MdkgError.__init__(error, message, detail=detail)
    for key, value in detail.items():
        if key.isidentifier() and not hasattr(error, key):
            setattr(error, key, value)
    return error


def error_from_response(response: httpx.Response) -> MdkgError:
    """The :mod:`mdkg.errors` instance the service's JSON envelope describes.

    An unknown code keeps the class of its status and the service's own code, so ``error.code`` and
    ``error.status`` always say what the service said.
    """
    try:
        body = response.json()["error"]
        status = int(body.get("status", response.status_code))
        code = str(body.get("code", ""))
        message = str(body.get("message", ""))
        detail = body.get("detail") if isinstance(body.get("detail"), dict) else {}
    except (ValueError, KeyError, TypeError, AttributeError):
        status, code = response.status_code, ""
        message = f"{response.request.method} {response.request.url}: HTTP {response.status_code}"
        detail = {"body": response.text[:500]}
    by_code, by_status = _error_classes()
    cls = by_code.get(code)
    if cls is None or cls.status != status:
        cls = by_status.get(status, MdkgError)
    error = _instance(cls, message, detail)
    if code and error.code != code:
        error.code = code
    if error.status != status:
        error.status = status
    return error


# --- the client --------------------------------------------------------------------------------------

class Client:
    """The knowledge graph from Python: in process by default, or a running service given its URL.

    ``Client()`` loads the checkout's ontology, sources and reference data into an in-memory
    Oxigraph store (well under a second). ``settings`` picks another project folder, base IRI or
    store; ``store`` queries a store you have already loaded (the client neither loads nor closes it).
    ``Client(url)`` sends every call to the service; ``base_iri`` names the base of its IRIs when it
    is neither the canonical one nor the service's own URL.
    """

    def __init__(self, url: str | None = None, *, settings: Settings | None = None,
                 store: Store | None = None, base_iri: str | None = None, timeout_s: float = 30.0,
                 http: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/") if url else None
        self._backend: _Backend
        if url is None:
            if http is not None or base_iri is not None:
                raise errors.BadRequest("http and base_iri are for a client of a service URL")
            self.settings: Settings | None = settings or Settings()
            self._backend = _InProcess(self.settings, store)
        else:
            if settings is not None or store is not None:
                raise errors.BadRequest("settings and store are for an in-process client, not a URL")
            self.settings = None
            self._backend = _OverHttp(url, base_iri=base_iri, timeout_s=timeout_s, http=http)

    def __repr__(self) -> str:
        where = self.url or f"in process, {self.settings.root if self.settings else '?'}"
        return f"<mdkg.Client {where}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the store (in process) or the HTTP connections; the client is unusable afterwards."""
        self._backend.close()

    # --- the named queries ----------------------------------------------------------------------

    def queries(self) -> pd.DataFrame:
        """The named queries: ``name``, ``summary``, ``form`` and ``params`` (the parameter names), with
        the full declarations in ``parameters`` and the text in ``description``."""
        rows = [{"name": q["name"], "summary": q["summary"], "form": q["form"],
                 "params": [p["name"] for p in q["parameters"]], "parameters": q["parameters"],
                 "tags": list(q.get("tags", [])), "description": q.get("description", "")}
                for q in self._backend.catalogue()]
        columns = ["name", "summary", "form", "params", "parameters", "tags", "description"]
        return pd.DataFrame(rows, columns=columns)

    def query_info(self, name: str) -> dict[str, Any]:
        """One named query's description: summary, description, form and parameter declarations."""
        for described in self._backend.catalogue():
            if described["name"] == name:
                return described
        raise NotFound(f"no named query {name!r}", detail={"name": name})

    def query(self, name: str, params: Mapping[str, Any] | None = None, /, *, keep_terms: bool = False,
              **kwargs: Any) -> Answer:
        """Run a named query. Parameters by keyword (``include_frameworks=True``) or as a mapping, in
        Python values or the strings the service takes (``hub="united-states"``).

        A SELECT gives a DataFrame, an ASK a ``bool``, a CONSTRUCT an rdflib ``Graph``.
        """
        given = {**(params or {}), **kwargs}
        return _answer(self._backend.named(name, raw_params(given)), keep_terms)

    # --- any SPARQL -----------------------------------------------------------------------------

    def sparql(self, query: str, *, keep_terms: bool = False) -> Answer:
        """Run a SPARQL query: SELECT gives a DataFrame, ASK a ``bool``, CONSTRUCT/DESCRIBE a ``Graph``.

        The dataset's triples live in named graphs (see docs/data-model.md): match them inside
        ``GRAPH ?g { ... }``.
        """
        return _answer(self._backend.sparql(query), keep_terms)

    def select(self, query: str, *, keep_terms: bool = False) -> pd.DataFrame:
        """:meth:`sparql` for a SELECT query, typed as a DataFrame."""
        answer = self.sparql(query, keep_terms=keep_terms)
        if not isinstance(answer, pd.DataFrame):
            raise errors.QuerySyntaxError("expected a SELECT query", detail={"expected": ["SELECT"]})
        return answer

    # --- linked data ----------------------------------------------------------------------------

    def describe(self, iri: str) -> Graph:
        """What the graph says about one resource, as the linked-data pages give it: its triples in
        every named graph, the quotations and amounts they lead to, the source and quotes of the facts
        pointing at it, and the labels of what it links to. ``iri`` may be a short id (``japan``)."""
        return self._backend.describe(str(iri))
