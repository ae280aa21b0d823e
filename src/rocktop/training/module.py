"""The LightningModule: RVC's GAN recipe with manual optimization of G and D (spec §7.5-§7.7).

One training step: generator forward (posterior -> flow -> random slice -> decoder), D step
on the detached slice (LSGAN), G step (adversarial + 2 x feature matching + c_mel x mel L1 +
c_kl x KL). AdamW for both, ``ExponentialLR(lr_decay)`` stepped once per epoch. Gradient
norms are measured (and optionally clipped) in ``on_before_optimizer_step``, i.e. after
Lightning's mixed-precision unscale. The module receives built networks (dependency
injection); it never sees a config object.
"""

from __future__ import annotations

import random
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from torch import nn

from rocktop.models.rvc.discriminators import MultiPeriodDiscriminator
from rocktop.models.rvc.synthesizer import Synthesizer, slice_segments
from rocktop.training.batching import Batch
from rocktop.training.evaluate import ClipEvaluator, ValClip
from rocktop.training.losses import (
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
    kl_loss,
    mel_l1_loss,
)
from rocktop.training.spectral import MelSpectrogram
from rocktop.training.tracking import log_artifact_dir


@dataclass(frozen=True)
class OptimSettings:
    """RVC's optimizer and schedule (spec §7.5); ``grad_clip_norm`` None = measure only."""

    learning_rate: float = 1e-4
    betas: tuple[float, float] = (0.8, 0.99)
    eps: float = 1e-9
    weight_decay: float = 0.01
    lr_decay: float = 0.999875
    grad_clip_norm: float | None = None


@dataclass(frozen=True)
class LossWeights:
    """Loss weights (spec §7.6)."""

    c_mel: float = 45.0
    c_kl: float = 1.0


class VoiceLitModule(L.LightningModule):
    """Trains an RVC synthesizer against a multi-period discriminator.

    Args:
        generator: the synthesizer built ``with_posterior=True``.
        discriminator: the multi-period discriminator.
        mel: RVC's mel transform at the model's rate/hop (its ``mel`` maps linear specs).
        segment_frames: decoder slice in frames (``segment_size // hop``; 36 for v2 48k).
        optim: optimizer settings.
        loss_weights: loss weights.
        evaluator: per-checkpoint metrics on the validation clips (None: mel L1 only).
        artifact_dir: where validation audio/plots go (``<dir>/step-XXXXXXXX``); rank 0 only.
        eval_seed: seed of the resynthesis noise, so evaluations compare like with like.
    """

    def __init__(
        self,
        generator: Synthesizer,
        discriminator: MultiPeriodDiscriminator,
        mel: MelSpectrogram,
        segment_frames: int,
        optim: OptimSettings | None = None,
        loss_weights: LossWeights | None = None,
        evaluator: ClipEvaluator | None = None,
        artifact_dir: Path | None = None,
        eval_seed: int = 1234,
    ) -> None:
        super().__init__()
        if generator.enc_q is None:
            raise ValueError("the generator must be built with_posterior=True for training")
        self.automatic_optimization = False
        self.generator = generator
        self.discriminator = discriminator
        self.mel = mel
        self.segment_frames = segment_frames
        self.optim = optim or OptimSettings()
        self.loss_weights = loss_weights or LossWeights()
        self.evaluator = evaluator
        self.artifact_dir = artifact_dir
        self.eval_seed = eval_seed
        self.skipped_clips = 0
        self.start_step = 0
        self._val_clips: list[ValClip] = []

    # -- optimisation ------------------------------------------------------------------------

    def configure_optimizers(self) -> Any:
        o = self.optim

        def adamw(module: nn.Module) -> torch.optim.AdamW:
            return torch.optim.AdamW(
                module.parameters(),
                o.learning_rate,
                betas=o.betas,
                eps=o.eps,
                weight_decay=o.weight_decay,
            )

        opt_g, opt_d = adamw(self.generator), adamw(self.discriminator)
        sched = [torch.optim.lr_scheduler.ExponentialLR(opt, o.lr_decay) for opt in (opt_g, opt_d)]
        return [opt_g, opt_d], [{"scheduler": s, "interval": "epoch"} for s in sched]

    def on_before_optimizer_step(self, optimizer: torch.optim.Optimizer) -> None:
        """Measure (and optionally clip) the gradient norm of the network being stepped."""
        opt_g = self.optimizers(use_pl_optimizer=False)[0]  # type: ignore[index]
        net, name = (self.generator, "g") if optimizer is opt_g else (self.discriminator, "d")
        limit = self.optim.grad_clip_norm
        norm = torch.nn.utils.clip_grad_norm_(net.parameters(), limit or float("inf"))
        self.log(f"grad_norm/{name}", norm.float(), on_step=True, on_epoch=False)

    def _step_uncounted(self, optimizer: Any) -> None:
        """Step D through the strategy (mixed-precision scaler, hooks) without advancing
        ``global_step``, so one training step = one batch = one G step (as RVC counts)."""
        self.trainer.strategy.optimizer_step(optimizer.optimizer, lambda: None, model=self)

    def on_train_start(self) -> None:
        self.start_step = self.global_step  # > 0 when resumed from a checkpoint

    def on_train_epoch_end(self) -> None:
        for scheduler in self.lr_schedulers():  # type: ignore[union-attr]
            scheduler.step()

    # -- steps -------------------------------------------------------------------------------

    def transfer_batch_to_device(
        self, batch: Batch | None, device: torch.device, dataloader_idx: int
    ) -> Batch | None:
        return None if batch is None else batch.to(device)

    def training_step(self, batch: Batch | None, batch_idx: int) -> None:
        started = time.perf_counter()
        if batch is None:
            return
        self.skipped_clips += batch.skipped
        opt_g, opt_d = self.optimizers()  # type: ignore[attr-defined]
        out = self.generator(
            batch.phone,
            batch.lengths,
            batch.pitch,
            batch.pitchf,
            batch.spec,
            batch.lengths,
            batch.sid,
            self.segment_frames,
        )
        hop = self.generator.hop_length
        wave = slice_segments(batch.wave, out.ids_slice * hop, self.segment_frames * hop)
        mel_real = slice_segments(self.mel.mel(batch.spec), out.ids_slice, self.segment_frames)
        with torch.autocast(device_type=self.device.type, enabled=False):
            mel_fake = self.mel(out.audio.float())

        real, fake, _, _ = self.discriminator(wave, out.audio.detach())
        loss_d, _, _ = discriminator_loss(real, fake)
        opt_d.zero_grad()
        self.manual_backward(loss_d)
        self._step_uncounted(opt_d)

        _, fake, fmap_real, fmap_fake = self.discriminator(wave, out.audio)
        losses = {
            "adv": generator_adversarial_loss(fake),
            "fm": feature_matching_loss(fmap_real, fmap_fake),
            "mel": mel_l1_loss(mel_real, mel_fake) * self.loss_weights.c_mel,
            "kl": kl_loss(out.z_p, out.logs_q, out.m_p, out.logs_p, out.y_mask)
            * self.loss_weights.c_kl,
        }
        loss_g = sum(losses.values(), torch.zeros((), device=self.device))
        opt_g.zero_grad()
        self.manual_backward(loss_g)
        opt_g.step()
        self._log_step(loss_d, loss_g, losses, len(batch.names), time.perf_counter() - started)

    def _log_step(
        self,
        loss_d: torch.Tensor,
        loss_g: torch.Tensor,
        parts: dict[str, torch.Tensor],
        batch_size: int,
        seconds: float,
    ) -> None:
        metrics = {"train/loss_d": loss_d.detach(), "train/loss_g": loss_g.detach()}
        metrics |= {f"train/loss_{k}": v.detach() for k, v in parts.items()}
        metrics["train/mel_l1"] = parts["mel"].detach() / max(self.loss_weights.c_mel, 1e-12)
        metrics["lr"] = torch.tensor(self.optimizers()[0].param_groups[0]["lr"])  # type: ignore[index]
        metrics["perf/step_time_s"] = torch.tensor(seconds)
        metrics["perf/peak_rss_mb"] = torch.tensor(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        )
        if torch.cuda.is_available():
            metrics["perf/cuda_peak_mb"] = torch.tensor(torch.cuda.max_memory_allocated() / 2**20)
        metrics["data/skipped_clips"] = torch.tensor(float(self.skipped_clips))
        self.log_dict(metrics, on_step=True, on_epoch=False, batch_size=batch_size)

    # -- validation = per-checkpoint evaluation ---------------------------------------------

    def on_validation_epoch_start(self) -> None:
        self._val_clips = []

    def validation_step(self, batch: Batch | None, batch_idx: int) -> None:
        if batch is None:
            return
        gen = torch.Generator(device=self.device).manual_seed(self.eval_seed + batch_idx)
        audio = self.generator.infer(
            batch.phone, batch.lengths, batch.pitch, batch.pitchf, batch.sid, generator=gen
        )
        mel_l1 = mel_l1_loss(self.mel(batch.wave.float()), self.mel(audio.float()))
        self.log("val/mel_l1", mel_l1, on_epoch=True, batch_size=len(batch.names), sync_dist=True)
        hop, sr = self.generator.hop_length, self.generator.config.sampling_rate
        for i, name in enumerate(batch.names):
            n = int(batch.lengths[i])
            f0 = batch.pitchf[i, :n] if batch.pitchf is not None else torch.zeros(n)
            self._val_clips.append(
                ValClip(
                    name,
                    audio[i, 0, : n * hop].float().cpu().numpy(),
                    batch.wave[i, 0, : n * hop].float().cpu().numpy(),
                    f0.float().cpu().numpy(),
                    sr,
                )
            )

    def on_validation_epoch_end(self) -> None:
        if self.evaluator is None or not self._val_clips or self.trainer.sanity_checking:
            return
        out_dir = None
        if self.artifact_dir is not None and self.global_rank == 0:
            out_dir = self.artifact_dir / f"step-{self.global_step:08d}"
        metrics = self.evaluator.evaluate(self._val_clips, out_dir)
        if metrics:
            self.log_dict(metrics, on_epoch=True, sync_dist=True)
        if out_dir is not None and out_dir.is_dir():
            log_artifact_dir(self.loggers, out_dir, f"eval/{out_dir.name}")
        self._val_clips = []

    # -- checkpoint extras -------------------------------------------------------------------

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Add every RNG state (torch, CUDA, numpy, random) and the skipped-clip count."""
        checkpoint["rocktop_rng"] = {
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": _numpy_state(),
            "python": random.getstate(),
        }
        checkpoint["rocktop_skipped_clips"] = self.skipped_clips

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        state = checkpoint.get("rocktop_rng")
        if state:
            torch.set_rng_state(state["torch"])
            if state["cuda"] and torch.cuda.is_available():
                torch.cuda.set_rng_state_all(state["cuda"])
            _set_numpy_state(state["numpy"])
            random.setstate(state["python"])
        self.skipped_clips = int(checkpoint.get("rocktop_skipped_clips", 0))


def _numpy_state() -> dict[str, Any]:
    """numpy's legacy RNG state as tensors/ints (loadable with ``weights_only=True``)."""
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "name": str(name),
        "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached": float(cached),
    }


def _set_numpy_state(state: dict[str, Any]) -> None:
    keys = state["keys"].numpy().astype(np.uint32)
    np.random.set_state((state["name"], keys, state["pos"], state["has_gauss"], state["cached"]))
