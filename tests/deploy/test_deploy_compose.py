"""deploy/compose.yaml: services, healthchecks, pinned images, no inline secrets, mounts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEYS?$|ACCESS_KEY)", re.IGNORECASE)
INTERPOLATED = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")


class _ComposeLoader(yaml.SafeLoader):
    """SafeLoader that understands compose's ``!reset`` / ``!override`` merge tags."""


def _tagged(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_ComposeLoader.add_constructor("!reset", _tagged)
_ComposeLoader.add_constructor("!override", _tagged)


def _load(name: str) -> dict[str, Any]:
    return yaml.load((DEPLOY / name).read_text(), Loader=_ComposeLoader)  # noqa: S506


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load("compose.yaml")


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_services_and_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"api", "mlflow", "minio", "prometheus", "grafana"}
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert check.get("interval") and check.get("retries"), name
    assert "/health" in " ".join(services["api"]["healthcheck"]["test"])


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service["image"]
        default = re.sub(r"^\$\{[A-Z_]+:-(.*)\}$", r"\1", image)
        repo, _, tag = default.rpartition(":")
        assert repo and tag and tag != "latest" and "latest" not in image, f"{name}: {image}"


def test_no_inline_secrets(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key) and not key.endswith(("_FILE", "__FILE")):
                assert INTERPOLATED.match(value), f"{name}.{key} must come from deploy/.env"
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    ignored = (REPO / ".gitignore").read_text().split()
    assert {"deploy/.env", "deploy/secrets/"} <= set(ignored)
    example = (DEPLOY / "env.example").read_text()
    assert re.search(r"^MINIO_ROOT_PASSWORD=$", example, re.MULTILINE)


def test_api_gets_a_gpu_weights_volume_and_hardening(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]
    devices = api["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    env = _environment(api)
    assert env["ROCKTOP_ASSETS_DIR"] == "/assets" and env["API_PORT"] == "8080"
    assert env["ROCKTOP_API_KEYS_FILE"].startswith("/run/secrets/")
    assert any(v.endswith(":/assets:ro") for v in api["volumes"])
    assert api["read_only"] is True and api["cap_drop"] == ["ALL"]
    assert int(api["user"].split(":")[0]) >= 1000
    assert api["build"]["target"] == "serve"


def test_monitoring_config_is_mounted(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "./prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    grafana = services["grafana"]["volumes"]
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in grafana
    assert "./grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana
    for mount in services["prometheus"]["volumes"] + grafana:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (DEPLOY / source).is_dir(), source
    named = {m.split(":")[0] for s in services.values() for m in s.get("volumes", [])}
    assert {n for n in named if not n.startswith(("./", "$"))} <= set(compose["volumes"])


def test_rocm_override_swaps_the_gpu() -> None:
    override = _load("compose.rocm.yaml")["services"]["api"]
    assert override["devices"] == ["/dev/kfd", "/dev/dri"]
    assert override["deploy"] == {}
    assert "HSA_OVERRIDE_GFX_VERSION" in override["environment"]
    assert override["build"]["dockerfile"].endswith("Dockerfile.rocm")
