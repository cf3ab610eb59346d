"""The CPV vocabulary: codes suggested for a text (also used by the console as you type)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from meute.api.routes.firms import ReaderDep
from meute.api.service import suggest_cpv

router = APIRouter(prefix="/cpv", tags=["cpv"])


@router.get(
    "/suggest",
    summary="CPV codes for a text",
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": [
                        {
                            "code": "33111000-1",
                            "label_fr": "Appareils de radiographie",
                            "label_en": "X-ray devices",
                            "score": 0.61,
                            "confident": True,
                        }
                    ]
                }
            }
        }
    },
)
def suggest(
    _: ReaderDep,
    text: Annotated[str, Query(min_length=1, max_length=500, description="What is bought.")],
    top: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[dict[str, Any]]:
    """The CPV codes closest to a French or English text, best first, with labels and scores."""
    return suggest_cpv(text, top)
