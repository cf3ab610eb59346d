"""France pavilion shortlists for trade fairs, as JSON or as a file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from api.auth import Role, require
from api.deps import SettingsDep, StoreDep
from api.examples import (
    PAVILION_CSV_EXAMPLE,
    PAVILION_EXAMPLE,
    PAVILION_RESULT_EXAMPLE,
    example_response,
)
from api.exports import SheetFormat, file_openapi, file_response, pavilion_csv, pavilion_xlsx
from api.service import shortlist_pavilion
from graph.model import PavilionRequest, PavilionResult

router = APIRouter(
    prefix="/pavilions", tags=["pavilions"], dependencies=[Depends(require(Role.OFFICER))]
)

PavilionBody = Annotated[
    PavilionRequest, Body(openapi_examples={"Abidjan health fair": {"value": PAVILION_EXAMPLE}})
]


@router.post(
    "/shortlist",
    response_model=PavilionResult,
    summary="Shortlist a France pavilion",
    responses=example_response(PAVILION_RESULT_EXAMPLE),
)
def shortlist(request: PavilionBody, store: StoreDep, settings: SettingsDep) -> PavilionResult:
    """The firms for the pavilion's stands that best cover the fair's themes, export-ready and
    from many regions, each with the themes it covers, its score parts and why.

    422 naming the field for a bad request, an unknown required SIREN, or fewer matching firms
    than stands.
    """
    return shortlist_pavilion(store, request, settings.match_options())


@router.post(
    "/shortlist/export",
    response_class=Response,
    summary="Shortlist a France pavilion, as CSV or XLSX",
    responses=file_openapi(
        "The shortlist with French headers, one firm a row in stand order.",
        {"csv": PAVILION_CSV_EXAMPLE, "xlsx": ""},
    ),
)
def export_shortlist(
    request: PavilionBody,
    store: StoreDep,
    settings: SettingsDep,
    format: Annotated[SheetFormat, Query(description="csv (French Excel) or xlsx.")] = (
        SheetFormat.CSV
    ),
) -> Response:
    """The same shortlist as ``POST /pavilions/shortlist``, as a file to download."""
    result = shortlist_pavilion(store, request, settings.match_options())
    write = pavilion_csv if format is SheetFormat.CSV else pavilion_xlsx
    return file_response(write(result), f"pavillon {request.fair}", format.value)
