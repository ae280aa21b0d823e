"""Property-based requests generated from the served OpenAPI schema: never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
KEY = "fuzz-key"
EXAMPLES_PER_OPERATION = 10


@pytest.fixture(scope="module")
def fuzz_server(running: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    models = tmp_path_factory.mktemp("fuzz-models")
    with running(api_keys=KEY, models_dir=models, max_text_chars=300) as (url, _):
        yield url


def test_no_server_errors(fuzz_server: str) -> None:
    schema = schemathesis.openapi.from_url(
        f"{fuzz_server}/openapi.json", headers={"X-API-Key": KEY}
    )
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(base_url=fuzz_server, headers={"X-API-Key": KEY}, timeout=60)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path}: {response.text[:200]}")
            elif response.status_code >= 400:
                assert response.json()["error"]["code"]

        check()
    assert not failures, failures
    served = httpx.get(f"{fuzz_server}/metrics").text
    total = sum(
        float(line.rsplit(" ", 1)[1])
        for line in served.splitlines()
        if line.startswith("rocktop_requests_total{")
    )
    assert total >= 5 * len(operations), total
