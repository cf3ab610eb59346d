"""Tenders: list, read, create or replace, and their ranked consortia."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from meute.api.auth import OfficerDep
from meute.api.deps import LangQuery, SettingsDep, StoreDep
from meute.api.disconnect import until_disconnected
from meute.api.examples import (
    MATCH_RESULT_EXAMPLE,
    TENDER_EXAMPLE,
    WRITE_REPORT_EXAMPLE,
    example_response,
    page,
)
from meute.api.pages import LimitQuery, OffsetQuery, Page
from meute.api.routes.firms import ReaderDep
from meute.api.scores import ShownMatchResult
from meute.api.service import match_tender, stored_tender
from meute.graph.model import MatchResult, Tender
from meute.matcher.phrases import Lang
from meute.matcher.propose import Mode

router = APIRouter(tags=["tenders"])

TopQuery = Annotated[int, Query(ge=1, le=100, description="How many consortia.")]
ModeQuery = Annotated[
    Mode, Query(description="fast (beam and local search) or exact (MILP, slower).")
]
TenderBody = Annotated[Tender, Body(openapi_examples={"Bouaké": {"value": TENDER_EXAMPLE}})]


@router.get("/tenders", summary="List tenders", responses=example_response(page(TENDER_EXAMPLE)))
def list_tenders(
    store: StoreDep, _: ReaderDep, offset: OffsetQuery = 0, limit: LimitQuery = 100
) -> Page[Tender]:
    """A page of stored tenders, sorted by id, and how many there are."""
    total = store.count_tenders()
    return Page(items=store.list_tenders(offset, limit), total=total, offset=offset, limit=limit)


@router.get(
    "/tenders/{tender_id}",
    response_model=Tender,
    summary="One tender",
    responses=example_response(TENDER_EXAMPLE),
)
def get_tender(tender_id: str, store: StoreDep, _: ReaderDep) -> Tender:
    """The tender with this id (404 if unknown)."""
    return stored_tender(store, tender_id)


@router.post(
    "/tenders",
    status_code=201,
    summary="Create or replace a tender",
    responses=example_response(WRITE_REPORT_EXAMPLE, 201),
)
def post_tender(tender: TenderBody, store: StoreDep, _: OfficerDep) -> dict[str, int]:
    """Store a tender and its lots by id."""
    report = store.upsert_tenders([tender])
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}


@router.get(
    "/tenders/{tender_id}/consortia",
    response_model=ShownMatchResult,
    summary="Consortia for a tender",
    responses=example_response(MATCH_RESULT_EXAMPLE),
)
async def tender_consortia(
    request: Request,
    tender_id: str,
    store: StoreDep,
    settings: SettingsDep,
    _: OfficerDep,
    top: TopQuery = 10,
    mode: ModeQuery = Mode.FAST,
    lang: LangQuery = Lang.EN,
) -> ShownMatchResult:
    """Ranked consortia for a stored tender, explained in ``lang``, scores also out of 100.

    The search stops at the configured deadline (``timed_out``: the best found so far) or when
    the client disconnects.
    """
    options = settings.match_options(top, mode, lang)

    def work(cancelled: Callable[[], bool]) -> MatchResult:
        tender = stored_tender(store, tender_id)
        return match_tender(store, tender, replace(options, cancelled=cancelled))

    return ShownMatchResult.of(await until_disconnected(request, work), options.weights)


@router.post(
    "/match",
    response_model=ShownMatchResult,
    summary="Consortia for a tender in the body",
    responses=example_response(MATCH_RESULT_EXAMPLE),
)
async def match(
    request: Request,
    tender: TenderBody,
    store: StoreDep,
    settings: SettingsDep,
    _: OfficerDep,
    top: TopQuery = 10,
    mode: ModeQuery = Mode.FAST,
    lang: LangQuery = Lang.EN,
) -> ShownMatchResult:
    """Ranked consortia for a tender given in the body, explained in ``lang``; nothing is
    stored. Bounded as ``GET /tenders/{tender_id}/consortia``.
    """
    options = settings.match_options(top, mode, lang)

    def work(cancelled: Callable[[], bool]) -> MatchResult:
        return match_tender(store, tender, replace(options, cancelled=cancelled))

    return ShownMatchResult.of(await until_disconnected(request, work), options.weights)
