"""``mdkg query NAME|FILE.rq``: run a named query against the dataset on disk."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from mdkg.dataset import load_dataset
from mdkg.errors import ParameterError
from mdkg.queries._library import NamedQuery, NamedQueryLibrary, normalized_base, run_named_query
from mdkg.queries._present import present, render_text_table
from mdkg.results import serialize
from mdkg.settings import Settings
from mdkg.store import GraphResult, SelectResult
from mdkg.store.oxigraph import OxigraphStore

CLI_FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv",
               "tsv": "text/tab-separated-values"}


def parse_cli_params(params: list[str]) -> dict[str, list[str]]:
    """``["country=japan", "limit=5"]`` as request-style values (a name may repeat)."""
    values: dict[str, list[str]] = {}
    for item in params:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise ParameterError(f"--param takes NAME=VALUE, got {item!r}", detail={"value": item})
        values.setdefault(name.strip(), []).append(value)
    return values


def resolve_named_query(settings: Settings, name_or_path: str) -> NamedQuery:
    """A ``.rq`` path (or any existing file) is read directly; anything else is a name in ``queries/``."""
    path = Path(name_or_path)
    if name_or_path.endswith(".rq") or (path.suffix and path.is_file()):
        return NamedQuery.from_file(path, base_iri=settings.base_iri)
    library = NamedQueryLibrary.from_dir(settings.queries_dir, settings.base_iri, strict=False)
    return library.get(name_or_path)


def run_named_query_cli(settings: Settings, name_or_path: str, params: list[str], fmt: str,
                        out: TextIO) -> int:
    """Load the dataset into an in-memory store, run the query and print it; errors are raised as
    :class:`mdkg.errors.MdkgError` for the command line to report."""
    named_query = resolve_named_query(settings, name_or_path)
    raw_params = parse_cli_params(params)
    named_query.bind(raw_params)  # a bad parameter is reported before the dataset is loaded
    store = OxigraphStore()
    try:
        load_dataset(store, settings)
        result = run_named_query(store, named_query, raw_params)
        if fmt == "table":
            base = normalized_base(settings.base_iri)
            out.write(render_text_table(present(result, store, base_iri=base)))
            return 0
        if isinstance(result, GraphResult):
            if fmt == "json":
                text = serialize(result, "application/ld+json").decode("utf-8")
                out.write(text if text.endswith("\n") else text + "\n")
                return 0
            # A graph as a three-column table reads well as CSV or TSV.
            result = SelectResult(("subject", "predicate", "object"), [tuple(t) for t in result.triples])
        text = serialize(result, CLI_FORMATS[fmt]).decode("utf-8")
        out.write(text if text.endswith("\n") else text + "\n")
        return 0
    finally:
        store.close()
