"""A hot endpoint called straight from the middleware stack, past FastAPI's routing and dependency layers.

``/sparql`` is the endpoint every client hammers, and its handler takes only the ``Request``: no
path parameters, no dependencies, no validation. Routing it through FastAPI costs about as much as
the handler itself (matching every included router, solving an empty set of dependencies, the
exception and exit-stack layers), so :func:`install` puts a small ASGI layer innermost among the
app's own middleware that calls the handler itself.

What the router would have given is given here too: ``scope["route"]`` (so metrics and the access
log name the route template), ``scope["endpoint"]``, ``scope["path_params"]`` and ``scope["router"]``
(``url_for`` in templates), and errors go to the same exception handlers the app registered. The
route stays declared on its router: OpenAPI documents it, and every other method still reaches it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]

__all__ = ["install"]


class _DirectEndpoint:
    def __init__(self, app: ASGIApp, *, owner: FastAPI, route: APIRoute, endpoint: Endpoint,
                 methods: frozenset[str]) -> None:
        self.app = app
        self.owner = owner
        self.route = route
        self.endpoint = endpoint
        self.methods = methods

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["path"] != self.route.path or scope.get("root_path")
                or scope["method"] not in self.methods):
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        scope["endpoint"] = self.route.endpoint
        scope["path_params"] = {}
        scope.setdefault("router", self.owner.router)
        request = Request(scope, receive, send)
        try:
            response = await self.endpoint(request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise  # the server-error layer answers it, as it would from the router
            response = await handler(request, error)
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Callable[[Request, Exception], Awaitable[Response]] | None:
        # As Starlette's ExceptionMiddleware: the nearest class with a handler; ``Exception`` itself and
        # 500 belong to the outer server-error layer.
        for kind in type(error).__mro__:
            if kind is Exception:
                return None
            handler = self.owner.exception_handlers.get(kind)
            if handler is not None:
                return handler  # type: ignore[return-value]
        return None


def install(app: FastAPI, route: APIRoute, endpoint: Endpoint, methods: Iterable[str]) -> None:
    """Serve ``methods`` of ``route`` by calling ``endpoint(request)`` directly. Call it before adding
    any other middleware, so that this layer is the innermost one and every other still applies."""
    methods = frozenset(methods)
    if not methods <= (route.methods or set()):
        raise ValueError(f"{route.path} does not answer {sorted(methods - (route.methods or set()))}")
    if route.dependant.dependencies or route.dependant.path_params or "{" in route.path:
        raise ValueError(f"{route.path} needs FastAPI's routing (parameters or dependencies)")
    app.add_middleware(_DirectEndpoint, owner=app, route=route, endpoint=endpoint, methods=methods)
