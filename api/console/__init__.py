"""The web console: French, server-rendered pages over the same use cases as the HTTP API.

Served under ``/console`` by the API's app. The API key entered on the login page opens a
server-side session whose id (never the key) is kept in the ``meute_session`` cookie (HTTP-only,
same-site strict), which the JSON endpoints also accept, so the pages' scripts call them
directly (CPV suggestions as you type).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from meute.api.console import (
    codes,
    directory,
    firms,
    imports,
    pavilion,
    session,
    tenders,
    tracking,
)
from meute.api.console.base import PREFIX, install_handlers

__all__ = ["ROUTERS", "install_console"]

# Every router of the console's pages (the accessibility check visits each of their pages).
ROUTERS = tuple(
    module.router
    for module in (session, tenders, imports, directory, firms, tracking, pavilion, codes)
)


def install_console(app: FastAPI) -> None:
    """Serve the console's pages and static files, its login redirect and its error pages."""
    for router in ROUTERS:
        app.include_router(router)
    static = Path(__file__).resolve().parents[1] / "static"
    app.mount(f"{PREFIX}/static", StaticFiles(directory=static), name="console-static")
    install_handlers(app)
