"""Who may write, and which web pages may call the service from a browser.

**Writes** (:func:`require_write_access`): without ``settings.write_token`` (``MDKG_WRITE_TOKEN``)
the service is read-only and every write gets 403. With one, a write needs
``Authorization: Bearer <token>``: none gives 401 with ``WWW-Authenticate: Bearer``, another token
403. Tokens are compared in constant time.

**CORS** (:func:`install_cors`, ``settings.cors_origins``, default none): without origins no CORS
header is ever sent, so browsers keep other sites' pages from reading responses. ``*`` lets any page
read, and then credentials are never allowed (the answer is the literal ``*``, never the caller's
origin). Listed origins are answered with their own origin and ``Vary: Origin``, with
``Access-Control-Allow-Credentials`` only if ``settings.cors_allow_credentials``. An origin that is
not listed gets no CORS header at all.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mdkg.errors import Forbidden, Unauthorized
from mdkg.settings import Settings
from mdkg.web.state import app_state

__all__ = ["install_cors", "require_write_access", "writes_enabled"]

_CHALLENGE = 'Bearer realm="mdkg"'
_CORS_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
_CORS_HEADERS = "Accept, Authorization, Content-Type"
_CORS_EXPOSED = ("Content-Length, Location, Retry-After, MDKG-Truncated, MDKG-Row-Limit, "
                 "MDKG-Quads-Added, MDKG-Quads-Removed, MDKG-Validation-Warnings")
_PREFLIGHT_MAX_AGE_S = "600"


def writes_enabled(settings: Settings) -> bool:
    return bool(settings.write_token)


def require_write_access(request: Request) -> None:
    """Raise unless the request may write (see the module docstring)."""
    token = app_state(request).settings.write_token
    if not token:
        raise Forbidden("this endpoint is read-only", detail={"writes": "disabled"})
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    if not header.strip():
        _raise_with_challenge(Unauthorized("writing needs a token: send Authorization: Bearer <token>"),
                              _CHALLENGE)
    if scheme.lower() != "bearer" or not credentials.strip():
        _raise_with_challenge(Unauthorized("writing needs a bearer token: Authorization: Bearer <token>"),
                              f'{_CHALLENGE}, error="invalid_request"')
    if not hmac.compare_digest(credentials.strip().encode("utf-8"), token.encode("utf-8")):
        raise Forbidden("the write token is not valid")


def _raise_with_challenge(error: Unauthorized, challenge: str) -> None:
    error.headers = {"WWW-Authenticate": challenge}  # type: ignore[attr-defined]
    raise error


# --------------------------------------------------------------------------- CORS


def install_cors(app: FastAPI) -> None:
    """Answer CORS requests as ``settings.cors_origins`` allow (nothing at all by default)."""
    settings: Settings = app.state.mdkg.settings
    if settings.cors_origins:
        app.add_middleware(_Cors, origins=tuple(settings.cors_origins),
                           allow_credentials=settings.cors_allow_credentials)


class _Cors:
    def __init__(self, app: ASGIApp, *, origins: tuple[str, ...], allow_credentials: bool) -> None:
        self.app = app
        self.any_origin = "*" in origins
        self.origins = frozenset(o.rstrip("/") for o in origins if o != "*")
        # Credentials with any origin would let every site act as the user: never.
        self.allow_credentials = allow_credentials and not self.any_origin

    def _allowed(self, origin: str) -> dict[str, str] | None:
        """The CORS headers for ``origin``, or ``None`` if it may not read."""
        if origin in self.origins:
            headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
            if self.allow_credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
            return headers
        if self.any_origin:
            return {"Access-Control-Allow-Origin": "*"}
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        origin = request_headers.get("origin")
        allowed = self._allowed(origin) if origin else None
        if allowed is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
            preflight = Response(status_code=204, headers={
                **allowed,
                "Access-Control-Allow-Methods": _CORS_METHODS,
                "Access-Control-Allow-Headers": _CORS_HEADERS,
                "Access-Control-Max-Age": _PREFLIGHT_MAX_AGE_S,
            })
            await preflight(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in allowed.items():
                    if name == "Vary":
                        headers.add_vary_header("Origin")
                    else:
                        headers[name] = value
                headers["Access-Control-Expose-Headers"] = _CORS_EXPOSED
            await send(message)

        await self.app(scope, receive, send_with_cors)
