"""Render every error as the one JSON envelope; a client never sees a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mdkg.errors import MdkgError

log = logging.getLogger("mdkg.web")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
}


def envelope_response(status: int, code: str, message: str, detail: object = None,
                      headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, object] = {"status": status, "code": code, "message": message}
    if detail:
        body["detail"] = detail
    return JSONResponse({"error": body}, status_code=status, headers=headers)


ERROR_ENVELOPE_SCHEMA: dict[str, Any] = {
    "title": "ErrorEnvelope",
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {"error": {
        "type": "object",
        "required": ["status", "code", "message"],
        "additionalProperties": False,
        "properties": {
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "code": {"type": "string", "description": "Stable machine-readable reason, e.g. query_syntax"},
            "message": {"type": "string"},
            "detail": {"description": "What helps to fix the request (parser position, limits...)"},
        },
    }},
}
_ENVELOPE_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}


def _with_error_envelope(schema: dict[str, Any]) -> dict[str, Any]:
    """Say in every operation that errors it does not document otherwise are the envelope (a page may
    document an HTML answer for its own errors). FastAPI documents a 422 with its own
    ``HTTPValidationError`` body for every operation with parameters; this app answers those requests
    400 with the envelope (see ``_validation_error``), so that entry goes."""
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if not isinstance(responses, dict):
                continue
            validation = responses.get("422", {})
            if "HTTPValidationError" in str(validation.get("content", "")):
                del responses["422"]
            responses.setdefault("default", {"description": "An error, as the JSON envelope",
                                             "content": _ENVELOPE_CONTENT})
    return schema


def _document_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_error_envelope(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document_errors(app)

    @app.exception_handler(MdkgError)
    async def _mdkg_error(request: Request, error: MdkgError) -> JSONResponse:
        headers = getattr(error, "headers", None)
        return envelope_response(error.status, error.code, error.message, error.detail, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(error.status_code, "http_error")
        return envelope_response(error.status_code, code, str(error.detail),
                                 headers=getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        message = "; ".join(f"{p['location']}: {p['message']}" for p in problems) or "invalid request"
        return envelope_response(400, "invalid_parameter", message, {"problems": problems})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return envelope_response(500, "internal_error",
                                 "internal error: this is a bug in mdkg, please report it")
