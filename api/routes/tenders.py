"""Tenders: list, read, create or replace, and their ranked consortia."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from api.deps import SettingsDep, StoreDep
from api.examples import TENDER_EXAMPLE
from api.service import match_tender, stored_tender
from graph.model import MatchResult, Tender
from matcher.propose import Mode

router = APIRouter(tags=["tenders"])

TopQuery = Annotated[int, Query(ge=1, le=100, description="How many consortia.")]
ModeQuery = Annotated[
    Mode, Query(description="fast (beam and local search) or exact (MILP, slower).")
]
TenderBody = Annotated[Tender, Body(openapi_examples={"Bouaké": {"value": TENDER_EXAMPLE}})]


@router.get("/tenders", response_model=list[Tender], summary="List tenders")
def list_tenders(
    store: StoreDep,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[Tender]:
    """A page of stored tenders, sorted by id."""
    return store.list_tenders(offset, limit)


@router.get("/tenders/{tender_id}", response_model=Tender, summary="One tender")
def get_tender(tender_id: str, store: StoreDep) -> Tender:
    """The tender with this id (404 if unknown)."""
    return stored_tender(store, tender_id)


@router.post("/tenders", status_code=201, summary="Create or replace a tender")
def post_tender(tender: TenderBody, store: StoreDep) -> dict[str, int]:
    """Store a tender and its lots by id."""
    report = store.upsert_tenders([tender])
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}


@router.get(
    "/tenders/{tender_id}/consortia", response_model=MatchResult, summary="Consortia for a tender"
)
def tender_consortia(
    tender_id: str,
    store: StoreDep,
    settings: SettingsDep,
    top: TopQuery = 10,
    mode: ModeQuery = Mode.FAST,
) -> MatchResult:
    """Ranked consortia for a stored tender."""
    return match_tender(store, stored_tender(store, tender_id), settings.match_options(top, mode))


@router.post("/match", response_model=MatchResult, summary="Consortia for a tender in the body")
def match(
    tender: TenderBody,
    store: StoreDep,
    settings: SettingsDep,
    top: TopQuery = 10,
    mode: ModeQuery = Mode.FAST,
) -> MatchResult:
    """Ranked consortia for a tender given in the body; nothing is stored."""
    return match_tender(store, tender, settings.match_options(top, mode))
