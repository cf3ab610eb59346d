"""The FastAPI application: a thin HTTP layer over the store and the matcher."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from importlib.metadata import version
from typing import Any

from fastapi import FastAPI, Request

from meute.api.console import install_console
from meute.api.deps import StoreDep, app_store
from meute.api.examples import example_response
from meute.api.jobs import JobRunner
from meute.api.limits import LimitsMiddleware
from meute.api.logs import RequestLog, logger
from meute.api.openapi import document_problems
from meute.api.problems import NotReady, install_problem_handlers
from meute.api.routes import (
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
from meute.api.settings import Settings
from meute.graph.errors import StoreUnavailable
from meute.graph.store import GraphStore
from meute.scoring.suggest import cpv_suggester
from meute.scoring.text import text_model

__all__ = ["create_app"]


def _warm_up(state: Any) -> None:  # Any: Starlette's State
    """Open and load the store, fit the text model and the CPV suggester, then mark the app
    ready.
    """
    start = time.perf_counter()
    logger.info("loading the store and the text model", extra={"store": state.store_name})
    try:
        firms = app_store(state).count_firms()  # opens the store (the embedded one: its index)
        text_model()
        cpv_suggester()  # fitted on the real awards of the fixtures (a few seconds)
    except StoreUnavailable as error:
        logger.warning("store unavailable: %s", error.detail)
        return
    except Exception:
        logger.exception("warming up failed")
        return
    state.ready.set()
    logger.info("ready", extra={"firms": firms, "seconds": round(time.perf_counter() - start, 2)})


def _start_warm_up(state: Any) -> None:
    state.warm_up = threading.Thread(
        target=_warm_up, args=(state,), name="meute-warm-up", daemon=True
    )
    state.warm_up.start()


def create_app(store: GraphStore | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app; without ``store`` it opens (and at shutdown closes) the configured one.

    The app answers ``/health`` at once; the store and the text model load in the background
    and ``/health/ready`` says when they are.
    """
    settings = settings or Settings()
    settings.configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app.state
        state.settings = settings
        state.store = store
        state.store_name = settings.store_name() if store is None else type(store).__name__
        state.jobs = JobRunner(partial(app_store, state), settings.data_dir / "imports")
        state.ready = threading.Event()
        logger.info("starting", extra={"version": version("meute"), "store": state.store_name})
        _start_warm_up(state)  # a store down now is retried by each request (503 meanwhile)
        try:
            yield
        finally:
            state.jobs.shutdown()
            state.warm_up.join(timeout=5)
            if store is None and state.store is not None:
                state.store.close()

    app = FastAPI(
        title="Meute",
        version=version("meute"),
        summary="Complementary consortia of French firms for foreign tenders.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(LimitsMiddleware)
    app.add_middleware(RequestLog)  # outermost: every answer, refusals too, has a request id
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
        summary="Liveness: the server answers (the store may still be loading)",
        responses=example_response(
            {"status": "ok", "version": "0.1.0", "store": "embedded store at /data", "ready": True}
        ),
    )
    def health(request: Request) -> dict[str, object]:
        """``ok`` as soon as the server runs, with its version, its store and readiness."""
        state = request.app.state
        return {
            "status": "ok",
            "version": version("meute"),
            "store": state.store_name,
            "ready": state.ready.is_set(),
        }

    @app.get(
        "/health/ready",
        tags=["health"],
        summary="Readiness: the store and the text model are loaded",
        responses=example_response(
            {"status": "ready", "store": "embedded store at /data", "firms": 300}
        ),
    )
    def ready(request: Request, store: StoreDep) -> dict[str, object]:
        """``ready`` with the number of stored firms once loaded; 503 problem until then."""
        state = request.app.state
        if not state.ready.is_set():
            if not state.warm_up.is_alive():  # it failed (store down): try again
                _start_warm_up(state)
            raise NotReady("the store and the text model are still loading")
        return {"status": "ready", "store": state.store_name, "firms": store.count_firms()}

    app.openapi = lambda: document_problems(app)  # type: ignore[method-assign]
    return app
