"""A process that makes one large validated write to an on-disk store, for the tests to kill.

Usage: ``python _large_write.py STORE_DIR TRIPLES``. It prints ``ready`` once its document is built,
then the write path's own log lines (``committing: ...`` right before the commit starts), then
``done`` after the store is closed.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.writes import Writer

LARGE_GRAPH = "http://example.org/large"


def document(triples: int) -> bytes:
    return "\n".join(f'<http://example.org/s{i}> <http://example.org/p{i % 7}> "value {i}" .'
                     for i in range(triples)).encode()


def main(store_dir: str, triples: int) -> None:
    handler = logging.StreamHandler(sys.stdout)  # flushed after every record
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("mdkg.writes")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    store = OxigraphStore(Path(store_dir))
    writer = Writer(store, Settings())
    data = document(triples)
    print("ready", flush=True)
    writer.merge_graph(LARGE_GRAPH, data, "application/n-triples")
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
