"""Programme tracking for the steering committee."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from meute.api.auth import Principal, Role, require
from meute.api.deps import SettingsDep, StoreDep
from meute.api.exports import file_openapi
from meute.api.programme_files import ProgrammeFormat, programme_file
from meute.api.proposals import ProgrammeReport, programme_report

router = APIRouter(tags=["programme"])
CommitteeDep = Annotated[Principal, Depends(require(Role.OFFICER, Role.VIEWER))]


@router.get(
    "/programme",
    response_model=ProgrammeReport,
    summary="Progress toward the programme's target",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "target": 3000,
                        "firms_reached": 3,
                        "progress": 0.001,
                        "firms_in_graph": 300,
                        "reached_by_maturity": {"occasional": 1, "regular": 2},
                        "reached_by_region": {"Bretagne": 1, "Île-de-France": 2},
                        "reached_by_sector": {"Génie civil": 1, "Enseignement": 2},
                        "proposals_by_status": {
                            "proposed": 1,
                            "contacted": 1,
                            "formed": 0,
                            "submitted": 0,
                            "won": 0,
                            "lost": 0,
                        },
                        "proposals": 2,
                        "pavilions": 1,
                        "accompanied": "accepted",
                        "by_quarter": [
                            {"quarter": "2026-T3", "firms": 1, "total": 1},
                            {"quarter": "2026-T4", "firms": 2, "total": 3},
                        ],
                    }
                }
            }
        }
    },
)
def programme(store: StoreDep, settings: SettingsDep, _: CommitteeDep) -> ProgrammeReport:
    """Firms accompanied (members who accepted a proposal, or who were contacted, as
    ``MEUTE_PROGRAMME_ACCOMPANIED`` says) by maturity, region, sector and quarter, proposals by
    status, and progress toward the target (``MEUTE_PROGRAMME_TARGET``).
    """
    return programme_report(store, settings.programme_target, settings.programme_accompanied)


@router.get(
    "/programme/export",
    response_class=Response,
    summary="Progress toward the programme's target, as XLSX or PDF for the steering committee",
    responses=file_openapi(
        "The programme report in French: progress, counting rule, firms per quarter.",
        {"xlsx": "", "pdf": "%PDF-1.3 ... Suivi du programme ... Par trimestre ..."},
    ),
)
def programme_export(
    store: StoreDep,
    settings: SettingsDep,
    _: CommitteeDep,
    format: Annotated[ProgrammeFormat, Query()] = ProgrammeFormat.XLSX,
) -> Response:
    """The same report as ``GET /programme``, in French, firms counted per quarter."""
    report = programme_report(store, settings.programme_target, settings.programme_accompanied)
    return programme_file(report, format)
