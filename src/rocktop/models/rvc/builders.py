"""Turn typed configs (or RVC config lists) into synthesizers: the one bridge from config."""

from __future__ import annotations

from typing import Any

import torch

from rocktop.models.rvc.config import SynthesizerConfig, from_rvc_config
from rocktop.models.rvc.layers import fold_weight_norm
from rocktop.models.rvc.synthesizer import Synthesizer


def build_synthesizer(
    config: SynthesizerConfig,
    with_posterior: bool = False,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    seed: int | None = None,
) -> Synthesizer:
    """A randomly initialised synthesizer (``seed`` makes the initialisation repeatable)."""
    if seed is not None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = Synthesizer(config, with_posterior=with_posterior)
    else:
        model = Synthesizer(config, with_posterior=with_posterior)
    return model.to(device=device, dtype=dtype)


def build_from_rvc_config(
    config: list[Any], version: str, f0: bool, with_posterior: bool = False
) -> Synthesizer:
    """RVC's own build path: ``cls(*config)`` chosen by ``(version, f0)`` (spec §1 loader)."""
    return Synthesizer(from_rvc_config(config, version, f0), with_posterior=with_posterior)


def prepare_for_inference(
    model: Synthesizer,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
    fold: bool = True,
    channels_last: bool = True,
) -> Synthesizer:
    """Drop ``enc_q``, optionally fold weight norm (and then run the decoder as channels-last
    2-D convolutions, about 2x faster on CPU), move and cast, ``eval()``. Under bfloat16 the
    decoder's last stage stays float32 (``Generator.cast_keeping_tail_float32``)."""
    model.enc_q = None
    if fold:
        fold_weight_norm(model)
        if channels_last:
            model.dec.use_channels_last_2d()
    if dtype != torch.bfloat16:
        return model.to(device=device, dtype=dtype).eval()
    dec = model.dec
    for child in model.children():
        if child is not dec:
            child.to(device=device, dtype=dtype)
    dec.to(device=device).cast_keeping_tail_float32(dtype)
    return model.eval()
