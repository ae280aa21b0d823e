"""``load_converter``: the one way the CLI, the service and evaluation build a ``Converter``."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import torch

from rocktop.common.allocator import release_free_memory
from rocktop.features.content.base import ContentEncoder
from rocktop.features.pitch.base import PitchExtractor
from rocktop.features.torch_utils import resolve_device, resolve_dtype
from rocktop.inference.pipeline import Converter, PitchFactory
from rocktop.models.index import RetrievalIndex
from rocktop.models.voice import VoiceModel

PathLike = str | os.PathLike[str]


def _build_pitch(
    name: str, device: str, weights_dir: PathLike | None, dtype: str
) -> PitchExtractor:
    from rocktop.features.pitch import get_pitch_extractor

    return get_pitch_extractor(name, device=device, weights_dir=weights_dir, dtype=dtype)


def pitch_dtype_for(dtype: torch.dtype) -> torch.dtype:
    """The pitch extractor's precision for a synthesizer precision: float32 under bfloat16.

    bf16 RMVPE moves the F0 enough to be heard: on 15 s of speech the output's SNR against
    all-fp32 was 8 dB with bf16 F0 and 30 dB with fp32 F0 and a bf16 synthesizer. fp16 (GPU)
    stays fp16, as in RVC.
    """
    return torch.float32 if dtype == torch.bfloat16 else dtype


def find_index_for(model_path: PathLike) -> Path | None:
    """RVC's auto-selection: the first ``*.index`` beside the model whose name contains the
    model's stem and not ``trained`` (spec §6); None when there is none."""
    model = Path(model_path)
    for candidate in sorted(model.parent.glob("*.index")):
        if model.stem in candidate.name and "trained" not in candidate.name:
            return candidate
    return None


def load_converter(
    model_path: PathLike,
    index_path: PathLike | None = None,
    *,
    device: str = "cpu",
    dtype: str | torch.dtype = "float32",
    weights_dir: PathLike | None = None,
    content_encoder: ContentEncoder | None = None,
    pitch_extractors: PitchFactory | None = None,
    content_dtype: str | torch.dtype | None = None,
) -> Converter:
    """Load a voice (``.pth``/``.safetensors``), its content encoder, pitch extractors and index.

    Args:
        model_path: voice file.
        index_path: ``added_*.index`` file, or None for no retrieval.
        device: ``cpu``, ``cuda[:N]`` or ``auto``.
        dtype: synthesizer precision (``float32``, ``float16`` on GPU, ``bfloat16``; under
            ``bfloat16`` pitch extraction and the decoder's last stage stay ``float32``).
        weights_dir: assets folder with ``hubert_base*`` and ``rmvpe.pt`` (default: the
            assets dir); missing weights raise ``MissingAssetError`` naming the fetch command.
        content_encoder, pitch_extractors: injected components (tests, benchmarks, services
            that share one encoder between voices); built from the registries when None.
        content_dtype: content-encoder precision (default: ``dtype``).
    """
    device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype)
    voice = VoiceModel.load(Path(model_path))
    if content_encoder is None:
        from rocktop.features.content import get_content_encoder

        content_encoder = get_content_encoder(
            voice.metadata.content_encoder,
            version=voice.version,
            weights_dir=weights_dir,
            device=device,
            dtype=resolve_dtype(content_dtype or torch_dtype),
        )
    if pitch_extractors is None:
        dtype_name = str(pitch_dtype_for(torch_dtype)).removeprefix("torch.")
        pitch_extractors = functools.partial(
            _build_pitch, device=device, weights_dir=weights_dir, dtype=dtype_name
        )
    index = RetrievalIndex.load(Path(index_path)) if index_path is not None else None
    converter = Converter(voice, content_encoder, pitch_extractors, index, device, torch_dtype)
    release_free_memory()  # loading's temporary copies (file tensors before the cast)
    return converter
