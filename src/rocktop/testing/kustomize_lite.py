"""A small, honest subset of kustomize, so the overlays render on machines without kubectl.

Supported (exactly what deploy/k8s uses, anything else raises): ``resources`` (files and
directories holding a kustomization), ``namespace``, ``labels`` (``pairs`` on metadata.labels
only: no selectors, no templates), ``images`` (``newName``/``newTag``) and ``patches`` (strategic
merge patches from ``path``, optionally applied to every object matched by ``target``
``kind``/``name``/``labelSelector``). Strategic merge follows the Kubernetes merge keys for the
lists we patch (containers and env by name, volumeMounts by mountPath); other lists are replaced.
When ``kubectl kustomize`` is on PATH the tests render with both and require identical output.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
SUPPORTED = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
CLUSTER_SCOPED = {
    "Namespace",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
}
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
}
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


def render(directory: Path) -> list[Obj]:
    """The objects ``kustomize build directory`` would print (in resource order)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise NotImplementedError(f"{directory}: kustomize-lite does not support {sorted(unknown)}")
    objects: list[Obj] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects += render(path)
        else:
            objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for patch in kustomization.get("patches", []):
        _apply_patch(objects, directory, patch)
    for pair in kustomization.get("labels", []):
        if set(pair) - {"pairs"}:
            raise NotImplementedError(f"labels options {sorted(set(pair) - {'pairs'})}")
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(pair["pairs"])
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    namespace = kustomization.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = namespace
    return objects


def _selected(obj: Obj, target: dict[str, str]) -> bool:
    if "kind" in target and obj["kind"] != target["kind"]:
        return False
    if "name" in target and obj["metadata"]["name"] != target["name"]:
        return False
    if "labelSelector" in target:
        labels = obj["metadata"].get("labels", {})
        for term in target["labelSelector"].split(","):
            key, _, value = term.partition("=")
            if labels.get(key.strip()) != value.strip():
                return False
    return True


def _apply_patch(objects: list[Obj], directory: Path, patch: dict[str, Any]) -> None:
    if set(patch) - {"path", "target"}:
        raise NotImplementedError(f"patch options {sorted(set(patch) - {'path', 'target'})}")
    body = yaml.safe_load((directory / patch["path"]).read_text())
    target = patch.get("target") or {"kind": body["kind"], "name": body["metadata"]["name"]}
    matched = [obj for obj in objects if _selected(obj, target)]
    if not matched:
        raise ValueError(f"patch {patch['path']} matches nothing ({target})")
    for obj in matched:
        content = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
        if "labels" in body.get("metadata", {}):
            content["metadata"] = {"labels": body["metadata"]["labels"]}
        strategic_merge(obj, content)


def strategic_merge(base: Obj, patch: Obj) -> Obj:
    """Merge ``patch`` into ``base`` in place (maps recursively, keyed lists by merge key)."""
    for key, value in patch.items():
        if value is None:
            base.pop(key, None)
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            strategic_merge(base[key], value)
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(base.get(key), list):
            merge_key = MERGE_KEYS[key]
            by_key = {item[merge_key]: item for item in base[key]}
            for item in value:
                if item[merge_key] in by_key:
                    strategic_merge(by_key[item[merge_key]], item)
                else:
                    base[key].append(copy.deepcopy(item))
        else:
            base[key] = copy.deepcopy(value)
    return base


def _set_image(objects: list[Obj], image: dict[str, str]) -> None:
    for container in iter_containers(objects):
        name, _, _ = container["image"].partition(":")
        if name == image["name"]:
            new_name = image.get("newName", name)
            container["image"] = f"{new_name}:{image['newTag']}" if "newTag" in image else new_name


def pod_spec(obj: Obj) -> Obj | None:
    """The pod template spec of a workload, or None."""
    if obj["kind"] in WORKLOADS:
        return obj["spec"]["template"]["spec"]
    return None


def iter_containers(objects: list[Obj]) -> list[Obj]:
    found: list[Obj] = []
    for obj in objects:
        spec = pod_spec(obj)
        if spec is not None:
            found += spec.get("initContainers", []) + spec["containers"]
    return found
