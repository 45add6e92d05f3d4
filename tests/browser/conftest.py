"""Fixtures of the browser tests: the app on uvicorn (loopback, free port) and Debian's Chromium driven
by Playwright, with every request and console message of a page recorded.

* ``live_url``  base URL of the app serving the project's own dataset (one server for the module)
* ``browser``   headless Chromium (``/usr/bin/chromium``; never a browser Playwright downloads)
* ``page``      a fresh page whose :class:`PageLog` is ``page.log``
* ``screenshot`` ``screenshot(page, name)`` saves a PNG into ``MDKG_SCREENSHOTS`` (or a temporary folder)

Without Chromium, or without the browser bundles ``make install`` builds, the tests are skipped with
the reason, except under CI (``CI`` set), where ``.ci/run`` installs Chromium and a missing piece fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from mdkg.settings import Settings
from mdkg.store.oxigraph import OxigraphStore
from mdkg.testing import serve_in_thread
from mdkg.web._vendor import CHART_BUNDLES, EDITOR_BUNDLES, NETWORK_BUNDLES, VENDOR_DIR, vendor_ready
from mdkg.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
_START_TIMEOUT_S = 20.0
LOOPBACK = "127.0.0.1"


def _missing() -> str | None:
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not vendor_ready((*EDITOR_BUNDLES, *CHART_BUNDLES, *NETWORK_BUNDLES)):
        return f"the browser bundles are not in {VENDOR_DIR} (make install runs npm ci and the copy)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it is open,
    and later tests that call ``asyncio.run()`` (nbclient, the execution tests) would fail beside it."""
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    """uvicorn on a free loopback port, in a thread, serving the project's dataset; stopped afterwards."""
    app = create_app(Settings(load_on_start=True), store=OxigraphStore())
    with serve_in_thread(app, start_timeout_s=_START_TIMEOUT_S) as url:
        yield url


@dataclass
class PageLog:
    """What a page asked for and complained about."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def outside_loopback(self) -> list[str]:
        # data: and blob: URLs are made in the page itself and travel nowhere.
        return [url for url in self.requests
                if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname != LOOPBACK]

    def assert_clean(self) -> None:
        assert self.requests, "the page made no request at all: nothing was recorded"
        assert self.outside_loopback() == [], f"requests left {LOOPBACK}: {self.outside_loopback()}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.failed == [], f"failed requests: {self.failed}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    log = PageLog()
    context.on("request", lambda request: log.requests.append(request.url))
    new_page = context.new_page()
    new_page.on("console", lambda message: log.console_errors.append(message.text)
                if message.type == "error" else None)
    new_page.on("pageerror", lambda error: log.console_errors.append(f"uncaught: {error}"))
    new_page.on("requestfailed", lambda request: log.failed.append(f"{request.url}: {request.failure}"))
    new_page.log = log
    new_page.set_default_timeout(15_000)
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("MDKG_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(shots_dir: Path) -> Callable[[Any, str], Path]:
    """``screenshot(page, name)``: the whole page as ``<name>.png``, for a person to look at."""

    def take(page: Any, name: str) -> Path:
        path = shots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0
        return path

    return take
