"""What a named-query page draws beside its table, as the front matter's ``defaultView`` asks.

The chart is read off the result's columns, so a query needs no chart settings of its own:

* **bar**: one bar per row, named by the first labelled column (``?count`` with ``?countLabel``, else the
  first column that is not a number), one series per number column; with no number column, the number
  of rows of each name.
* **timeline**: the first column of dates (``xsd:date``, ``xsd:gYearMonth``, ``xsd:gYear``...), each row
  a point named by the first labelled column, on a lane per value of the second (a month-only date
  spans its month: it is never given a day the source does not give).
* **network**: the first two labelled columns are the two ends of a link, one link per row.
* **map**: no map is drawn (it would need map tiles or boundaries fetched from the web); the page says so.

``chart`` and ``graph`` are read as ``bar`` and ``network``. Charts use the rows the page shows.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import Request
from rdflib.namespace import XSD

from mdkg.graph_views import Vocab
from mdkg.queries import NamedQuery, Presentation, label_columns
from mdkg.queries._present import Cell
from mdkg.settings import CANONICAL_BASE_IRI
from mdkg.web._vendor import CHART_BUNDLES, NETWORK_BUNDLES, vendor_ready

__all__ = ["CHART_VIEWS", "chart_for", "editor_link", "pandas_line"]

CHART_VIEWS = {"bar": "bar", "chart": "bar", "timeline": "timeline", "network": "network",
               "graph": "network", "map": "map"}
"""defaultView values that ask for something besides the table, and the chart drawn for each."""

Linker = Callable[[Cell], "str | None"]
"""Where a chart links a cell: the page of its IRI on this server, else the IRI."""

_DATE_TYPES = {str(XSD.date): "day", str(XSD.dateTime): "day", str(XSD.gYearMonth): "month",
               str(XSD.gYear): "year"}


def _labelled_columns(variables: Sequence[str], shown: Sequence[str]) -> list[int]:
    """Indexes (in the shown table) of the columns whose labels the query gives beside them."""
    pairs = label_columns(variables)
    return [i for i, name in enumerate(shown) if name in pairs]


def _column(table: Presentation, index: int) -> list[Cell]:
    return [row[index] for row in table.rows]


def _is_numeric(cells: list[Cell]) -> bool:
    return any(c.text for c in cells) and all(c.numeric or not c.text for c in cells)


def _is_dates(cells: list[Cell]) -> bool:
    return any(c.text for c in cells) and all(c.datatype in _DATE_TYPES or not c.text for c in cells)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _bar(table: Presentation, labelled: list[int]) -> dict[str, Any] | None:
    numeric = [i for i in range(len(table.columns)) if _is_numeric(_column(table, i))]
    others = [i for i in range(len(table.columns)) if i not in numeric]
    category = labelled[0] if labelled else (others[0] if others else None)
    if category is None:
        return None
    if numeric:
        seen: set[tuple[str, str | None]] = set()
        names: list[str] = []
        values: list[list[float | None]] = [[] for _ in numeric]
        for row in table.rows:
            key = (row[category].text, row[category].iri)
            if key in seen:
                continue  # one bar per thing: a repeated row is the same thing joined to more detail
            seen.add(key)
            names.append(row[category].text)
            for series, i in zip(values, numeric, strict=True):
                series.append(_number(row[i].text))
        series_list = [{"name": table.columns[i], "values": v} for i, v in zip(numeric, values, strict=True)]
    else:
        counts: dict[str, int] = {}
        for row in table.rows:
            counts[row[category].text] = counts.get(row[category].text, 0) + 1
        names = list(counts)
        series_list = [{"name": "rows", "values": list(counts.values())}]
    return {"type": "bar", "axis": table.columns[category], "categories": names, "series": series_list}


def _period(text: str, precision: str) -> tuple[str, str]:
    """First and last day a date may mean, at its precision (``2026-06`` is 2026-06-01 to 2026-06-30)."""
    if precision == "year":
        return f"{text[:4]}-01-01", f"{text[:4]}-12-31"
    if precision == "month":
        year, month = int(text[:4]), int(text[5:7])
        return f"{text[:7]}-01", f"{text[:7]}-{calendar.monthrange(year, month)[1]:02d}"
    return text[:10], text[:10]


def _timeline(table: Presentation, labelled: list[int], link: Linker) -> dict[str, Any] | None:
    date_column = next((i for i in range(len(table.columns)) if _is_dates(_column(table, i))), None)
    if date_column is None:
        return None
    named = [i for i in labelled if i != date_column]
    label = named[0] if named else None
    lane = named[1] if len(named) > 1 else None
    points = []
    for row in table.rows:
        cell = row[date_column]
        if not cell.text or cell.datatype not in _DATE_TYPES:
            continue
        precision = _DATE_TYPES[cell.datatype]
        start, end = _period(cell.text, precision)
        points.append({
            "date": cell.text, "precision": precision, "start": start, "end": end,
            "label": row[label].text if label is not None else cell.text,
            "href": link(row[label]) if label is not None else None,
            "lane": row[lane].text if lane is not None else table.columns[date_column],
        })
    lanes = list(dict.fromkeys(p["lane"] for p in points))
    return {"type": "timeline", "axis": table.columns[date_column],
            "laneAxis": table.columns[lane] if lane is not None else "", "lanes": lanes, "points": points}


def _network(table: Presentation, labelled: list[int], link: Linker) -> dict[str, Any] | None:
    ends = labelled[:2]
    if len(ends) < 2:
        ends = [i for i in range(len(table.columns)) if any(c.iri for c in _column(table, i))][:2]
    if len(ends) < 2:
        return None
    first, second = ends
    nodes: dict[str, dict[str, Any]] = {}
    links: dict[tuple[str, str], dict[str, str]] = {}
    for row in table.rows:
        a, b = row[first], row[second]
        if not a.text or not b.text:
            continue
        for cell, column in ((a, first), (b, second)):
            key = cell.iri or cell.text
            nodes.setdefault(key, {"id": key, "label": cell.text, "group": table.columns[column],
                                   "href": link(cell)})
        links[(a.iri or a.text, b.iri or b.text)] = {"source": a.iri or a.text, "target": b.iri or b.text}
    return {"type": "network", "groups": [table.columns[first], table.columns[second]],
            "nodes": list(nodes.values()), "edges": list(links.values())}


def chart_for(named_query: NamedQuery, variables: Sequence[str], table: Presentation | None,
              base_iri: str = CANONICAL_BASE_IRI) -> dict[str, Any] | None:
    """The chart the page draws (``None``: the table alone); ``{"type": "map", ...}`` says none is drawn.

    Points and nodes link to the pages of their IRIs on this server when the IRIs are the dataset's."""
    view = CHART_VIEWS.get(named_query.default_view)
    if view is None or table is None or table.boolean is not None or not table.rows:
        return None
    if view == "map":
        message = ("This query asks for a map, which mdkg does not draw: it would need map tiles or "
                   "boundaries from the web. The table holds the data.")
        return {"type": "map", "message": message}
    labelled = _labelled_columns(variables, table.columns)
    vocab = Vocab(base_iri)

    def link(cell: Cell) -> str | None:
        return (vocab.local_path(cell.iri) or cell.href) if cell.iri else None

    chart: dict[str, Any] | None
    if view == "bar":
        chart = _bar(table, labelled)
    elif view == "timeline":
        chart = _timeline(table, labelled, link)
    else:
        chart = _network(table, labelled, link)
    if chart is not None:
        chart["truncated"] = table.truncated
        chart["ready"] = vendor_ready(NETWORK_BUNDLES if view == "network" else CHART_BUNDLES)
    return chart


def pandas_line(request: Request, named_query: NamedQuery) -> str:
    """``pandas.read_csv`` of this query's CSV at this server, with the page's parameters."""
    query_string = request.url.query
    url = f"{str(request.base_url).rstrip('/')}/queries/{quote(named_query.name)}.csv"
    if query_string:
        url += f"?{query_string}"
    url = url.replace("\\", "%5C").replace('"', "%22")  # stays one Python string literal, whatever was sent
    return f'import pandas\ndf = pandas.read_csv("{url}")'


def editor_link(sparql: str) -> str:
    """A link that opens the query editor with ``sparql`` in a tab (the fragment of YASGUI's share links)."""
    return "/sparql#query=" + quote(sparql, safe="")
