"""``uvicorn --workers N`` for the app of ``bench/_app.py``, with a listening socket that keeps TCP_NODELAY.

uvicorn's supervisor binds the socket itself with ``proto`` 0; accepted connections inherit it,
and asyncio turns TCP_NODELAY on only for sockets that say ``IPPROTO_TCP``. With Nagle's algorithm
left on, every keep-alive request after the first waits for the client's delayed ACK: about
40 ms each on Linux (uvicorn issue 3149), measured here as 44 ms per ``/healthz`` with two workers
against 1.6 ms with one. Binding the socket here, with the protocol named, avoids it.

    python -m bench._workers --workers 2 --port 8000
"""

from __future__ import annotations

import argparse
import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args(argv)
    config = uvicorn.Config("bench._app:create", factory=True, host=arguments.host, port=arguments.port,
                            workers=arguments.workers, log_level="warning", access_log=False)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((arguments.host, arguments.port))
    listener.set_inheritable(True)
    if arguments.workers > 1:
        Multiprocess(config, sockets=[listener]).run()
    else:
        uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    sys.exit(main())
