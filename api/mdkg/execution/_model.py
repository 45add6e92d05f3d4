"""What a caller asks the executor for, what it gets back, and how errors cross a process boundary."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mdkg import errors
from mdkg.errors import MdkgError
from mdkg.store import QueryDataset


@dataclass(frozen=True)
class QueryRequest:
    """One query, with the result formats the client accepts for each kind of result.

    The kind (table or graph) is only known once the engine has parsed the query, so the caller
    names a media type for both; ``None`` means the client accepts no format of that kind.
    """

    text: str
    dataset: QueryDataset | None = None
    tabular_media_type: str | None = "application/sparql-results+json"
    graph_media_type: str | None = "text/turtle"
    prefixes: dict[str, str] = field(default_factory=dict)
    """Prefixes that abbreviate graph results in the formats that have them (Turtle, TriG, RDF/XML)."""


@dataclass(frozen=True)
class QueryAnswer:
    """The serialized result, ready to send.

    ``media_type`` is ``None`` when the result is of a kind the request named no format for; the
    caller then explains which formats exist.
    """

    is_graph: bool
    media_type: str | None
    body: bytes = b""
    truncated: bool = False
    row_limit: int = 0
    """The cap in force: rows of a table, triples of a graph."""


def request_to_wire(request: QueryRequest, row_limit: int) -> dict[str, Any]:
    dataset = request.dataset
    return {
        "op": "query",
        "text": request.text,
        "dataset": None if dataset is None else [list(dataset.default_graphs), list(dataset.named_graphs)],
        "tabular": request.tabular_media_type,
        "graph": request.graph_media_type,
        "prefixes": dict(request.prefixes),
        "row_limit": row_limit,
    }


def request_from_wire(message: dict[str, Any]) -> tuple[QueryRequest, int]:
    dataset = message["dataset"]
    request = QueryRequest(
        text=message["text"],
        dataset=None if dataset is None else QueryDataset(tuple(dataset[0]), tuple(dataset[1])),
        tabular_media_type=message["tabular"],
        graph_media_type=message["graph"],
        prefixes=message["prefixes"],
    )
    return request, int(message["row_limit"])


def answer_to_wire(answer: QueryAnswer) -> dict[str, Any]:
    return {"ok": True, "is_graph": answer.is_graph, "media_type": answer.media_type,
            "truncated": answer.truncated, "row_limit": answer.row_limit}


def answer_from_wire(message: dict[str, Any], body: bytes) -> QueryAnswer:
    return QueryAnswer(is_graph=bool(message["is_graph"]), media_type=message["media_type"], body=body,
                       truncated=bool(message["truncated"]), row_limit=int(message["row_limit"]))


def error_to_wire(error: MdkgError) -> dict[str, Any]:
    # A detail that JSON cannot carry as is becomes text rather than losing the whole error.
    detail = json.loads(json.dumps(error.detail, default=str))
    return {"ok": False, "error": type(error).__name__, "message": error.message, "detail": detail}


def error_from_wire(message: dict[str, Any]) -> MdkgError:
    """The worker's error as the same :mod:`mdkg.errors` class (plain ``MdkgError`` if unknown)."""
    kind = getattr(errors, str(message.get("error")), None)
    if not (isinstance(kind, type) and issubclass(kind, MdkgError)):
        kind = MdkgError
    return kind(str(message.get("message", "the query failed")), detail=message.get("detail") or None)
