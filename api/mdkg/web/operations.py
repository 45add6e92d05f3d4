"""What an operator needs: ``/healthz``, ``/metrics`` and one JSON access-log line per request.

:func:`install` (called by ``create_app``) puts a small ASGI middleware around the app. It times
every request and records, in the app's own Prometheus registry (no process-wide state, so two
apps in one process never mix their numbers):

* ``mdkg_http_requests_total{route,method,status}`` -- ``route`` is the route *template*
  (``/export/{graph}``), never the raw path, so the label set stays small;
* ``mdkg_http_request_duration_seconds{route,method}`` -- a latency histogram;
* ``mdkg_query_errors_total{route,code}`` -- failed SPARQL and named-query requests by the
  ``code`` of their error envelope (``query_syntax``, ``query_timeout``, ``invalid_parameter``...);
* ``mdkg_http_requests_in_flight``.

Each request also logs one line of JSON on the ``mdkg.access`` logger (INFO): method, path, route,
status, duration_ms, client, bytes.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mdkg.web.state import AppState, app_state

__all__ = ["ACCESS_LOGGER", "QUERY_ROUTE_PREFIXES", "install", "router"]

router = APIRouter(tags=["operations"])

ACCESS_LOGGER = "mdkg.access"
QUERY_ROUTE_PREFIXES = ("/sparql", "/queries")
"""Routes whose error responses count as query errors."""
_METRICS_KEY = "mdkg.metrics"
_UNMATCHED = "<unmatched>"
_MAX_ERROR_BODY = 64 * 1024
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class _Metrics:
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    query_errors: Counter
    in_flight: Gauge

    @classmethod
    def create(cls) -> _Metrics:
        registry = CollectorRegistry()
        return cls(
            registry=registry,
            requests=Counter("mdkg_http_requests", "HTTP requests answered, by route template, method and "
                             "status.", ["route", "method", "status"], registry=registry),
            latency=Histogram("mdkg_http_request_duration_seconds", "Time to answer an HTTP request, by "
                              "route template and method.", ["route", "method"], buckets=_BUCKETS,
                              registry=registry),
            query_errors=Counter("mdkg_query_errors", "Failed SPARQL and named-query requests, by route "
                                 "template and error code.", ["route", "code"], registry=registry),
            in_flight=Gauge("mdkg_http_requests_in_flight", "HTTP requests being answered.",
                            registry=registry),
        )


def _metrics(state: AppState) -> _Metrics:
    found = state.extras.get(_METRICS_KEY)
    if not isinstance(found, _Metrics):
        found = state.extras.setdefault(_METRICS_KEY, _Metrics.create())
    return found


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) and path else _UNMATCHED


def _error_code(body: bytes, status: int) -> str:
    try:
        code = json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"http_{status}"
    return code if isinstance(code, str) else f"http_{status}"


class _OperationsMiddleware:
    """Times and counts each HTTP request and writes its access-log line (pure ASGI: streams untouched)."""

    def __init__(self, app: ASGIApp, metrics: _Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger(ACCESS_LOGGER)
        # The labelled series, looked up once each: prometheus_client takes a lock and builds a key on
        # every labels() call. Bounded like the label sets themselves (route templates, not paths).
        self._counted: dict[tuple[str, str, str], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500
        sent = 0
        error_body = bytearray()
        capture = False

        async def watch(message: Message) -> None:
            nonlocal status, sent, capture
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if status >= 400:
                    content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                    capture = b"json" in content_type and _route_template(scope).startswith(
                        QUERY_ROUTE_PREFIXES)
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                sent += len(chunk)
                if capture and len(error_body) < _MAX_ERROR_BODY:
                    error_body.extend(chunk[: _MAX_ERROR_BODY - len(error_body)])
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, watch)
        except Exception:
            status = 500
            raise
        finally:
            self.metrics.in_flight.dec()
            self._record(scope, status, perf_counter() - started, sent, bytes(error_body))

    def _record(self, scope: Scope, status: int, seconds: float, sent: int, error_body: bytes) -> None:
        route = _route_template(scope)
        method = str(scope.get("method", ""))
        counted = self._counted.get((route, method, str(status)))
        if counted is None:
            counted = self._counted[route, method, str(status)] = self.metrics.requests.labels(
                route, method, str(status))
        counted.inc()
        timed = self._timed.get((route, method))
        if timed is None:
            timed = self._timed[route, method] = self.metrics.latency.labels(route, method)
        timed.observe(seconds)
        if status >= 400 and route.startswith(QUERY_ROUTE_PREFIXES):
            code = _error_code(error_body, status) if error_body else (
                "internal_error" if status >= 500 else f"http_{status}")
            self.metrics.query_errors.labels(route, code).inc()
        if self.log.isEnabledFor(logging.INFO):
            client = scope.get("client")
            line: dict[str, Any] = {
                "method": method,
                "path": scope.get("path", ""),
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "client": client[0] if client else None,
                "bytes": sent,
            }
            self.log.info(json.dumps(line, ensure_ascii=False), extra={"access": line})


def install(app: FastAPI) -> None:
    """Add the metrics and access-log middleware to ``app`` (call once, in ``create_app``)."""
    state: AppState = app.state.mdkg
    app.add_middleware(_OperationsMiddleware, metrics=_metrics(state))
    access = logging.getLogger(ACCESS_LOGGER)
    if access.level == logging.NOTSET:
        access.setLevel(logging.INFO)
    if not access.handlers and not logging.getLogger().handlers:
        # Nobody configured logging (plain `mdkg serve`): print the lines rather than lose them.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.addHandler(handler)


@router.get("/healthz", summary="Is the service up and its store reachable?",
            responses={503: {"description": "The store cannot be reached"}})
def healthz(request: Request) -> JSONResponse:
    """``status`` ok with the quad count, or 503 ``unavailable`` when the store does not answer."""
    state = app_state(request)
    store = state.store
    body: dict[str, Any] = {"status": "ok", "store": store.name if store is not None else None,
                            "reachable": True}
    try:
        if store is None:
            raise RuntimeError("the store is not open")
        body["quads"] = store.quad_count()
    except Exception as error:  # any failure of the store means "unavailable", never a 500
        body.update(status="unavailable", reachable=False, quads=None,
                    error=getattr(error, "message", None) or str(error) or type(error).__name__)
        return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store"})
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/metrics", summary="Prometheus metrics of this service", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}})
def metrics(request: Request) -> Response:
    registry = _metrics(app_state(request)).registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
