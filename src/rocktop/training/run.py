"""Run a training job from a composed config: fresh or resumed, tracked, evaluated, exported.

A run directory holds ``config.yaml`` (resolved), ``checkpoints/`` (``step-*.ckpt``, ``best-*``,
``last.ckpt``), ``eval/step-*/`` (validation audio and plots), ``export/`` and the MLflow run
id. Running again with the same run directory resumes from the last readable checkpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import yaml
from omegaconf import DictConfig, OmegaConf

from rocktop.common.atomic import atomic_write_text
from rocktop.training import builders, tracking
from rocktop.training.checkpointing import (
    LAST,
    AtomicCheckpointIO,
    checkpoint_callbacks,
    resume_checkpoint,
)
from rocktop.training.export import export_voice

log = logging.getLogger(__name__)

CONFIG_FILE = "config.yaml"


@dataclass
class TrainResult:
    """What a finished run left behind."""

    run_dir: Path
    steps: int
    resumed_from: Path | None
    best_checkpoint: Path | None
    exports: dict[str, Path] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def save_config(cfg: DictConfig, run_dir: Path) -> Path:
    """Write the resolved config as ``config.yaml`` (atomic); warn when it changed."""
    text = yaml.safe_dump(builders.resolved(cfg), sort_keys=False)
    path = run_dir / CONFIG_FILE
    if path.is_file() and path.read_text(encoding="utf-8") != text:
        log.warning("%s: config differs from the previous run; saving the new one", path)
    atomic_write_text(path, text)
    return path


def _loggers(cfg: DictConfig, run_dir: Path) -> list[Any]:
    from hydra.utils import instantiate

    if cfg.logger is None:
        return []
    extra: dict[str, Any] = {}
    if "MLFlowLogger" in str(cfg.logger.get("_target_", "")):
        extra["run_id"] = tracking.saved_run_id(run_dir)
    return [instantiate(cfg.logger, **extra)]


def _callbacks(cfg: DictConfig, ckpt_dir: Path) -> list[Any]:
    from lightning.pytorch.callbacks import EarlyStopping

    c = cfg.callbacks
    callbacks: list[Any] = list(
        checkpoint_callbacks(
            ckpt_dir, c.checkpoint.keep_last, c.checkpoint.monitor, c.checkpoint.mode
        )
    )
    if c.early_stopping.enabled and c.checkpoint.monitor:
        callbacks.append(
            EarlyStopping(
                monitor=c.checkpoint.monitor,
                mode=c.checkpoint.mode,
                patience=c.early_stopping.patience,
                min_delta=c.early_stopping.min_delta,
                check_on_train_epoch_end=False,
            )
        )
    return callbacks


def _log_params(loggers: list[Any], cfg: DictConfig, datamodule: Any, run_dir: Path) -> None:
    splits = datamodule.splits
    files = [c.wav for c in splits.train + splits.val] + [c.feature for c in splits.train]
    params = tracking.run_params(builders.resolved(cfg), tracking.dataset_hash(files))
    for lg in loggers:
        lg.log_hyperparams(params)
    tracking.remember_run_id(loggers, run_dir)


def train(cfg: DictConfig) -> TrainResult:
    """Train (or resume) the run described by ``cfg``; export at the end when enabled."""
    from hydra.utils import instantiate

    run_dir = Path(cfg.paths.run_dir)
    ckpt_dir = run_dir / "checkpoints"
    run_dir.mkdir(parents=True, exist_ok=True)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = builders.build_datamodule(cfg)
    datamodule.setup("fit")
    module = builders.build_module(cfg, run_dir / "eval")
    loggers = _loggers(cfg, run_dir)
    callbacks = _callbacks(cfg, ckpt_dir)
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=callbacks, logger=loggers or False, plugins=[AtomicCheckpointIO()]
    )
    resume = resume_checkpoint(ckpt_dir)
    if trainer.global_rank == 0:
        save_config(cfg, run_dir)
        if resume is None:
            _log_params(loggers, cfg, datamodule, run_dir)
    log.info("run %s: %s", run_dir, f"resuming from {resume}" if resume else "fresh start")
    trainer.fit(module, datamodule=datamodule, ckpt_path=resume, weights_only=True)
    trainer.save_checkpoint(ckpt_dir / LAST)
    best = _best(callbacks)
    result = TrainResult(run_dir, trainer.global_step, resume, best)
    result.metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if v.numel() == 1}
    if cfg.export.enabled and trainer.global_rank == 0:
        result.exports = export_run_module(cfg, module.generator, datamodule, run_dir, loggers)
    return result


def _best(callbacks: list[Any]) -> Path | None:
    for cb in callbacks:
        if getattr(cb, "monitor", None) not in (None, "step") and cb.best_model_path:
            return Path(cb.best_model_path)
    return None


def export_run_module(
    cfg: DictConfig, generator: Any, datamodule: Any, run_dir: Path, loggers: list[Any]
) -> dict[str, Path]:
    """Export ``generator`` under ``run_dir/export`` and log the files to MLflow."""
    provenance = {
        "rocktop_version": tracking.run_params({}, "")["rocktop.version"],
        "run": str(run_dir),
        "f0_method": cfg.features.f0_method,
    }
    out_dir = run_dir / "export"
    exports = export_voice(
        generator,
        out_dir,
        cfg.name,
        list(cfg.export.formats),
        datamodule.splits.train,
        cfg.features.content_encoder,
        provenance,
    )
    if exports:
        tracking.log_artifact_dir(loggers, out_dir, "export")
        if cfg.export.register_model:
            tracking.register_model(loggers, "export", cfg.export.register_model)
    return exports


def load_run_config(run_dir: Path) -> DictConfig:
    """The resolved config saved in a run directory."""
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        from rocktop.training.layout import LayoutError

        raise LayoutError(f"{run_dir}: not a training run (no {CONFIG_FILE})")
    cfg = OmegaConf.create(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert isinstance(cfg, DictConfig)
    return cfg
