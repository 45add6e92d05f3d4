"""pandas reads a named query's .csv URL straight from the running service."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pandas as pd
from fastapi import FastAPI
from mdkg import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.web.app import create_app


def test_pandas_read_csv_on_a_named_query_url(serve_app: Callable[[FastAPI], AbstractContextManager[str]]
                                               ) -> None:
    app = create_app(Settings(load_on_start=True), store=OxigraphStore())
    with serve_app(app) as base_url:
        frame = pd.read_csv(f"{base_url}/queries/eu-members-at-ministerial.csv")
        chairs = pd.read_csv(f"{base_url}/queries/forum-chairs.csv")
    labels = {str(v) for column in frame.columns for v in frame[column].tolist()}
    assert {"France", "Germany", "Italy"} <= labels
    assert not labels & {"Japan", "Mexico", "United Kingdom"}
    chair_cells = {str(v) for column in chairs.columns for v in chairs[column].tolist()}
    assert "South Korea" in chair_cells and "2026-06" in chair_cells
