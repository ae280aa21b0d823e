"""The shipped Hydra tree: every experiment composes and instantiates; golden model sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra.errors import ConfigCompositionException
from omegaconf.errors import MissingMandatoryValue

from rocktop.conf import config_dir
from rocktop.testing.training import write_layout
from rocktop.training import builders

EXPERIMENTS = sorted(p.stem for p in (config_dir() / "experiment").glob("*.yaml"))
MODELS = sorted(p.stem for p in (config_dir() / "model").glob("*.yaml"))

# spec §1.2 "params incl. enc_q" (RVC's own classes); spec §7.7 for the discriminators.
GOLDEN_G = {
    "v2_48k": 37_638_466,
    "v2_40k": 36_458_818,
    "v2_32k": 36_880_706,
    "v1_48k": 36_400_834,
    "v1_40k": 36_360_514,
}
GOLDEN_D = {"v1": 54_968_286, "v2": 71_410_594}


def _count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_experiments_and_models_exist() -> None:
    assert "singer_48k_v2" in EXPERIMENTS
    assert set(MODELS) == {f"{v}_{k}k" for v in ("v1", "v2") for k in (32, 40, 48)}


@pytest.mark.parametrize("model", MODELS)
def test_model_configs_build_rvc_sized_networks(model: str) -> None:
    cfg = builders.compose_config([f"model={model}", "data.dir=/unused"])
    with torch.device("meta"):
        generator, discriminator = builders.build_networks(cfg.model)
    assert generator.hop_length == cfg.model.hop_length
    assert cfg.model.segment_size % cfg.model.hop_length == 0
    if model in GOLDEN_G:
        assert _count(generator) == GOLDEN_G[model]
    assert _count(discriminator) == GOLDEN_D[cfg.model.version]


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_and_instantiates(experiment: str, tmp_path: Path) -> None:
    write_layout(tmp_path / "data", clips=2, sample_rate=48_000, duration_s=0.3)
    cfg = builders.compose_config(
        [
            f"experiment={experiment}",
            f"data.dir={tmp_path / 'data'}",
            f"paths.run_dir={tmp_path / 'run'}",
            "trainer.accelerator=cpu",
            "trainer.precision=bf16-mixed",
            "logger=csv",
        ]
    )
    from hydra.utils import instantiate

    if cfg.model.sample_rate == 48_000:
        dm = builders.build_datamodule(cfg)
        dm.setup("fit")
        assert dm.train_set is not None and len(dm.train_set) >= 1
    with torch.device("meta"):
        module = builders.build_module(cfg, None)
    assert module.segment_frames == cfg.model.segment_size // cfg.model.hop_length
    trainer = instantiate(cfg.trainer, logger=False, enable_checkpointing=False)
    assert trainer.max_steps == cfg.steps
    assert instantiate(cfg.logger) is not None


def test_debug_fast_is_tiny() -> None:
    cfg = builders.compose_config(["debug=fast", "data.dir=/unused"])
    generator, discriminator = builders.build_networks(cfg.model)
    assert _count(generator) < 500_000 and _count(discriminator) < 500_000


def test_required_values_and_bad_overrides_fail_clearly() -> None:
    cfg = builders.compose_config([])
    with pytest.raises(MissingMandatoryValue, match="data.dir"):
        builders.build_datamodule(cfg)
    with pytest.raises(ConfigCompositionException):
        builders.compose_config(["model=v3_48k"])
    with pytest.raises(ConfigCompositionException):
        builders.compose_config(["steps=many"])
