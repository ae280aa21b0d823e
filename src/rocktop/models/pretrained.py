"""Pretrained RVC generators (``f0G48k.pth`` ...; spec §7.8) for fine-tuning.

These files are ``{"model": state_dict, ...}`` with ``enc_q`` included and no config list:
the caller says which architecture they are (``rocktop.models.rvc.preset``).
"""

from __future__ import annotations

import os
from pathlib import Path

from rocktop.models.rvc.config import SynthesizerConfig
from rocktop.models.rvc.state import StateDictError, load_weights
from rocktop.models.rvc.synthesizer import Synthesizer
from rocktop.models.voice import VoiceFileError
from rocktop.models.voice_files import read_torch_file


def load_pretrained_generator(
    path: str | os.PathLike[str], config: SynthesizerConfig
) -> Synthesizer:
    """A trainable ``Synthesizer`` (with ``enc_q``) holding a pretrained G's weights (fp32).

    Read with ``weights_only=True``; either weight-norm spelling is accepted; every key and
    shape must fit ``config`` (a v1/v2 or sample-rate mix-up names the first bad key).
    """
    path = Path(path)
    ckpt = read_torch_file(path)
    state = ckpt.get("model") if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        hint = (
            " (a voice file: use VoiceModel.load)"
            if isinstance(ckpt, dict) and "weight" in ckpt
            else ""
        )
        raise VoiceFileError(f"{path}: not a pretrained generator: no 'model' state dict{hint}")
    model = Synthesizer(config, with_posterior=True)
    try:
        load_weights(model, {k: v.float() for k, v in state.items()}, str(path))
    except StateDictError as exc:
        raise VoiceFileError(str(exc)) from None
    return model.float()
