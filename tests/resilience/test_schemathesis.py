"""Schemathesis over the whole OpenAPI with an officer's key: no server error and no answer
that contradicts the schema, whatever the generated request (embedded store, showcase data).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from meute.api.app import create_app
from meute.api.auth import Role, create_key
from meute.api.service import import_document, showcase_document
from meute.api.settings import Settings
from meute.graph.embedded import EmbeddedStore

STORE = EmbeddedStore(None)
import_document(STORE, showcase_document())
_, KEY = create_key(STORE, Role.OFFICER, "schemathesis")
APP = create_app(STORE, Settings(data_dir=Path(tempfile.mkdtemp(prefix="meute-schemathesis-"))))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Examples per operation and phase; with the explicit examples and the coverage phase this
# makes well over 1,000 requests in about a minute.
EXAMPLES = 15
MIN_REQUESTS = 1_000
# Server errors and answers that contradict the schema. A 4xx refusal of a value the schema
# cannot describe (a CPV code's check digit, a SIREN's Luhn check) is not a failure.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
SENT: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _count_requests() -> Iterator[None]:
    """After a run over every operation, check it sent enough requests and say how many."""
    yield
    print(f"\nschemathesis: {SENT.total()} requests over {len(SENT)} operations")
    if len(SENT) == len(list(schema.get_all_operations())):
        assert SENT.total() >= MIN_REQUESTS, SENT


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case: schemathesis.Case) -> None:
    SENT[case.operation.label] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, checks=CHECKS)
