"""schemathesis against the OpenAPI document: generated requests, valid and invalid, for every operation.

A 500 is a bug, never the answer to bad input. Besides "not a server error", each response must
conform to the document (documented status, content type, body schema and headers; errors the
operation does not document are the JSON envelope by the document's ``default`` response), and
every JSON error must be the envelope with the response's own status.

Not checked: that schema-valid requests succeed (``positive_data_acceptance``), since a parameter
typed "string" is often a SPARQL text or an IRI that the schema cannot describe; and that
schema-violating requests are refused (``negative_data_rejection``), since in a query string a
"wrong" number is also a valid string (``?relation=8.26e+53`` for a list of strings), which that
check reports as accepted bad data.

The number of examples is bounded and the seed fixed, so the run is short and repeatable; the app
runs in process on the project's own dataset.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from mdkg.dataset import load_dataset
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = 10
SEED = 20261128
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
_ENVELOPE_KEYS = {"status", "code", "message", "detail"}


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
    })


def _app(store: OxigraphStore) -> FastAPI:
    return create_app(Settings(load_on_start=False), store=store)


# schemathesis reads the document when the module is collected; the data is loaded when tests run.
STORE = OxigraphStore()
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", _app(STORE), config=_config())


@pytest.fixture(scope="module", autouse=True)
def _project_dataset() -> Iterator[None]:
    load_dataset(STORE, Settings(load_on_start=False))
    yield


def check_error_envelope(status: int, headers: dict[str, Any], body: bytes, where: str) -> None:
    """Every JSON error is ``{"error": {"status", "code", "message"[, "detail"]}}`` with its own status."""
    content_type = str(headers.get("content-type", ""))
    if status < 400 or not body or "json" not in content_type:
        return
    envelope = json.loads(body)
    assert isinstance(envelope, dict) and set(envelope) == {"error"}, f"{where}: {body[:300]!r}"
    error = envelope["error"]
    assert {"status", "code", "message"} <= set(error) <= _ENVELOPE_KEYS, f"{where}: {error}"
    assert error["status"] == status, f"{where}: envelope status {error['status']} on a {status}"


def _header(headers: Any, name: str) -> str:
    value = headers.get(name) or headers.get(name.title()) or ""
    return value[0] if isinstance(value, list) and value else str(value)


def _run(case: Any) -> None:
    try:
        response = case.call()
    except Exception as error:  # raised past the app's error handlers: a real server would send a 500
        raise AssertionError(f"{case.method} {case.formatted_path}: server error, the app raised "
                             f"{error!r}") from error
    case.validate_response(response, checks=CHECKS)
    check_error_envelope(response.status_code, {"content-type": _header(response.headers, "content-type")},
                         response.content, f"{case.method} {case.formatted_path}")


@SCHEMA.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation(case: Any) -> None:
    _run(case)


def test_the_fuzzer_catches_a_server_error() -> None:
    """The harness above can fail: an operation that breaks on some input is reported."""
    store = OxigraphStore()
    app = _app(store)

    async def fragile(label: str) -> dict[str, int]:
        return {"bytes": len(label.encode("ascii"))}  # UnicodeEncodeError, a 500, on any other text

    app.add_api_route("/fuzz-selftest/{label}", fragile, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())  # before the catch-all resource pages
    operation = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config())[
        "/fuzz-selftest/{label}"]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate])  # the first failure is enough; no shrinking
    def fuzz(case: Any) -> None:
        _run(case)

    with pytest.raises(BaseException) as raised:
        fuzz()
    assert "server error" in str(raised.value).lower()
    store.close()


def test_the_envelope_check_rejects_a_stray_error_body() -> None:
    with pytest.raises(AssertionError):
        check_error_envelope(400, {"content-type": "application/json"}, b'{"detail": "nope"}', "x")
    with pytest.raises(AssertionError):
        check_error_envelope(404, {"content-type": "application/json"},
                             b'{"error": {"status": 400, "code": "c", "message": "m"}}', "x")
    check_error_envelope(404, {"content-type": "application/json"},
                         b'{"error": {"status": 404, "code": "c", "message": "m"}}', "x")
