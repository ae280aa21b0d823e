"""Prometheus config, alert rules (promtool) and the Grafana dashboard."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROM = REPO / "deploy" / "prometheus"
GRAFANA = REPO / "deploy" / "grafana"

# The service's metric names, agreed with src/rocktop/serve (name -> Prometheus type).
METRICS = {
    "rocktop_requests_total": "counter",
    "rocktop_request_duration_seconds": "histogram",
    "rocktop_queue_depth": "gauge",
    "rocktop_inflight": "gauge",
    "rocktop_realtime_factor": "histogram",
    "rocktop_model_load_seconds": "histogram",
    "rocktop_errors_total": "counter",
    "rocktop_gpu_memory_bytes": "gauge",
    "rocktop_workers": "gauge",
}
_NAME = re.compile(r"\b(rocktop_[a-z_]+)\b")


def _base_metric(name: str) -> str:
    for suffix in ("_bucket", "_sum", "_count"):
        stem = name.removesuffix(suffix)
        if stem != name and METRICS.get(stem) == "histogram":
            return stem
    return name


def _metrics_in(expr: str) -> set[str]:
    return {_base_metric(m) for m in _NAME.findall(expr)}


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (Debian package prometheus; .ci/run installs it)")
    return subprocess.run(
        [promtool, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_check_config() -> None:
    result = _promtool("check", "config", str(PROM / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_check_rules() -> None:
    result = _promtool("check", "rules", *map(str, sorted((PROM / "rules").glob("*.yml"))))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_unit_tests() -> None:
    tests = sorted((PROM / "tests").glob("*.test.yml"))
    assert tests
    result = _promtool("test", "rules", *map(str, tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_use_only_service_metrics_and_cover_the_alerts() -> None:
    groups = yaml.safe_load((PROM / "rules" / "rocktop.yml").read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    alerts = {rule["alert"] for rule in rules if "alert" in rule}
    assert {
        "RocktopHighErrorRate",
        "RocktopQueueSaturated",
        "RocktopHighP99Latency",
        "RocktopGpuMemoryHigh",
    } <= alerts
    for rule in rules:
        assert _metrics_in(rule["expr"]) <= set(METRICS), rule
        if "alert" in rule:
            assert rule["annotations"]["runbook"].startswith("docs/deploy.md#"), rule["alert"]
            assert rule["labels"]["severity"] in {"warning", "critical"}


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads((GRAFANA / "dashboards" / "rocktop.json").read_text())


def _datasource_uid() -> str:
    provisioning = GRAFANA / "provisioning" / "datasources" / "prometheus.yml"
    (source,) = yaml.safe_load(provisioning.read_text())["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    return str(source["uid"])


def test_dashboard_structure(dashboard: dict[str, Any]) -> None:
    assert dashboard["uid"] == "rocktop-service" and dashboard["schemaVersion"] >= 36
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    titles = " | ".join(p["title"].lower() for p in panels)
    for needed in ("request rate", "latency", "realtime factor", "queue", "errors", "gpu memory"):
        assert needed in titles
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24 and panel["targets"]
        area = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not area & cells, f"panel {panel['title']!r} overlaps another"
        cells |= area


def test_dashboard_datasources_match_provisioning(dashboard: dict[str, Any]) -> None:
    uid = _datasource_uid()
    refs = [p["datasource"] for p in dashboard["panels"]]
    refs += [t["datasource"] for p in dashboard["panels"] for t in p["targets"]]
    refs += [v["datasource"] for v in dashboard["templating"]["list"] if "datasource" in v]
    assert refs and all(ref == {"type": "prometheus", "uid": uid} for ref in refs)
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "rocktop.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"


def test_dashboard_queries_use_only_service_metrics(dashboard: dict[str, Any]) -> None:
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = set().union(*(_metrics_in(e) for e in exprs))
    assert used == set(METRICS)  # every agreed metric is shown, nothing else is queried


def test_dashboard_queries_parse_as_promql(dashboard: dict[str, Any], tmp_path: Path) -> None:
    """promtool parses every panel query (Grafana's variables replaced by sample values)."""
    rules = []
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            expr = target["expr"].replace("$__rate_interval", "5m").replace("$instance", ".*")
            rules.append(
                {"record": f"dashboard:panel{panel['id']}:{target['refId']}", "expr": expr}
            )
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_every_runbook_link_has_a_section_in_the_guide() -> None:
    guide = (REPO / "docs" / "deploy.md").read_text()
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.+)$", guide, re.MULTILINE)}
    groups = yaml.safe_load((PROM / "rules" / "rocktop.yml").read_text())["groups"]
    links = {
        rule["annotations"]["runbook"].split("#", 1)[1]
        for group in groups
        for rule in group["rules"]
        if "alert" in rule
    }
    assert links and links <= anchors, links - anchors
