"""Firms: list, read, create or replace."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from api.deps import StoreDep
from api.examples import FIRM_EXAMPLE
from graph.errors import NotFound, Problem
from graph.model import Firm

router = APIRouter(prefix="/firms", tags=["firms"])


@router.get("", summary="List firms by SIREN")
def list_firms(
    store: StoreDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Firm]:
    """A page of stored firms, sorted by SIREN."""
    return store.list_firms(offset, limit)


@router.get("/{siren}", summary="One firm")
def get_firm(siren: str, store: StoreDep) -> Firm:
    """The firm with this SIREN (404 if unknown)."""
    firm = store.get_firm(siren)
    if firm is None:
        raise NotFound(f"no firm {siren}", [Problem("siren", siren, "unknown SIREN")])
    return firm


@router.post("", status_code=201, summary="Create or replace firms")
def post_firms(
    store: StoreDep,
    firms: Annotated[list[Firm], Body(openapi_examples={"one firm": {"value": [FIRM_EXAMPLE]}})],
) -> dict[str, int]:
    """Upsert firms by SIREN; the whole batch is validated before anything is written."""
    report = store.upsert_firms(firms)
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
