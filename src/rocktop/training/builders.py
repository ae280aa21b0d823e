"""The one bridge from the composed config to typed objects (modules never see a config).

``compose_config`` composes the shipped Hydra tree with overrides; the ``build_*`` functions
turn its nodes into typed constructor arguments.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf

from rocktop.conf import config_dir
from rocktop.conf.schemas import register_schemas
from rocktop.models.rvc.config import SynthesizerConfig, preset
from rocktop.models.rvc.discriminators import MultiPeriodDiscriminator, periods_for
from rocktop.models.rvc.state import load_weights
from rocktop.models.rvc.synthesizer import Synthesizer
from rocktop.training.datamodule import VoiceDataModule
from rocktop.training.evaluate import ClipEvaluator
from rocktop.training.module import LossWeights, OptimSettings, VoiceLitModule
from rocktop.training.spectral import MelSpectrogram

log = logging.getLogger(__name__)


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose ``train.yaml`` with Hydra ``overrides`` (``key=value``, ``group=option``)."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_schemas()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(config_name="train", overrides=list(overrides or []))


def synthesizer_config(model: DictConfig) -> SynthesizerConfig:
    """RVC's preset for ``model.version``/``sample_rate`` with ``model.overrides`` applied."""
    base = preset(model.version, model.sample_rate, model.f0)
    overrides = OmegaConf.to_container(model.overrides, resolve=True) or {}
    assert isinstance(overrides, dict)
    fields = {str(k): v for k, v in overrides.items()}
    return replace(base, spec_channels=model.n_fft // 2 + 1, **fields)


def _pretrained_state(path: str) -> dict[str, torch.Tensor]:
    """The ``"model"`` state dict of an RVC pretrained G/D file (spec §7.8), weights only."""
    data = torch.load(path, map_location="cpu", weights_only=True)
    state = data.get("model", data) if isinstance(data, dict) else data
    return {k.removeprefix("module."): v.float() for k, v in state.items()}


def build_networks(model: DictConfig) -> tuple[Synthesizer, MultiPeriodDiscriminator]:
    """Generator (with ``enc_q``) and discriminator, from scratch or pretrained (strict)."""
    generator = Synthesizer(synthesizer_config(model), with_posterior=True)
    periods = model.discriminator.periods or periods_for(model.version)
    discriminator = MultiPeriodDiscriminator(
        tuple(periods), channel_divisor=model.discriminator.channel_divisor
    )
    for net, path in ((generator, model.pretrained_g), (discriminator, model.pretrained_d)):
        if path:
            load_weights(net, _pretrained_state(path), source=str(path))
            log.info("loaded pretrained %s from %s", type(net).__name__, path)
    return generator, discriminator


def build_module(cfg: DictConfig, artifact_dir: Path | None) -> VoiceLitModule:
    """The LightningModule for ``cfg`` (networks, mel, optimizer, losses, evaluator)."""
    from hydra.utils import instantiate

    m = cfg.model
    generator, discriminator = build_networks(m)
    mel = MelSpectrogram(m.sample_rate, m.n_fft, m.hop_length, m.n_mels, m.win_length)
    evaluator: ClipEvaluator | None = None
    if cfg.callbacks.evaluation is not None:
        evaluator = instantiate(cfg.callbacks.evaluation)
    o = cfg.optim
    return VoiceLitModule(
        generator,
        discriminator,
        mel,
        segment_frames=m.segment_size // m.hop_length,
        optim=OptimSettings(
            o.learning_rate,
            (o.betas[0], o.betas[1]),
            o.eps,
            o.weight_decay,
            o.lr_decay,
            o.grad_clip_norm,
        ),
        loss_weights=LossWeights(cfg.loss.c_mel, cfg.loss.c_kl),
        evaluator=evaluator,
        artifact_dir=artifact_dir,
        eval_seed=cfg.seed,
    )


def layout_dir(data: DictConfig) -> Path:
    """The RVC layout folder: ``data.layout_dir``, else ``data.dir`` or ``data.dir/rvc``."""
    if data.layout_dir:
        return Path(data.layout_dir)
    root = Path(data.dir)
    return root if (root / "0_gt_wavs").is_dir() else root / "rvc"


def manifest_path(data: DictConfig) -> Path | None:
    if data.manifest:
        return Path(data.manifest)
    candidate = Path(data.dir) / "metadata.jsonl"
    return candidate if candidate.is_file() else None


def build_datamodule(cfg: DictConfig) -> VoiceDataModule:
    d, m = cfg.data, cfg.model
    return VoiceDataModule(
        layout_dir=layout_dir(d),
        content_dim=synthesizer_config(m).content_dim,
        f0=m.f0,
        sample_rate=m.sample_rate,
        n_fft=m.n_fft,
        hop_length=m.hop_length,
        win_length=m.win_length,
        segment_frames=m.segment_size // m.hop_length,
        manifest=manifest_path(d),
        cache_dir=Path(d.cache_dir) if d.cache_dir else None,
        batch_size=d.batch_size,
        num_workers=d.num_workers,
        max_frames=d.max_frames,
        val_max_frames=d.val_max_frames,
        val_count=d.val_count,
        boundaries=tuple(d.boundaries),
        seed=cfg.seed,
        speaker_id=cfg.speaker_id,
    )


def resolved(cfg: DictConfig) -> dict[str, Any]:
    """The fully resolved config as plain containers (saved in the run directory)."""
    out = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(out, dict)
    return {str(k): v for k, v in out.items()}
