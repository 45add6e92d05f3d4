"""The one error hierarchy of mdkg.

Every error a client can meet is an :class:`MdkgError` subclass that knows its HTTP status and a
stable machine-readable ``code``. The web layer renders all of them as one JSON envelope::

    {"error": {"status": 400, "code": "query_syntax", "message": "...", "detail": {...}}}

The command line prints the same message. Nothing else (no traceback) reaches a user.
"""

from __future__ import annotations

from typing import Any


class MdkgError(Exception):
    """Base class: a failure that mdkg explains to its user."""

    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return {"error": body}


class BadRequest(MdkgError):
    """The request is malformed (400)."""

    status = 400
    code = "bad_request"


class QuerySyntaxError(BadRequest):
    """A SPARQL query or update does not parse; ``detail`` carries the parser's message and position."""

    code = "query_syntax"


class RdfSyntaxError(BadRequest):
    """An RDF document does not parse; ``detail`` carries file, line and the parser's message."""

    code = "rdf_syntax"


class ParameterError(BadRequest):
    """A named-query parameter is missing, unknown or not of its declared type."""

    code = "invalid_parameter"


class Unauthorized(MdkgError):
    """Credentials are required (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(MdkgError):
    """The request is understood and refused (403)."""

    status = 403
    code = "forbidden"


class NotFound(MdkgError):
    """No such resource, query, graph or entity (404)."""

    status = 404
    code = "not_found"


class MethodNotAllowed(MdkgError):
    """The HTTP method is not supported here (405)."""

    status = 405
    code = "method_not_allowed"


class NotAcceptable(MdkgError):
    """No representation matches the client's ``Accept`` header (406)."""

    status = 406
    code = "not_acceptable"


class Conflict(MdkgError):
    """The request conflicts with what the store holds, such as a source already added (409)."""

    status = 409
    code = "conflict"


class PayloadTooLarge(MdkgError):
    """The query text or request body exceeds a configured limit (413)."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(MdkgError):
    """The request body has a media type mdkg does not read (415)."""

    status = 415
    code = "unsupported_media_type"


class ValidationFailed(MdkgError):
    """Data violates the SHACL shapes (422); ``detail`` carries the validation report."""

    status = 422
    code = "shacl_violation"


class RateLimited(MdkgError):
    """Too many requests from one client (429)."""

    status = 429
    code = "rate_limited"


class StoreUnavailable(MdkgError):
    """The store cannot be reached or is busy (503)."""

    status = 503
    code = "store_unavailable"


class QueryTimeout(MdkgError):
    """A query ran past its deadline and was stopped (504)."""

    status = 504
    code = "query_timeout"
