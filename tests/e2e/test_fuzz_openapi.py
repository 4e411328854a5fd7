"""Schema-driven fuzzing (schemathesis) of the ingest and read APIs, as running processes.

Generated requests, valid and invalid, from each service's own OpenAPI document: no response may be a 5xx, and
every response must match the documented schema for its status. Injection strings, huge numbers, odd Unicode and
forged cursors come from the generators; they must be answered, never executed.
"""

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.e2e.conftest import Pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

FUZZ = hypothesis.settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,  # the same cases on every run, so CI is repeatable; seeds changed on purpose only
)
CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(openapi_url: str) -> int:
    """Run every operation of a schema through generated cases; returns how many operations were fuzzed.

    The operations are driven with hypothesis directly (not schemathesis' pytest plugin), one `given` per
    operation, so each failure names its operation and the minimal failing case.
    """
    schema = schemathesis.openapi.from_url(openapi_url)
    operations = cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @hypothesis.given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            nonlocal cases
            cases += 1
            case.call_and_validate(checks=CHECKS)

        run()
        operations += 1
    print(f"fuzzed {openapi_url}: {operations} operations, {cases} generated requests, no 5xx, schemas matched")
    return operations


def test_read_api_never_fails_on_generated_requests(pipeline: Pipeline) -> None:
    assert fuzz(f"{pipeline.api.url}/openapi.json") >= 8


def test_ingest_never_fails_on_generated_requests(pipeline: Pipeline) -> None:
    assert fuzz(f"{pipeline.ingest.url}/openapi.json") >= 4
