"""Render every error as the one JSON envelope; a client never sees a stack trace."""

from __future__ import annotations

import logging

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


def install(app: FastAPI) -> None:
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
