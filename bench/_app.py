"""An app factory for ``uvicorn --factory`` (several workers need an import string, not an app object).

Settings come from the ``MDKG_*`` environment, as ``mdkg serve`` reads them, and two more that
``mdkg serve`` has no option for: ``MDKG_BENCH_LOAD_ON_START=0`` serves a store that is already
built (several workers over one remote store must not each reload it).
"""

from __future__ import annotations

import os

from fastapi import FastAPI
from mdkg.settings import Settings
from mdkg.web.app import create_app


def create() -> FastAPI:
    load_on_start = os.environ.get("MDKG_BENCH_LOAD_ON_START", "1") != "0"
    return create_app(Settings.from_env(load_on_start=load_on_start))
