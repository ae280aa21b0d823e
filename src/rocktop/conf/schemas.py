"""Dataclass schemas of the training config (Hydra structured configs).

They give the YAML tree types and required values (``???``): a typo in a key or a string
where a number belongs fails at compose time, naming the key. Registered on Hydra's
ConfigStore by ``register_schemas`` (called by the compose helper, never at import).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MISSING = "???"


@dataclass
class DataSchema:
    """Where the clips are and how they are batched (frames at 100 fps)."""

    dir: str = MISSING
    layout_dir: str | None = None
    manifest: str | None = None
    cache_dir: str | None = None
    batch_size: int = 4
    num_workers: int = 2
    max_frames: int = 900
    val_max_frames: int = 1000
    val_count: int = 2
    boundaries: list[int] = field(
        default_factory=lambda: [100, 200, 300, 400, 500, 600, 700, 800, 900]
    )


@dataclass
class DiscriminatorSchema:
    periods: list[int] | None = None
    channel_divisor: int = 1


@dataclass
class ModelSchema:
    """Architecture (RVC preset + field overrides), spectrogram geometry, pretrained files."""

    version: str = "v2"
    sample_rate: int = 48_000
    f0: bool = True
    n_fft: int = 2048
    hop_length: int = 480
    win_length: int = 2048
    n_mels: int = 128
    segment_size: int = 17_280
    overrides: dict[str, Any] = field(default_factory=dict)
    discriminator: DiscriminatorSchema = field(default_factory=DiscriminatorSchema)
    pretrained_g: str | None = None
    pretrained_d: str | None = None


@dataclass
class FeaturesSchema:
    """Which extractors made (or will make) the features; recorded in exports."""

    content_encoder: str = "contentvec"
    f0_method: str = "rmvpe"


@dataclass
class OptimSchema:
    learning_rate: float = 1e-4
    betas: list[float] = field(default_factory=lambda: [0.8, 0.99])
    eps: float = 1e-9
    weight_decay: float = 0.01
    lr_decay: float = 0.999875
    grad_clip_norm: float | None = None


@dataclass
class LossSchema:
    c_mel: float = 45.0
    c_kl: float = 1.0


@dataclass
class CheckpointSchema:
    keep_last: int = 3
    monitor: str | None = "val/mel_l1"
    mode: str = "min"


@dataclass
class EarlyStoppingSchema:
    enabled: bool = False
    patience: int = 5
    min_delta: float = 0.0


@dataclass
class CallbacksSchema:
    checkpoint: CheckpointSchema = field(default_factory=CheckpointSchema)
    early_stopping: EarlyStoppingSchema = field(default_factory=EarlyStoppingSchema)
    evaluation: Any = None


@dataclass
class ExportSchema:
    enabled: bool = True
    formats: list[str] = field(default_factory=lambda: ["safetensors", "pth", "index"])
    register_model: str | None = None


@dataclass
class PathsSchema:
    runs_root: str = "runs"
    run_dir: str = MISSING
    cache_dir: str = MISSING


@dataclass
class TrainSchema:
    """The root: every group plus the run-level settings."""

    name: str = MISSING
    seed: int = 1234
    steps: int = 20_000
    save_every_steps: int = 1000
    speaker_id: int = 0
    torch_threads: int | None = None
    data: DataSchema = field(default_factory=DataSchema)
    features: FeaturesSchema = field(default_factory=FeaturesSchema)
    model: ModelSchema = field(default_factory=ModelSchema)
    optim: OptimSchema = field(default_factory=OptimSchema)
    loss: LossSchema = field(default_factory=LossSchema)
    callbacks: CallbacksSchema = field(default_factory=CallbacksSchema)
    export: ExportSchema = field(default_factory=ExportSchema)
    paths: PathsSchema = field(default_factory=PathsSchema)
    trainer: Any = None
    logger: Any = None


def register_schemas() -> None:
    """Store the root schema as ``train_schema`` on Hydra's ConfigStore (idempotent)."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="train_schema", node=TrainSchema)
