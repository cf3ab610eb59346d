"""The FastAPI application: a thin HTTP layer over the store and the matcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from threading import Thread

from fastapi import FastAPI

from api.console import install_console
from api.deps import StoreDep
from api.examples import example_response
from api.jobs import JobRunner
from api.problems import install_problem_handlers
from api.routes import (
    cpv,
    exports,
    firms,
    imports,
    partners,
    pavilions,
    programme,
    proposals,
    tenders,
)
from api.settings import Settings
from graph.errors import StoreUnavailable
from graph.store import GraphStore
from scoring.suggest import cpv_suggester

__all__ = ["create_app"]


def create_app(store: GraphStore | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app; without ``store`` it opens (and at shutdown closes) the configured one."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.store = store
        app.state.jobs = JobRunner()
        # Fit the CPV suggester (a few seconds) before the first suggestion is asked for.
        Thread(target=cpv_suggester, name="cpv-suggester", daemon=True).start()
        if store is None:
            # A store that is down at startup is retried by each request (503 meanwhile).
            with suppress(StoreUnavailable):
                app.state.store = settings.open_store()
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            if store is None and app.state.store is not None:
                app.state.store.close()

    app = FastAPI(
        title="Meute",
        version="0.1.0",
        summary="Complementary consortia of French firms for foreign tenders.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.include_router(firms.router)
    app.include_router(partners.router)
    app.include_router(tenders.router)
    app.include_router(cpv.router)
    app.include_router(proposals.router)
    app.include_router(programme.router)
    app.include_router(imports.router)
    app.include_router(pavilions.router)
    app.include_router(exports.router)
    install_console(app)

    @app.get(
        "/health",
        tags=["health"],
        summary="Liveness and store size",
        responses=example_response({"status": "ok", "backend": "embedded", "firms": 300}),
    )
    def health(store: StoreDep) -> dict[str, object]:
        """``ok`` with the number of stored firms."""
        return {"status": "ok", "backend": settings.graph, "firms": store.count_firms()}

    return app
