"""A live Meute server in a background thread and headless Chromium driven by Playwright.

The browser is Debian's ``chromium`` (``tools/test.sh`` installs it in CI). Without it the
browser tests are skipped on a developer's machine and fail in CI (``CI`` set).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from meute.api.app import create_app
from meute.api.auth import Role, create_key
from meute.api.service import import_document, showcase_document
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore
from meute.graph.store import GraphStore
from meute.scoring.suggest import cpv_suggester
from tests.neo4j_server import open_test_store

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium; fails in CI and skips elsewhere when it is not installed."""
    path = os.environ.get("MEUTE_CHROMIUM") or shutil.which("chromium")
    if path is None:
        message = "chromium is not installed: run the tests through tools/test.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class LiveServer:
    """The Meute app served by uvicorn on a free local port, with an officer's key."""

    store: GraphStore
    url: str
    officer_key: str


@contextmanager
def serve(store: GraphStore, settings: Settings) -> Iterator[str]:
    """Serve the app on ``store`` in a background thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(store, settings), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _open_store(backend: str, tmp_path: Path) -> GraphStore:
    if backend == "neo4j":
        return open_test_store()
    return EmbeddedStore(tmp_path / "meute-data")


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The showcase served on each store in turn."""
    backend: str = request.param
    data_dir = tmp_path_factory.mktemp(f"console-{backend}")
    with _open_store(backend, data_dir) as store:
        import_document(store, showcase_document())
        _, key = create_key(store, Role.OFFICER, "Claire Officier")
        cpv_suggester()  # ready as a warmed-up server is: its first suggestion is not a fit
        with serve(store, Settings(data_dir=data_dir)) as url:
            yield LiveServer(store, url, key)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies), 1280 pixels wide, failing on any dialog."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert not dialogs, f"a dialog opened: {dialogs}"


def log_in(page: Page, server: LiveServer, key: str | None = None) -> None:
    """Log in through the console's login page (the one already open, if it is)."""
    if "/console/connexion" not in page.url:
        page.goto(f"{server.url}/console/connexion")
    page.get_by_label("Clé d'accès").fill(key or server.officer_key)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{server.url}/console/**")
