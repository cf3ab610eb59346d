"""Programme tracking for the steering committee."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from meute.api.auth import Principal, Role, require
from meute.api.deps import SettingsDep, StoreDep
from meute.api.proposals import ProgrammeReport, programme_report

router = APIRouter(tags=["programme"])


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
                    }
                }
            }
        }
    },
)
def programme(
    store: StoreDep,
    settings: SettingsDep,
    _: Annotated[Principal, Depends(require(Role.OFFICER, Role.VIEWER))],
) -> ProgrammeReport:
    """Firms reached (members of proposals past "proposed") by maturity, region and sector,
    proposals by status, and progress toward the target (``MEUTE_PROGRAMME_TARGET``).
    """
    return programme_report(store, settings.programme_target)
