"""Typed FastAPI dependencies: the store and the settings held by the running app, and the
language of the matcher's texts asked for by ``?lang=``.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from meute.api.settings import Settings
from meute.graph.store import GraphStore
from meute.matcher.phrases import Lang

__all__ = ["LangQuery", "SettingsDep", "StoreDep", "app_store", "get_store"]


_opening = threading.Lock()


def app_store(state: Any) -> GraphStore:  # Any: Starlette's State holds anything
    """The store of an app's ``state``, opened now if it is not open yet (once, by one thread).

    An unreachable store raises :class:`graph.errors.StoreUnavailable`, answered with 503.
    """
    with _opening:
        if state.store is None:
            state.store = state.settings.open_store()
        store: GraphStore = state.store
        return store


def get_store(request: Request) -> GraphStore:
    """The app's store, opened now if it could not be opened at startup."""
    return app_store(request.app.state)


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[GraphStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
LangQuery = Annotated[
    Lang,
    Query(
        description="Language of the reasons (why), violations and infeasibility messages "
        "(errors[].message): en or fr."
    ),
]
