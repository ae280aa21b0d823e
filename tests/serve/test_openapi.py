"""docs/openapi.json is the schema the app serves; regenerate with `make openapi`."""

from __future__ import annotations

import json
from pathlib import Path

from rocktop.cli.serve import openapi_json

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_is_current() -> None:
    current = openapi_json()
    assert json.loads(COMMITTED.read_text(encoding="utf-8")) == json.loads(current), (
        "docs/openapi.json is stale: run `make openapi` "
        "(rocktop serve --print-openapi > docs/openapi.json)"
    )


def test_schema_covers_the_seed_contract() -> None:
    schema = json.loads(openapi_json())
    paths = schema["paths"]
    for path in (
        "/synthesize",
        "/synthesize/stream",
        "/tts",
        "/rvc",
        "/convert",
        "/health",
        "/status",
        "/ready",
        "/metrics",
        "/models",
        "/models/{name}/load",
        "/models/{name}/unload",
    ):
        assert path in paths, path
    form = paths["/synthesize"]["post"]["requestBody"]["content"]["multipart/form-data"]
    ref = form["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][ref]["properties"]
    for name in (
        "text",
        "reference_text",
        "reference_audio",
        "pitch_shift",
        "f0_method",
        "index_rate",
        "model",
    ):
        assert name in fields, name
    assert paths["/health"]["get"]["security"] == []
    assert "security" not in paths["/rvc"]["post"]
    assert schema["security"] == [{"bearer": []}, {"apiKey": []}]
