"""Feature extraction for a dataset: content units + F0 per clip, through the cache.

Each clip is decoded, mixed to mono and resampled to 16 kHz; content units (50 fps) and F0
(100 fps, Hz) are looked up in the ``FeatureCache`` by content hash and computed only when
missing, so a rerun (or another shard) computes nothing twice. Optionally the RVC training
layout of spec §7.2 is written too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rocktop.features.cache import FeatureCache, audio_digest, cache_key
from rocktop.features.content.base import ContentEncoder
from rocktop.features.dataset import Clip
from rocktop.features.pitch.base import PitchExtractor
from rocktop.features.rvc_layout import write_rvc_clip

SAMPLE_RATE_16K = 16_000


@dataclass(frozen=True)
class ExtractSettings:
    """What to extract and where (hashable, so worker processes can memoise the models)."""

    content: str = "contentvec"
    f0: str = "rmvpe"
    version: str = "v2"
    device: str = "cpu"
    dtype: str = "float32"
    weights_dir: Path | None = None
    cache_dir: Path = Path(".cache/features")
    export_dir: Path | None = None
    export_sample_rate: int = 48_000


@dataclass(frozen=True)
class Extractors:
    content: ContentEncoder
    pitch: PitchExtractor


@functools.lru_cache(maxsize=1)
def build_extractors(settings: ExtractSettings) -> Extractors:
    """Load both models once per process (a worker reuses them for all its clips)."""
    from rocktop.features.content import get_content_encoder
    from rocktop.features.pitch import get_pitch_extractor

    content = get_content_encoder(
        settings.content,
        version=settings.version,
        weights_dir=settings.weights_dir,
        device=settings.device,
        dtype=settings.dtype,
    )
    pitch = get_pitch_extractor(
        settings.f0, device=settings.device, weights_dir=settings.weights_dir, dtype=settings.dtype
    )
    return Extractors(content, pitch)


def _cached(
    cache: FeatureCache,
    extractor: ContentEncoder | PitchExtractor,
    audio_sha: str,
    compute: Callable[[], np.ndarray],
    source: Path,
) -> tuple[np.ndarray, bool]:
    params = extractor.params()
    key = cache_key(audio_sha, extractor.name, params, extractor.weights_sha256)
    provenance = {
        "extractor": extractor.name,
        "params": params,
        "weights_sha256": extractor.weights_sha256,
        "audio_sha256": audio_sha,
        "sample_rate": SAMPLE_RATE_16K,
        "source": str(source),
    }
    return cache.get_or_compute(key, compute, provenance)


def extract_clip(
    clip: Clip, extractors: Extractors, cache: FeatureCache, settings: ExtractSettings
) -> dict[str, str]:
    """Content units and F0 of one clip via the cache; ``{"content"|"f0": "hit"|"computed"}``."""
    from rocktop.audio import io
    from rocktop.audio.resample import resample

    audio = io.load(clip.path)
    mono = audio.mono()
    wav16 = resample(mono, audio.sample_rate, SAMPLE_RATE_16K)
    audio_sha = audio_digest(wav16, SAMPLE_RATE_16K)
    content, content_hit = _cached(
        cache, extractors.content, audio_sha, lambda: extractors.content.encode(wav16), clip.path
    )
    f0, f0_hit = _cached(
        cache,
        extractors.pitch,
        audio_sha,
        lambda: extractors.pitch.extract(wav16, SAMPLE_RATE_16K),
        clip.path,
    )
    if settings.export_dir is not None:
        write_rvc_clip(
            settings.export_dir, clip.id, mono, audio.sample_rate, wav16, content, f0,
            settings.export_sample_rate,
        )  # fmt: skip
    return {
        "content": "hit" if content_hit else "computed",
        "f0": "hit" if f0_hit else "computed",
    }


def extract_one(clip: Clip, settings: ExtractSettings) -> dict[str, str]:
    """``run_batch`` entry point: models from ``build_extractors`` (memoised per process)."""
    return extract_clip(
        clip, build_extractors(settings), FeatureCache(settings.cache_dir), settings
    )
