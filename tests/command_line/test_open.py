"""``mdkg open``: the address of every page, each of which the service answers."""

from __future__ import annotations

import re
import webbrowser
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from mdkg.cli import main
from mdkg.errors import BadRequest
from mdkg.pages import PAGES, Page, site_url
from mdkg.testing import project_test_client


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", "http://127.0.0.1:8000"), ("0.0.0.0", "http://127.0.0.1:8000"),
    ("::", "http://[::1]:8000"), ("::1", "http://[::1]:8000"), ("[::1]", "http://[::1]:8000"),
    ("localhost", "http://localhost:8000"), ("example.org", "http://example.org:8000"),
])
def test_site_url(host: str, expected: str) -> None:
    assert site_url(host, 8000) == expected


@pytest.mark.parametrize("port", [0, 70000, -1])
def test_a_port_out_of_range_is_refused(port: int) -> None:
    with pytest.raises(BadRequest):
        site_url("127.0.0.1", port)


def _printed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    assert main(["open", *args]) == 0
    out = capsys.readouterr().out
    return dict(re.findall(r"^(\w+)\s+(http://\S+)", out, flags=re.MULTILINE))


def test_every_page_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    printed = _printed(capsys, "--host", "0.0.0.0", "--port", "8123")
    assert printed == {page.name: "http://127.0.0.1:8123" + page.path for page in PAGES}
    for wanted in ("/", "/sparql", "/queries", "/entities", "/network", "/ontology", "/export", "/docs"):
        assert "http://127.0.0.1:8123" + wanted in printed.values()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with project_test_client() as test_client:
        yield test_client


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_every_printed_page_is_served(client: TestClient, page: Page) -> None:
    response = client.get(page.path, headers=BROWSER)
    assert response.status_code == 200
    if page.name != "export":  # a download, in the dataset's own format
        assert response.headers["content-type"].startswith("text/html")


def test_browser_opens_the_page(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    _printed(capsys, "--port", "8124", "--browser", "ontology")
    _printed(capsys, "--port", "8124", "--browser")
    assert opened == ["http://127.0.0.1:8124/ontology", "http://127.0.0.1:8124/"]
    with pytest.raises(SystemExit):
        main(["open", "--browser", "nowhere"])
    assert opened == ["http://127.0.0.1:8124/ontology", "http://127.0.0.1:8124/"]
