"""CPV codes the officer confirms: their labels, and the codes the engine would use for a lot
left without any (with their confidence), so that none is chosen silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query

from meute.api.console.base import PREFIX, OfficerDep
from meute.api.console.forms import CodeChoice, TenderForm, cpv_label, split_list
from meute.graph.cpv import format_code, label, normalise
from meute.graph.model import PavilionRequest, PavilionResult, Tender
from meute.matcher.pavilion import themes_tender
from meute.matcher.propose import MatchOptions, suggested_lot_codes

__all__ = ["ThemeCodes", "router", "theme_codes", "unconfirmed_lots"]

router = APIRouter(prefix=PREFIX, include_in_schema=False)
UNCONFIRMED = (
    "aucun code CPV confirmé : acceptez ceux que le moteur propose d'après l'intitulé et la "
    "description (ci-dessous), ou ajoutez les vôtres"
)


@router.get("/cpv/libelles")
def cpv_labels(
    _: OfficerDep, codes: Annotated[str, Query(max_length=2000)] = ""
) -> dict[str, str | None]:
    """The French label of each code of a list typed in a form (null for a code not in CPV)."""
    return {code: cpv_label(code) for code in split_list(codes)[:50]}


def unconfirmed_lots(form: TenderForm, tender: Tender, options: MatchOptions) -> bool:
    """Mark each lot without codes on ``form``, with the codes the engine would use for it;
    True when there is one (the tender is then not stored until the officer confirms codes).
    """
    for index, lot in enumerate(tender.lots):
        if lot.cpv:
            continue
        form.errors.setdefault(f"lots.{index}.cpv", []).append(UNCONFIRMED)
        form.proposed[index] = [
            CodeChoice(format_code(code), label(code, "fr"), confidence)
            for code, confidence in suggested_lot_codes(lot, options)
        ]
    return bool(form.proposed)


@dataclass(frozen=True)
class ThemeCodes:
    """The codes a pavilion theme was matched on: given, or suggested from its words (with the
    engine's confidence), how many firms of the shortlist cover it (and why none does), and its
    line for the form.
    """

    title: str
    codes: list[CodeChoice]
    suggested: bool
    firms: int
    uncovered: str | None = None

    @property
    def line(self) -> str:
        """The theme as the form takes it with its codes: « Titre : 33111000-1, 33112000-8 »
        (its title alone when it has none).
        """
        if not self.codes:
            return self.title
        return f"{self.title} : {', '.join(choice.code for choice in self.codes)}"


def theme_codes(
    request: PavilionRequest, result: PavilionResult, options: MatchOptions
) -> list[ThemeCodes]:
    """Each theme of a shortlist with the CPV codes it was matched on, to confirm or correct."""
    lots = themes_tender(request).lots
    shown = []
    for lot, coverage in zip(lots, result.themes, strict=True):
        confidence = dict(suggested_lot_codes(lot, options)) if coverage.suggested else {}
        codes = [normalise(code) for code in coverage.cpv]
        choices = [
            CodeChoice(format_code(code), label(code, "fr"), confidence.get(code, 1.0))
            for code in codes
        ]
        shown.append(
            ThemeCodes(
                coverage.title, choices, coverage.suggested, coverage.firms, coverage.uncovered
            )
        )
    return shown
