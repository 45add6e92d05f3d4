"""Limits every request meets before any route runs: a per-client rate and the size of the body.

:func:`install` (called by ``create_app``) wraps the app in one pure ASGI middleware:

* **Rate** (``settings.rate_limit_per_s``, ``settings.rate_limit_burst``): a token bucket per client
  address. A client may send ``burst`` requests at once and ``rate`` per second on average; beyond
  that it gets 429 ``rate_limited`` with ``Retry-After`` (whole seconds until a request would be
  admitted). ``/healthz`` and ``/metrics`` are exempt, so that monitoring never competes with users.
  The buckets live in the middleware of one app (two apps in one process never share them) and at
  most ``settings.rate_limit_clients`` are kept: the least recently seen client is forgotten first.
* **Body size** (``settings.max_body_bytes``): a ``Content-Length`` over the limit is refused with 413
  before a byte of the body is read; a body without one (chunked) is counted as it streams in and
  the request is stopped at the first chunk over the limit, so no parser ever holds more than the
  limit. Whatever the route was doing, the answer is then the 413 envelope.

The client address is the one the ASGI server reports: behind a reverse proxy, run uvicorn with
``--proxy-headers`` and ``--forwarded-allow-ips`` so that each user gets a bucket of their own rather
than all sharing the proxy's. A request that comes with no network address (a Unix socket without
forwarded headers, an in-process test client) is not rate-limited: all such requests would share one
bucket, and one busy user would lock out the rest.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mdkg.errors import PayloadTooLarge, RateLimited
from mdkg.settings import Settings
from mdkg.web.errors import envelope_response
from mdkg.web.state import AppState

__all__ = ["RATE_LIMIT_EXEMPT_PATHS", "TokenBuckets", "install", "token_buckets"]

RATE_LIMIT_EXEMPT_PATHS = frozenset({"/healthz", "/metrics"})
_BUCKETS_KEY = "limits.token_buckets"


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per client key, at most ``max_clients`` of them (least recently seen dropped).

    Dropping a bucket forgets a client's debt, so the bound matters only when more than
    ``max_clients`` clients were active within ``burst / rate`` seconds: any bucket idle that long
    is full again, and forgetting it changes nothing.
    """

    def __init__(self, rate_per_s: float, burst: int, *, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1 or max_clients < 1:
            raise ValueError("a token bucket needs rate_per_s > 0, burst >= 1 and max_clients >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """Spend a token of ``client``: 0.0 if the request is admitted, else seconds until it would be."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(tokens=float(self.burst), updated=now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
            # max(): a clock that steps back (it should not, but) must not drain the bucket.
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate_per_s)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate_per_s

    def __len__(self) -> int:
        return len(self._buckets)


def _client_key(scope: Scope) -> str | None:
    """The bucket of the client's network address: an IPv4 address, or an IPv6 /64 (one host usually
    holds a whole /64, and would otherwise get a fresh bucket per address). ``None`` without an address."""
    client = scope.get("client")
    if not client:
        return None
    try:
        address = ipaddress.ip_address(str(client[0]))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


class _BodyTooLarge(PayloadTooLarge):
    """Raised from ``receive`` to stop a route that is still reading an oversized body."""


class _LimitsMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, buckets: TokenBuckets | None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.buckets = buckets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.buckets is not None and scope.get("path") not in RATE_LIMIT_EXEMPT_PATHS:
            client = _client_key(scope)
            wait_s = self.buckets.take(client) if client is not None else 0.0
            if wait_s > 0:
                assert client is not None
                await self._refuse(scope, receive, send, self._rate_limited(client, wait_s))
                return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(scope, receive, send, self._too_large(declared))
            return
        await self._run_counting_body(scope, receive, send)

    async def _run_counting_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        overflow: _BodyTooLarge | None = None
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    overflow = self._too_large(None)
                    raise overflow
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if overflow is not None:
                # The route met the overflow and answered somehow (a body parser may call it a 400);
                # the client gets the 413 below instead.
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            # Whatever the overflow turned into on its way out of the route, it is the 413 below.
            if overflow is None:
                raise
        if overflow is not None and not response_started:
            await self._refuse(scope, receive, send, overflow)

    def _too_large(self, declared: int | None) -> _BodyTooLarge:
        limit = f"the limit of {self.max_body_bytes} bytes"
        message = (f"the request body exceeds {limit}" if declared is None
                   else f"the request body is {declared} bytes, over {limit}")
        return _BodyTooLarge(message, detail={"limit_bytes": self.max_body_bytes})

    def _rate_limited(self, client: str, wait_s: float) -> RateLimited:
        assert self.buckets is not None
        retry_after = max(1, math.ceil(wait_s))
        error = RateLimited(
            f"too many requests from {client}: the limit is {self.buckets.rate_per_s:g} per second "
            f"(bursts of {self.buckets.burst}); retry after {retry_after} s",
            detail={"retry_after_s": retry_after, "rate_per_s": self.buckets.rate_per_s,
                    "burst": self.buckets.burst})
        error.headers = {"Retry-After": str(retry_after)}  # type: ignore[attr-defined]
        return error

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send,
                      error: PayloadTooLarge | RateLimited) -> None:
        response = envelope_response(error.status, error.code, error.message, error.detail,
                                     headers=getattr(error, "headers", None))
        await response(scope, receive, send)


def token_buckets(state: AppState) -> TokenBuckets | None:
    """The rate limiter of one app (``None`` when ``settings.rate_limit_per_s`` is 0)."""
    return state.extras.get(_BUCKETS_KEY)


def _buckets_for(settings: Settings) -> TokenBuckets | None:
    if settings.rate_limit_per_s <= 0:
        return None
    return TokenBuckets(settings.rate_limit_per_s, settings.rate_limit_burst,
                        max_clients=settings.rate_limit_clients)


def install(app: FastAPI) -> None:
    """Add the rate and body-size limits to ``app`` (call once, in ``create_app``, before the metrics
    middleware so that its counts include the requests refused here)."""
    state: AppState = app.state.mdkg
    buckets = _buckets_for(state.settings)
    state.extras[_BUCKETS_KEY] = buckets
    app.add_middleware(_LimitsMiddleware, max_body_bytes=state.settings.max_body_bytes, buckets=buckets)
