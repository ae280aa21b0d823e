"""Voices registered in the MLflow model registry (``models:/name/3``, ``models:/name@alias``).

A registered version's artifacts are a folder with one model file (``.safetensors`` or
``.pth``) and at most one ``.index``. A version is immutable, so it is downloaded once into
``cache_dir/<name>/<version>/`` (atomically: a temporary folder renamed into place after every
file's size matched the artifact listing) and reused; an alias is resolved to its version on
every fetch, so moving an alias takes effect on the next load.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from rocktop.common.errors import MissingDependencyError
from rocktop.storage.errors import IntegrityError, StorageError, one_line
from rocktop.storage.layout import VoiceNotFoundError, pick_model_and_index

logger = logging.getLogger(__name__)

_REF = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<version>\d+)|@(?P<alias>[\w.-]+))?$")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_MAX_DEPTH = 3


def _tracking(tracking_uri: str | None) -> str | None:
    return tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")


def _client(tracking_uri: str | None) -> Any:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise MissingDependencyError("mlflow", "s3") from exc
    return MlflowClient(tracking_uri=_tracking(tracking_uri))


def _mlflow_errors() -> tuple[type[BaseException], ...]:
    from mlflow.exceptions import MlflowException

    return (MlflowException, OSError)


def list_models(tracking_uri: str | None) -> list[str]:
    """Sorted names of the registered models."""
    client = _client(tracking_uri)
    try:
        return sorted(m.name for m in client.search_registered_models())
    except _mlflow_errors() as exc:
        raise StorageError(f"listing MLflow registered models failed: {one_line(exc)}") from exc


def resolve_version(ref: str, tracking_uri: str | None) -> tuple[str, str]:
    """``(name, version)`` of a ``models:/`` reference (no version = the latest)."""
    match = _REF.match(ref)
    if match is None:
        raise VoiceNotFoundError(
            f"model reference {ref!r} is not valid: use models:/NAME, models:/NAME/VERSION "
            "or models:/NAME@ALIAS"
        )
    name, version, alias = match["name"], match["version"], match["alias"]
    client = _client(tracking_uri)
    try:
        if alias:
            return name, str(client.get_model_version_by_alias(name, alias).version)
        if version:
            return name, str(client.get_model_version(name, version).version)
        versions = client.search_model_versions(f"name='{name}'")
    except _mlflow_errors() as exc:
        raise VoiceNotFoundError(f"{ref} not found in MLflow: {one_line(exc)}") from exc
    if not versions:
        raise VoiceNotFoundError(f"{ref} has no registered versions in MLflow")
    return name, str(max(int(v.version) for v in versions))


def _listing(artifact_uri: str, tracking_uri: str | None, depth: int = 0) -> dict[str, int]:
    """Relative path -> size of every artifact file under ``artifact_uri``."""
    import mlflow.artifacts

    sizes: dict[str, int] = {}
    for info in mlflow.artifacts.list_artifacts(
        artifact_uri=artifact_uri, tracking_uri=_tracking(tracking_uri)
    ):
        rel = info.path.rsplit("/", 1)[-1]
        if info.is_dir and depth < _MAX_DEPTH:
            children = _listing(f"{artifact_uri}/{rel}", tracking_uri, depth + 1)
            sizes.update({f"{rel}/{k}": v for k, v in children.items()})
        elif not info.is_dir:
            sizes[rel] = int(info.file_size or 0)
    return sizes


def _download(name: str, version: str, target: Path, tracking_uri: str | None) -> None:
    import mlflow.artifacts

    client = _client(tracking_uri)
    uri = client.get_model_version_download_uri(name, version)
    expected = _listing(uri, tracking_uri)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        root = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=uri, dst_path=str(tmp), tracking_uri=_tracking(tracking_uri)
            )
        )
        for rel, size in expected.items():
            got = (root / rel).stat().st_size if (root / rel).is_file() else -1
            if got != size:
                raise IntegrityError(
                    f"download of models:/{name}/{version} is corrupt: {rel} has {got} bytes, "
                    f"MLflow lists {size}"
                )
        try:
            os.replace(root, target)
        except OSError:
            if not target.is_dir():  # else another process finished the same version first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch(ref: str, cache_dir: Path, tracking_uri: str | None) -> tuple[Path, Path | None]:
    """Local ``(model, index)`` paths of a registered version, downloaded once and cached."""
    name, version = resolve_version(ref, tracking_uri)
    target = cache_dir / _SAFE.sub("_", name) / version
    if not target.is_dir():
        logger.info("downloading models:/%s/%s from MLflow", name, version)
        try:
            _download(name, version, target, tracking_uri)
        except _mlflow_errors() as exc:
            raise StorageError(f"downloading {ref} failed: {one_line(exc)}") from exc
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    picked = pick_model_and_index(ref, files)
    if picked is None:
        raise VoiceNotFoundError(f"{ref} (version {version}) holds no .safetensors or .pth file")
    model, index = picked
    return target / model, target / index if index else None


def register_voice(
    run_id: str,
    artifact_path: str,
    name: str,
    tracking_uri: str | None,
    *,
    alias: str | None = None,
) -> str:
    """Register the voice folder a run logged at ``artifact_path``; returns the new version.

    ``alias`` (e.g. ``production``) is moved to the new version, so a service loading
    ``models:/NAME@production`` picks it up on its next load.
    """
    from mlflow.exceptions import MlflowException

    client = _client(tracking_uri)
    try:
        try:
            client.create_registered_model(name)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        run = client.get_run(run_id)
        source = f"{run.info.artifact_uri.rstrip('/')}/{artifact_path.strip('/')}"
        version = str(client.create_model_version(name, source=source, run_id=run_id).version)
        if alias:
            client.set_registered_model_alias(name, alias, version)
    except _mlflow_errors() as exc:
        raise StorageError(f"registering {name} from run {run_id} failed: {one_line(exc)}") from exc
    return version
