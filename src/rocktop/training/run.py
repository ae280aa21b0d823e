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
import torch
import yaml
from omegaconf import DictConfig, OmegaConf

from rocktop.common.atomic import atomic_write_text
from rocktop.training import builders, tracking
from rocktop.training.checkpointing import (
    LAST,
    AtomicCheckpointIO,
    checkpoint_callbacks,
    remove_stale_temporaries,
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
    start_step: int
    global_rank: int
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
        tracking.prepare_local_store(str(cfg.logger.tracking_uri))
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
    if cfg.torch_threads:
        torch.set_num_threads(int(cfg.torch_threads))
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = builders.build_datamodule(cfg)
    datamodule.setup("fit")
    module = builders.build_module(cfg, run_dir / "eval")
    loggers = _loggers(cfg, run_dir)
    callbacks = _callbacks(cfg, ckpt_dir)
    trainer: L.Trainer = instantiate(
        cfg.trainer, callbacks=callbacks, logger=loggers or False, plugins=[AtomicCheckpointIO()]
    )
    if trainer.global_rank == 0:
        remove_stale_temporaries(ckpt_dir)
    resume = resume_checkpoint(ckpt_dir)
    if trainer.global_rank == 0:
        save_config(cfg, run_dir)
        if resume is None:
            _log_params(loggers, cfg, datamodule, run_dir)
    log.info("run %s: %s", run_dir, f"resuming from {resume}" if resume else "fresh start")
    trainer.fit(module, datamodule=datamodule, ckpt_path=resume, weights_only=True)
    trainer.save_checkpoint(ckpt_dir / LAST)
    best = _best(callbacks)
    result = TrainResult(
        run_dir, trainer.global_step, module.start_step, trainer.global_rank, resume, best
    )
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


def pick_checkpoint(run_dir: Path, checkpoint: Path | None = None) -> Path:
    """``checkpoint`` if given, else the run's best, else its last readable checkpoint."""
    if checkpoint is not None:
        return checkpoint
    ckpt_dir = run_dir / "checkpoints"
    best = sorted(ckpt_dir.glob("best-*.ckpt"))
    chosen = best[-1] if best else resume_checkpoint(ckpt_dir)
    if chosen is None:
        from rocktop.training.layout import LayoutError

        raise LayoutError(f"{run_dir}: no readable checkpoint to export")
    return chosen


def export_run(
    run_dir: Path,
    checkpoint: Path | None = None,
    formats: list[str] | None = None,
    out_dir: Path | None = None,
) -> dict[str, Path]:
    """``rocktop train export RUN``: rebuild the generator from the run's config, load the
    chosen checkpoint's weights and export it (the same code path as the end of training)."""
    from rocktop.models.rvc.state import load_weights
    from rocktop.training.export import generator_state

    cfg = load_run_config(run_dir)
    cfg.model.pretrained_g = None
    cfg.model.pretrained_d = None
    generator, _ = builders.build_networks(cfg.model)
    path = pick_checkpoint(run_dir, checkpoint)
    load_weights(generator, generator_state(path), source=str(path))
    datamodule = builders.build_datamodule(cfg)
    datamodule.setup("fit")
    return export_voice(
        generator,
        out_dir or run_dir / "export",
        cfg.name,
        formats or list(cfg.export.formats),
        datamodule.splits.train if datamodule.splits else None,
        cfg.features.content_encoder,
        {"run": str(run_dir), "checkpoint": path.name, "f0_method": cfg.features.f0_method},
    )
