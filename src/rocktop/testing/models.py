"""Tiny RVC synthesizers (same code as the real ones, small channels) for tests and examples."""

from __future__ import annotations

from dataclasses import replace

from rocktop.models.rvc.builders import build_synthesizer
from rocktop.models.rvc.config import SynthesizerConfig, preset
from rocktop.models.rvc.synthesizer import Synthesizer


def tiny_synthesizer_config(
    version: str = "v2",
    sample_rate: int = 48_000,
    f0: bool = True,
    speakers: int = 4,
    content_dim: int | None = None,
) -> SynthesizerConfig:
    """RVC's preset for ``version``/``sample_rate`` with tiny channels (~100k parameters).

    ``content_dim`` overrides the version's 256/768 (e.g. to match ``tiny_contentvec``).
    """
    base = preset(version, sample_rate, f0)
    return replace(
        base,
        content_dim=content_dim or base.content_dim,
        spec_channels=33,
        inter_channels=8,
        hidden_channels=16,
        filter_channels=32,
        n_layers=2,
        upsample_initial_channel=32,
        resblock_kernel_sizes=(3,),
        resblock_dilation_sizes=((1, 3, 5),),
        spk_embed_dim=speakers,
        gin_channels=8,
    )


def tiny_synthesizer(
    version: str = "v2",
    sample_rate: int = 48_000,
    f0: bool = True,
    with_posterior: bool = False,
    seed: int = 0,
    content_dim: int | None = None,
) -> Synthesizer:
    """A randomly initialised tiny synthesizer, repeatable by ``seed``, in eval mode."""
    config = tiny_synthesizer_config(version, sample_rate, f0, content_dim=content_dim)
    return build_synthesizer(config, with_posterior=with_posterior, seed=seed).eval()
