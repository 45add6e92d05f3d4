"""Helpers for code that tests mdkg, or tests against it (notebooks, client code).

``serve_in_thread`` runs the service under uvicorn on a free loopback port in a background
thread, for clients that need a real HTTP server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK = "127.0.0.1"


@contextmanager
def serve_in_thread(app: Any = None, *, app_for_url: Callable[[str], Any] | None = None,
                    start_timeout_s: float = 30.0) -> Iterator[str]:
    """Serve ``app`` (or ``app_for_url(base_url)``, for an app that must know its own URL) on
    ``127.0.0.1`` with its lifespan; yields the base URL and stops the server on exit."""
    import uvicorn

    if (app is None) == (app_for_url is None):
        raise TypeError("give either app or app_for_url")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((LOOPBACK, 0))
    port = listener.getsockname()[1]
    url = f"http://{LOOPBACK}:{port}"
    served = app if app is not None else app_for_url(url)  # type: ignore[misc]
    server = uvicorn.Server(uvicorn.Config(served, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True,
                              name=f"uvicorn-{port}")
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {LOOPBACK}:{port}")
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=start_timeout_s)
        listener.close()
        if thread.is_alive():
            raise RuntimeError(f"uvicorn on {LOOPBACK}:{port} did not stop")
