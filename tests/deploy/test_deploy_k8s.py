"""Kubernetes overlays: render, validate every object against the schemas, check policies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from rocktop.testing.kustomize_lite import iter_containers, pod_spec, render

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
OVERLAYS = {"nvidia": "nvidia.com/gpu", "amd": "amd.com/gpu"}
K8S_VERSION = "1.30.0"  # the oldest release the manifests target (preStop sleep, PSS labels)
NAME_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component")


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


@pytest.fixture(scope="module", params=sorted(OVERLAYS))
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    name = str(request.param)
    return name, render(K8S / "overlays" / name)


def _kubectl_kustomize() -> str | None:
    """kubectl with kustomize >= 5 built in (Debian's kubectl 1.20 bundles kustomize 2)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    probe = subprocess.run(
        [kubectl, "version", "--client", "-o", "json"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    try:
        version = json.loads(probe.stdout).get("kustomizeVersion", "")
    except ValueError:
        return None
    match = re.match(r"v?(\d+)\.", version)
    return kubectl if match and int(match.group(1)) >= 5 else None


@pytest.mark.parametrize("name", sorted(OVERLAYS))
def test_lite_renderer_matches_real_kustomize(name: str) -> None:
    kubectl = _kubectl_kustomize()
    if kubectl is None:
        pytest.skip("no kubectl with kustomize >= 5: kustomize-lite output is checked on its own")
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / name)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    real = {_key(o): o for o in yaml.safe_load_all(result.stdout) if o}
    lite = {_key(o): o for o in render(K8S / "overlays" / name)}
    assert sorted(real) == sorted(lite)
    for key, obj in real.items():
        assert lite[key] == obj, key


def test_every_object_validates_against_the_kubernetes_schema(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    import kubernetes_validate

    _, objects = overlay
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{_key(obj)}: {exc.message} at {'/'.join(map(str, exc.path))}")


def test_validator_is_live() -> None:
    import kubernetes_validate

    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"portz": []}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_expected_objects(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    _, objects = overlay
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    for expected in [
        ("Deployment", "rocktop-api"),
        ("Service", "rocktop-api"),
        ("PodDisruptionBudget", "rocktop-api"),
        ("HorizontalPodAutoscaler", "rocktop-api"),
        ("ServiceAccount", "rocktop"),
        ("ConfigMap", "rocktop-config"),
        ("PersistentVolumeClaim", "rocktop-data"),
        ("NetworkPolicy", "rocktop-default-deny"),
        ("Job", "rocktop-dataset-build"),
        ("Job", "rocktop-features-extract"),
        ("Job", "rocktop-train"),
        ("Job", "rocktop-train-ddp"),
        ("Service", "rocktop-train-ddp"),
    ]:
        assert expected in kinds
    assert not [o for o in objects if o["kind"] == "Secret"], "secrets are never committed"


def test_policies_on_every_workload(overlay: tuple[str, list[dict[str, Any]]]) -> None:
    vendor, objects = overlay
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert all(label in labels for label in NAME_LABELS), _key(obj)
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "rocktop", _key(obj)
        spec = pod_spec(obj)
        if spec is None:
            continue
        template_labels = obj["spec"]["template"]["metadata"]["labels"]
        assert all(label in template_labels for label in NAME_LABELS), _key(obj)
        pod_security = spec["securityContext"]
        assert pod_security["runAsNonRoot"] is True and pod_security["runAsUser"] >= 1000
        assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is False and spec["serviceAccountName"]
        mounts_needed = {"/tmp", "/cache"}
        for container in spec["containers"]:
            where = f"{_key(obj)}/{container['name']}"
            image = container["image"]
            assert re.match(r"^[\w./-]+:[\w.-]+$", image) and not image.endswith(":latest"), where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            resources = container["resources"]
            for field in ("cpu", "memory"):
                assert field in resources["requests"] and field in resources["limits"], where
            mounted = {m["mountPath"] for m in container["volumeMounts"]}
            assert mounts_needed <= mounted, f"{where}: writable /tmp and /cache are emptyDirs"
            if obj["kind"] == "Deployment":
                assert container["livenessProbe"]["httpGet"]["path"] == "/health", where
                assert container["readinessProbe"]["httpGet"]["path"] == "/ready", where
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert "emptyDir" in volumes["tmp"] and "emptyDir" in volumes["cache"]


def test_gpu_workloads_get_the_vendor_resource_and_node(
    overlay: tuple[str, list[dict[str, Any]]],
) -> None:
    vendor, objects = overlay
    resource = OVERLAYS[vendor]
    gpu_names = set()
    for obj in objects:
        spec = pod_spec(obj)
        if spec is None:
            continue
        container = spec["containers"][0]
        has_gpu = resource in container["resources"]["limits"]
        assert has_gpu == (obj["metadata"]["labels"].get("rocktop.dev/accelerator") == "gpu")
        other = next(r for r in OVERLAYS.values() if r != resource)
        assert other not in container["resources"]["limits"]
        if has_gpu:
            gpu_names.add(obj["metadata"]["name"])
            assert spec["nodeSelector"] == {"gpu.vendor": vendor}
            assert container["resources"]["requests"][resource] == "1"
    assert gpu_names == {
        "rocktop-api",
        "rocktop-features-extract",
        "rocktop-train",
        "rocktop-train-ddp",
    }


def test_amd_overlay_sets_the_gfx_override_only_there() -> None:
    for vendor in OVERLAYS:
        objects = {_key(o): o for o in render(K8S / "overlays" / vendor)}
        data = objects[("ConfigMap", "rocktop-config")]["data"]
        assert (data.get("HSA_OVERRIDE_GFX_VERSION") == "10.3.0") == (vendor == "amd")


def test_indexed_jobs_pass_the_completion_index_as_shard() -> None:
    objects = {_key(o): o for o in render(K8S / "base")}
    for name in ("rocktop-dataset-build", "rocktop-features-extract"):
        job = objects[("Job", name)]
        assert job["spec"]["completionMode"] == "Indexed" and job["spec"]["suspend"] is True
        container = job["spec"]["template"]["spec"]["containers"][0]
        args = container["args"]
        shard = args[args.index("--shard") + 1]
        assert shard == f"$(JOB_COMPLETION_INDEX)/{job['spec']['completions']}"
        env = {e["name"]: e for e in container["env"]}
        field = env["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
        assert "job-completion-index" in field
    merge = objects[("Job", "rocktop-dataset-merge")]["spec"]["template"]["spec"]["containers"][0]
    build = objects[("Job", "rocktop-dataset-build")]["spec"]
    shards = [a for a in merge["args"] if a.startswith("/data/dataset-shards/")]
    assert len(shards) == build["completions"]


def test_multinode_training_wiring() -> None:
    objects = {_key(o): o for o in render(K8S / "base")}
    job = objects[("Job", "rocktop-train-ddp")]["spec"]
    service = objects[("Service", "rocktop-train-ddp")]["spec"]
    pod = job["template"]["spec"]
    args = " ".join(pod["containers"][0]["args"])
    nodes = job["completions"]
    assert job["parallelism"] == nodes and job["completionMode"] == "Indexed"
    assert pod["subdomain"] == "rocktop-train-ddp" and service["clusterIP"] == "None"
    assert service["selector"] == {"batch.kubernetes.io/job-name": "rocktop-train-ddp"}
    assert pod["containers"][0]["command"] == ["torchrun"]
    assert f"--nnodes={nodes}" in args and f"trainer.num_nodes={nodes}" in args
    assert "--node-rank=$(JOB_COMPLETION_INDEX)" in args
    assert "--master-addr=rocktop-train-ddp-0.rocktop-train-ddp" in args


def test_hpa_scales_on_cpu_and_queue_depth() -> None:
    objects = {_key(o): o for o in render(K8S / "base")}
    metrics = objects[("HorizontalPodAutoscaler", "rocktop-api")]["spec"]["metrics"]
    assert {m["type"] for m in metrics} == {"Resource", "Pods"}
    pods = next(m for m in metrics if m["type"] == "Pods")["pods"]
    assert pods["metric"]["name"] == "rocktop_queue_depth"
    adapter = yaml.safe_load((K8S / "prometheus-adapter-rules.yaml").read_text())
    exposed = [rule["name"]["as"] for rule in adapter["rules"]]
    assert "rocktop_queue_depth" in exposed


def test_secrets_are_referenced_not_committed() -> None:
    text = "\n".join(p.read_text() for p in K8S.rglob("*.yaml"))
    assert "kind: Secret" not in text
    objects = render(K8S / "base")
    referenced = set()
    for container in iter_containers(objects):
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                referenced.add(source["secretRef"]["name"])
    for obj in objects:
        spec = pod_spec(obj)
        for volume in (spec or {}).get("volumes", []):
            if "secret" in volume:
                referenced.add(volume["secret"]["secretName"])
    assert referenced == {"rocktop-s3", "rocktop-api-keys"}
