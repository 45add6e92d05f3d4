"""The documentation written for dist/: self-contained pages whose links all land."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mdkg.ontology_docs import remote_assets, write_ontology_docs
from mdkg.settings import Settings

from ._html import PageIndex


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "ontology"
    paths = write_ontology_docs(Settings(), out)
    assert sorted(p.name for p in paths) == ["diagram.svg", "index.html", "shapes.html"]
    return out


def test_pages_stand_alone(written: Path) -> None:
    for name in ("index.html", "shapes.html"):
        text = (written / name).read_text(encoding="utf-8")
        assert remote_assets(text) == []
        page = PageIndex(text)
        assert page.sources == []  # styles inlined, no script, no image to fetch
        assert "/static/" not in text and "<style>" in text
    assert not list(written.glob(".*"))  # no staging file left behind


def test_links_land_in_the_files(written: Path) -> None:
    index = PageIndex((written / "index.html").read_text(encoding="utf-8"))
    shapes = PageIndex((written / "shapes.html").read_text(encoding="utf-8"))
    assert index.fragments() <= set(index.ids)
    assert index.fragments("shapes.html") and index.fragments("shapes.html") <= set(shapes.ids)
    assert shapes.fragments("index.html") and shapes.fragments("index.html") <= set(index.ids)
    assert "State" in index.ids and "FactShape" in shapes.ids


def test_diagram_file(written: Path) -> None:
    text = (written / "diagram.svg").read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    links = {a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")}
    assert "index.html#State" in links


def test_rebuild_is_identical(written: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_ontology_docs(Settings(), again)
    for name in ("index.html", "shapes.html", "diagram.svg"):
        assert (again / name).read_bytes() == (written / name).read_bytes(), name


def test_remote_assets_are_found_and_stripped() -> None:
    from mdkg.ontology_docs import strip_remote_assets

    page = ('<link rel="stylesheet" href="https://cdn.example/x.css">'
            '<script src="//cdn.example/x.js"></script>'
            '<style>@import url("https://fonts.example/f.css"); body { background: url(http://x/y.png) }'
            '</style><img src="https://x/y.png"><a href="https://example.org/">a link is no asset</a>')
    assert len(remote_assets(page)) == 5
    stripped = strip_remote_assets(page)
    assert remote_assets(stripped) == []
    assert '<a href="https://example.org/">a link is no asset</a>' in stripped
