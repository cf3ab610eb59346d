"""The OpenAPI document: an example for every endpoint, and examples that are valid."""

from __future__ import annotations

from typing import Any

from meute.api import examples
from meute.api.app import create_app
from meute.api.jobs import ImportJob
from meute.api.scores import ShownEvaluation, ShownMatchResult
from meute.graph.embedded import EmbeddedStore
from meute.graph.model import (
    Firm,
    PartnerResult,
    PavilionRequest,
    PavilionResult,
    Proposal,
    PublicFirm,
    Tender,
)


def _has_example(content: dict[str, Any]) -> bool:
    return any("example" in media or "examples" in media for media in content.values())


def test_every_operation_documents_an_example() -> None:
    spec = create_app(EmbeddedStore(None)).openapi()
    missing = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            success = [r for code, r in operation["responses"].items() if code.startswith("2")]
            if not any(_has_example(r.get("content", {})) for r in success):
                missing.append(f"{method.upper()} {path} response")
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body and not _has_example(body):
                missing.append(f"{method.upper()} {path} body")
    assert missing == []


def test_examples_are_valid_documents() -> None:
    Firm.model_validate(examples.FIRM_EXAMPLE)
    PublicFirm.model_validate(examples.PUBLIC_FIRM_EXAMPLE)
    Tender.model_validate(examples.TENDER_EXAMPLE)
    ShownMatchResult.model_validate(examples.MATCH_RESULT_EXAMPLE)
    ShownEvaluation.model_validate(examples.EVALUATION_EXAMPLE)
    PartnerResult.model_validate(examples.PARTNER_RESULT_EXAMPLE)
    Proposal.model_validate(examples.PROPOSAL_EXAMPLE)
    ImportJob.model_validate(examples.IMPORT_JOB_EXAMPLE)
    PavilionResult.model_validate(examples.PAVILION_RESULT_EXAMPLE)
    PavilionRequest.model_validate(examples.PAVILION_EXAMPLE)
