"""Named queries read from ``queries/*.rq`` and the library that holds them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from mdkg.errors import MdkgError, NotFound, ParameterError, QuerySyntaxError
from mdkg.guard import OwnGraphs, inspect_query
from mdkg.namespaces import PREFIXES
from mdkg.queries._frontmatter import LinedMapping, QueryDefinitionError, split_query_file
from mdkg.queries._params import QueryParameter, parse_declaration
from mdkg.settings import CANONICAL_BASE_IRI, Settings
from mdkg.store import AskResult, GraphResult, SelectResult, Store, Term
from mdkg.store.oxigraph import OxigraphStore

QUERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
VIEWS = ("table", "list", "graph", "chart", "map", "timeline", "bar", "network")
_TOP_LEVEL_KEYS = ("summary", "description", "tags", "defaultView", "params")
_PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>", re.IGNORECASE)
_QUERY_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


def normalized_base(base_iri: str) -> str:
    return base_iri if base_iri.endswith("/") else base_iri + "/"


def rebase_query_text(sparql: str, base_iri: str) -> str:
    """Point the query's ``<https://w3id.org/mdkg/...>`` IRIs at the deployment's base.

    A plain prefix replacement is enough because the text is configuration, not user input.
    """
    base_iri = normalized_base(base_iri)
    if base_iri == CANONICAL_BASE_IRI:
        return sparql
    return sparql.replace("<" + CANONICAL_BASE_IRI, "<" + base_iri)


@dataclass(frozen=True)
class NamedQuery:
    """One named query: its front matter, its SPARQL text and its typed parameters."""

    name: str
    file: str
    """Where it was read from, as shown in error messages."""
    summary: str
    description: str
    tags: tuple[str, ...]
    default_view: str
    parameters: tuple[QueryParameter, ...]
    sparql: str
    """The SPARQL text exactly as written in the file (without the front matter)."""
    executable_sparql: str
    """``sparql`` with canonical IRIs moved to ``base_iri``: the text that is run."""
    sparql_first_line: int
    form: str
    """``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``."""
    base_iri: str = CANONICAL_BASE_IRI

    @classmethod
    def from_text(cls, text: str, *, name: str, file: str, base_iri: str = CANONICAL_BASE_IRI) -> NamedQuery:
        """Parse a ``.rq`` text; :class:`QueryDefinitionError` names the file and line of any problem."""
        base_iri = normalized_base(base_iri)
        if not QUERY_NAME.fullmatch(name):
            raise QueryDefinitionError(file, None, f"{name!r} is not a usable query name (letters, digits, "
                                       "- and _, starting with a letter or digit)")
        split = split_query_file(text, file)
        front = split.front_matter
        for key in front:
            if key not in _TOP_LEVEL_KEYS:
                raise QueryDefinitionError(file, front.line_of(key), f"unknown key {key!r}; known keys: "
                                           f"{', '.join(_TOP_LEVEL_KEYS)}")
        summary = _text(front, "summary", file) or name.replace("-", " ").replace("_", " ")
        description = _text(front, "description", file) or ""
        tags = _tags(front, file)
        default_view = _text(front, "defaultView", file) or "table"
        if default_view not in VIEWS:
            raise QueryDefinitionError(file, front.line_of("defaultView"),
                                       f"defaultView must be one of {', '.join(VIEWS)}, got {default_view!r}")
        if not split.sparql.strip():
            raise QueryDefinitionError(file, split.sparql_first_line, "the file holds no SPARQL query")
        parameters = _parameters(front, split.sparql, file, base_iri)
        executable = rebase_query_text(split.sparql, base_iri)
        _guard(executable, file, split.sparql_first_line, base_iri)  # mdkg.guard, once, when the file is read
        form = _check_with_empty_store(executable, parameters, front, file, split.sparql_first_line)
        return cls(name=name, file=file, summary=summary.strip(), description=description.strip(),
                   tags=tags, default_view=default_view, parameters=parameters, sparql=split.sparql,
                   executable_sparql=executable, sparql_first_line=split.sparql_first_line, form=form,
                   base_iri=base_iri)

    @classmethod
    def from_file(cls, path: Path, *, base_iri: str = CANONICAL_BASE_IRI, name: str | None = None,
                  file: str | None = None) -> NamedQuery:
        shown = file or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise QueryDefinitionError(shown, None, f"not UTF-8 text: {error}") from error
        except OSError as error:
            raise QueryDefinitionError(shown, None, f"cannot be read: {error.strerror or error}") from error
        return cls.from_text(text, name=name or path.stem, file=shown, base_iri=base_iri)

    def parameter(self, name: str) -> QueryParameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bind(self, raw_params: Mapping[str, str | list[str]]) -> dict[str, URIRef | Literal]:
        """Validate request values and return the RDF terms to bind, defaults included.

        Empty values count as absent (an HTML form sends every field). A parameter given more than
        once must repeat one value, except a boolean, whose last value wins: an HTML checkbox sends
        ``true`` after the hidden ``false`` that stands for "unchecked".
        """
        unknown = sorted(set(raw_params) - {p.name for p in self.parameters})
        if unknown:
            accepted = ", ".join(p.name for p in self.parameters) or "no parameters"
            raise ParameterError(f"unknown parameter {unknown[0]!r}: query {self.name} takes {accepted}",
                                 detail={"parameter": unknown[0],
                                         "accepted": [p.name for p in self.parameters]})
        bindings: dict[str, URIRef | Literal] = {}
        for parameter in self.parameters:
            raw = raw_params.get(parameter.name)
            values = [raw] if isinstance(raw, str) else list(raw or [])
            values = [v for v in values if v != ""]
            if len(set(values)) > 1 and parameter.type != "boolean":
                raise ParameterError(f"{parameter.name} takes one value, got {len(values)}",
                                     detail={"parameter": parameter.name, "values": values[:10]})
            if values:
                bindings[parameter.name] = parameter.to_term(values[-1])
            elif parameter.default is not None:
                bindings[parameter.name] = parameter.to_term(parameter.default)
            elif parameter.required:
                raise ParameterError(f"{parameter.name} is required ({parameter.expected()})",
                                     detail={"parameter": parameter.name, "type": parameter.type})
        return bindings

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (for the index)."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "form": self.form,
            "defaultView": self.default_view,
            "parameters": [p.describe() for p in self.parameters],
        }


def run_named_query(store: Store, named_query: NamedQuery, raw_params: Mapping[str, str | list[str]]
                    ) -> SelectResult | AskResult | GraphResult:
    """Bind the parameters and run the query; the same as the text sent with those bindings."""
    return store.query(named_query.executable_sparql, bindings=named_query.bind(raw_params))


class NamedQueryLibrary:
    """The named queries of one folder, by name."""

    def __init__(self, queries: Mapping[str, NamedQuery] | None = None,
                 errors: Mapping[str, QueryDefinitionError] | None = None) -> None:
        self._queries = dict(sorted((queries or {}).items()))
        self._errors = dict(errors or {})

    @classmethod
    def from_dir(cls, path: Path, base_iri: str = CANONICAL_BASE_IRI, *, strict: bool = True
                 ) -> NamedQueryLibrary:
        """Read every ``*.rq`` of ``path``.

        ``strict`` raises the first :class:`QueryDefinitionError`; otherwise broken files are kept
        aside in :attr:`errors` so that one bad file does not take the others down.
        """
        queries: dict[str, NamedQuery] = {}
        errors: dict[str, QueryDefinitionError] = {}
        for file in sorted(path.glob("*.rq")) if path.is_dir() else []:
            shown = f"{path.name}/{file.name}"
            try:
                queries[file.stem] = NamedQuery.from_file(file, base_iri=base_iri, file=shown)
            except QueryDefinitionError as error:
                if strict:
                    raise
                errors[file.stem] = error
        return cls(queries, errors)

    @property
    def errors(self) -> dict[str, QueryDefinitionError]:
        """Files that failed to load, by query name."""
        return dict(self._errors)

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> NamedQuery:
        if name in self._queries:
            return self._queries[name]
        if name in self._errors:
            raise self._errors[name]
        known = ", ".join(self._queries) or "none"
        raise NotFound(f"no named query {name!r}; known queries: {known}", detail={"name": name})

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)


def _text(front: LinedMapping, key: str, file: str) -> str | None:
    value = front.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise QueryDefinitionError(file, front.line_of(key), f"{key} must be text, got {value!r}")
    return value


def _tags(front: LinedMapping, file: str) -> tuple[str, ...]:
    value = front.get("tags")
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise QueryDefinitionError(file, front.line_of("tags"),
                                   f"tags must be a list of words, got {value!r}")
    return tuple(value)


def _parameters(front: LinedMapping, sparql: str, file: str, base_iri: str) -> tuple[QueryParameter, ...]:
    declared = front.get("params")
    if declared is None:
        return ()
    if not isinstance(declared, LinedMapping):
        raise QueryDefinitionError(file, front.line_of("params"),
                                   "params must map each parameter name to its declaration")
    prefixes = {**PREFIXES, **{m.group(1) or "": m.group(2) for m in _PREFIX_DECLARATION.finditer(sparql)}}
    parameters = []
    for name, declaration in declared.items():
        line = declared.line_of(name)
        parameter = parse_declaration(name, declaration, file=file, line=line, base_iri=base_iri,
                                      prefixes=prefixes)
        if not re.search(rf"[?$]{re.escape(name)}\b", sparql):
            raise QueryDefinitionError(file, line, f"parameter {name}: the query has no variable ?{name} "
                                       "(a parameter binds the variable of its name)")
        parameters.append(parameter)
    return tuple(parameters)


_PLACEHOLDERS: dict[str, Term] = {
    "iri": URIRef("urn:mdkg:placeholder"),
    "string": Literal(""),
    "lang-string": Literal("", lang="en"),
    "integer": Literal("0", datatype=XSD.integer),
    "decimal": Literal("0", datatype=XSD.decimal),
    "boolean": Literal("false", datatype=XSD.boolean),
    "date": Literal("2000-01-01", datatype=XSD.date),
    "dateTime": Literal("2000-01-01T00:00:00", datatype=XSD.dateTime),
    "gYear": Literal("2000", datatype=XSD.gYear),
    "gYearMonth": Literal("2000-01", datatype=XSD.gYearMonth),
}


def _guard(sparql: str, file: str, first_line: int, base_iri: str) -> None:
    """Named queries are configuration, yet their text reaches the same engines as a user's: the
    guard refuses SERVICE, LOAD, nesting bombs and FROM graphs outside mdkg's own dataset."""
    try:
        # The default limits: the library is read without the app's settings.
        inspect_query(sparql, kind="query", held_graphs=OwnGraphs(base_iri), settings=Settings())
    except MdkgError as error:
        line = error.detail.get("line")
        raise QueryDefinitionError(file, first_line + line - 1 if isinstance(line, int) else first_line,
                                   error.message) from None


def _check_with_empty_store(sparql: str, parameters: tuple[QueryParameter, ...], front: LinedMapping,
                            file: str, first_line: int) -> str:
    """Run the query once on an empty store with every parameter bound, and say its form.

    This finds, when the file is read and with their line, syntax errors and parameters the store
    cannot bind (a query without a WHERE group, a parameter assigned again with ``AS``), which
    would otherwise fail on every request. It goes through the store contract, so it binds the
    parameters exactly as a request does.
    """
    if _SERVICE.search(sparql):
        return _form_from_text(sparql)  # running it would call the remote service
    placeholders = {p.name: _PLACEHOLDERS[p.type] for p in parameters}
    store = OxigraphStore()
    try:
        result = store.query(sparql, bindings=placeholders or None)
    except QuerySyntaxError as error:
        line = error.detail.get("line")
        line = first_line + line - 1 if isinstance(line, int) else None
        reason = error.detail.get("message") or error.message
        raise QueryDefinitionError(file, line, f"SPARQL syntax error: {reason}") from None
    except ParameterError as error:
        variable = error.detail.get("variable")
        params = front.get("params")
        line = params.line_of(variable) if isinstance(params, LinedMapping) and variable in params else None
        problem = f"parameter {variable}: {error.message}" if variable else error.message
        raise QueryDefinitionError(file, line if line is not None else first_line, problem) from None
    except MdkgError as error:
        raise QueryDefinitionError(file, first_line, f"the query cannot be run: {error.message}") from None
    finally:
        store.close()
    if isinstance(result, AskResult):
        return "ASK"
    if isinstance(result, SelectResult):
        return "SELECT"
    return "DESCRIBE" if _form_from_text(sparql) == "DESCRIBE" else "CONSTRUCT"


def _form_from_text(sparql: str) -> str:
    without_comments = re.sub(r"#[^\n]*", "", sparql)
    match = _QUERY_FORM.search(without_comments)
    return match.group(1).upper() if match else "SELECT"
