"""Experiment tracking helpers: run parameters (config, dataset hash, version, git commit),
artifacts, and the MLflow run id kept in the run directory so a resumed run continues it."""

from __future__ import annotations

import hashlib
import logging
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import rocktop
from rocktop.common.atomic import atomic_write_text

log = logging.getLogger(__name__)

MLFLOW_RUN_ID = "mlflow_run_id"


def dataset_hash(files: Iterable[Path]) -> str:
    """sha256 over the sorted (name, size, content sha256 of the first 64 KiB) of ``files``."""
    digest = hashlib.sha256()
    for path in sorted(files):
        with open(path, "rb") as handle:
            head = hashlib.sha256(handle.read(65_536)).hexdigest()
        digest.update(f"{path.name}\0{path.stat().st_size}\0{head}\n".encode())
    return digest.hexdigest()


def git_commit(directory: Path | None = None) -> str | None:
    """The git commit of the rocktop source tree, or None (installed wheel, no git)."""
    where = directory or Path(rocktop.__file__).parent
    try:
        out = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= _flatten(value, f"{name}.")
        else:
            flat[name] = value
    return flat


def run_params(config: Mapping[str, Any], data_hash: str) -> dict[str, Any]:
    """Flattened config plus ``rocktop.version``, ``rocktop.git_commit``, ``data.hash``."""
    params = _flatten(config)
    params["rocktop.version"] = rocktop.__version__
    params["rocktop.git_commit"] = git_commit() or "unknown"
    params["data.hash"] = data_hash
    return params


def mlflow_loggers(loggers: Iterable[Any]) -> list[Any]:
    from lightning.pytorch.loggers import MLFlowLogger

    return [lg for lg in loggers if isinstance(lg, MLFlowLogger)]


def log_artifact_dir(loggers: Iterable[Any], directory: Path, artifact_path: str) -> None:
    """Upload every file of ``directory`` to each MLflow logger's run under ``artifact_path``."""
    for lg in mlflow_loggers(loggers):
        lg.experiment.log_artifacts(lg.run_id, str(directory), artifact_path)


def remember_run_id(loggers: Iterable[Any], run_dir: Path) -> None:
    """Write the MLflow run id into the run directory (read back on resume)."""
    for lg in mlflow_loggers(loggers):
        atomic_write_text(run_dir / MLFLOW_RUN_ID, str(lg.run_id))


def prepare_local_store(tracking_uri: str) -> None:
    """Create the folder of a local ``sqlite:///path/to.db`` store (SQLite will not)."""
    prefix = "sqlite:///"
    if tracking_uri.startswith(prefix):
        Path(tracking_uri[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)


def saved_run_id(run_dir: Path) -> str | None:
    path = run_dir / MLFLOW_RUN_ID
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def register_model(loggers: Iterable[Any], artifact_path: str, name: str) -> None:
    """Register the run's ``artifact_path`` folder as a new version of MLflow model ``name``.

    The export is plain files (voice + index), not an MLflow ``MLmodel``, so the version is
    created from the artifact URI directly.
    """
    from mlflow.exceptions import MlflowException

    for lg in mlflow_loggers(loggers):
        client = lg.experiment
        try:
            client.get_registered_model(name)
        except MlflowException:
            client.create_registered_model(name)
        source = f"{client.get_run(lg.run_id).info.artifact_uri}/{artifact_path}"
        version = client.create_model_version(name, source, run_id=lg.run_id)
        log.info("registered %s version %s", name, version.version)
