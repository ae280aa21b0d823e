"""The LightningModule: one step updates G and D, overfitting one clip, pretrained loading."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch

from rocktop.models.rvc.state import StateDictError
from rocktop.models.rvc.synthesizer import slice_segments
from rocktop.testing.training import write_layout
from rocktop.training import builders
from rocktop.training.batching import Batch, collate
from rocktop.training.module import VoiceLitModule, _numpy_state, _set_numpy_state


def _setup(tmp_path: Path, overrides: list[str]) -> tuple[VoiceLitModule, object]:
    write_layout(tmp_path / "data", clips=2, sample_rate=48_000, duration_s=0.5)
    cfg = builders.compose_config(
        [
            "debug=fast",
            f"data.dir={tmp_path / 'data'}",
            f"paths.cache_dir={tmp_path / 'cache'}",
            "data.val_count=0",
            *overrides,
        ]
    )
    dm = builders.build_datamodule(cfg)
    dm.setup("fit")
    return builders.build_module(cfg, None), dm


def _trainer(steps: int, precision: str = "32") -> L.Trainer:
    return L.Trainer(
        max_steps=steps,
        precision=precision,  # type: ignore[arg-type]
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        use_distributed_sampler=False,
        limit_val_batches=0,
    )


def test_one_step_updates_both_networks_and_counts_one_step(tmp_path: Path) -> None:
    module, dm = _setup(tmp_path, ["callbacks.evaluation=null"])
    g0 = module.generator.enc_p.emb_phone.weight.detach().clone()
    d0 = module.discriminator.discriminators[0].conv_post.weight_v.detach().clone()
    trainer = _trainer(1)
    trainer.fit(module, datamodule=dm)  # type: ignore[arg-type]
    assert trainer.global_step == 1  # one G step + one D step = one training step
    assert not torch.equal(g0, module.generator.enc_p.emb_phone.weight)
    assert not torch.equal(d0, module.discriminator.discriminators[0].conv_post.weight_v)
    metrics = trainer.callback_metrics
    for key in ("train/loss_d", "train/loss_g", "train/loss_mel", "train/loss_kl", "grad_norm/g"):
        assert torch.isfinite(metrics[key]), key


@pytest.mark.parametrize("precision", ["bf16-mixed", "16-mixed"])
def test_mixed_precision_steps_are_finite(tmp_path: Path, precision: str) -> None:
    module, dm = _setup(tmp_path, ["callbacks.evaluation=null"])
    trainer = _trainer(1, precision)
    trainer.fit(module, datamodule=dm)  # type: ignore[arg-type]
    assert trainer.global_step == 1
    assert torch.isfinite(trainer.callback_metrics["train/loss_g"])
    assert all(torch.isfinite(p).all() for p in module.generator.parameters())


def test_grad_clipping_bounds_the_update(tmp_path: Path) -> None:
    module, dm = _setup(tmp_path, ["callbacks.evaluation=null", "optim.grad_clip_norm=1e-6"])
    trainer = _trainer(1)
    trainer.fit(module, datamodule=dm)  # type: ignore[arg-type]
    assert float(trainer.callback_metrics["grad_norm/g"]) > 1e-6  # measured before clipping


def _posterior_mel_l1(module: VoiceLitModule, batch: Batch) -> float:
    """Mel L1 of the training path (posterior -> decoder) with fixed noise and slice."""
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        out = module.generator(
            batch.phone,
            batch.lengths,
            batch.pitch,
            batch.pitchf,
            batch.spec,
            batch.lengths,
            batch.sid,
            module.segment_frames,
        )
        real = slice_segments(module.mel.mel(batch.spec), out.ids_slice, module.segment_frames)
        return float((module.mel(out.audio) - real).abs().mean())


@pytest.mark.slow
def test_tiny_model_overfits_one_clip(tmp_path: Path) -> None:
    write_layout(tmp_path / "data", clips=1, sample_rate=48_000, duration_s=0.6)
    cfg = builders.compose_config(
        [
            "debug=fast",
            f"data.dir={tmp_path / 'data'}",
            "data.val_count=0",
            "callbacks.evaluation=null",
            "optim.learning_rate=3e-3",
            "model.overrides.upsample_initial_channel=128",  # debug=fast: 2 channels at the end
            f"paths.cache_dir={tmp_path / 'cache'}",
        ]
    )
    L.seed_everything(0, verbose=False)  # the result must not depend on the test order
    dm = builders.build_datamodule(cfg)
    dm.setup("fit")
    module = builders.build_module(cfg, None)
    assert dm.train_set is not None
    batch = collate([dm.train_set[0]])
    assert batch is not None
    before = _posterior_mel_l1(module, batch)
    _trainer(60).fit(module, datamodule=dm)
    module.eval()
    after = _posterior_mel_l1(module, batch)
    assert after <= 0.5 * before, (before, after)


def test_pretrained_files_load_strictly(tmp_path: Path) -> None:
    cfg = builders.compose_config(["debug=fast", "data.dir=/unused"])
    g, d = builders.build_networks(cfg.model)
    torch.save({"model": {k: v.half() for k, v in g.state_dict().items()}}, tmp_path / "G.pth")
    torch.save({"model": d.state_dict(), "iteration": 1}, tmp_path / "D.pth")
    cfg.model.pretrained_g = str(tmp_path / "G.pth")
    cfg.model.pretrained_d = str(tmp_path / "D.pth")
    g2, d2 = builders.build_networks(cfg.model)
    for (k, v), v2 in zip(g.state_dict().items(), g2.state_dict().values(), strict=True):
        torch.testing.assert_close(v.half().float(), v2, msg=k)  # fp16 file, fp32 training
    for (k, v), v2 in zip(d.state_dict().items(), d2.state_dict().values(), strict=True):
        torch.testing.assert_close(v, v2, msg=k)
    bad = {k: v for k, v in g.state_dict().items() if "enc_q" not in k}
    torch.save({"model": bad}, tmp_path / "voice_not_pretrained.pth")
    cfg.model.pretrained_g = str(tmp_path / "voice_not_pretrained.pth")
    with pytest.raises(StateDictError, match="missing key 'enc_q"):
        builders.build_networks(cfg.model)


def test_numpy_rng_state_round_trips_as_tensors() -> None:
    np.random.seed(5)
    state = _numpy_state()
    expected = np.random.rand(3)
    np.random.rand(10)
    _set_numpy_state(state)
    np.testing.assert_array_equal(np.random.rand(3), expected)
    assert isinstance(state["keys"], torch.Tensor)
