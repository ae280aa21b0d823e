"""Process one recording: prepare, detect speech, plan clips, score, write clips, embed.

The result of a source is cached atomically under ``DATA/.cache/sources/`` (clip WAVs first,
then embeddings, then the JSON that marks the source done), so a rerun skips it and a killed
run leaves nothing that looks finished.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rocktop import __version__
from rocktop.audio import export
from rocktop.audio.analysis import dc_offset
from rocktop.audio.edit import notch
from rocktop.audio.errors import AudioError
from rocktop.audio.limits import DecodeLimits
from rocktop.audio.resample import resample
from rocktop.audio.types import Audio
from rocktop.common.atomic import atomic_path, atomic_write_text
from rocktop.data import measures, qc
from rocktop.data.ingest import PreparedSource, SourceFile, load_prepared
from rocktop.data.segment import Interval, energy_envelope, plan_clips
from rocktop.data.settings import BuildSettings

logger = logging.getLogger(__name__)

CACHE_DIR = Path(".cache") / "sources"
VAD_RATE = 16_000  # silero-vad and resemblyzer both run at 16 kHz
PARTIALS_PER_S = 0.625  # tiled 1.6 s resemblyzer windows: half the default's compute
EMBED_DIM = 256


@dataclass(frozen=True)
class Models:
    """The two models a worker needs (silero-vad, resemblyzer), loaded once per process."""

    vad: Any
    encoder: Any


@functools.cache
def shared_models(vad_threshold: float) -> Models:
    """Load the models once per process (a per-process cache, not shared state)."""
    from rocktop.data.vad import SileroVAD
    from rocktop.features.speaker import SpeakerEncoder

    return Models(SileroVAD(threshold=vad_threshold), SpeakerEncoder(device="cpu"))


@dataclass
class SourceResult:
    """What one recording produced: its clips (records without dataset-wide fields) or an error."""

    source_id: str
    sha256: str
    key: str
    session: str
    error: str | None = None
    duration_s: float = 0.0
    source_sample_rate: int = 0
    mains_hz: float = 0.0
    clips: list[dict[str, Any]] = field(default_factory=list)
    embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, EMBED_DIM), np.float32))
    cached: bool = False  # found in the cache by this run (not stored)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("embeddings")
        data.pop("cached")
        return data


def source_key(source: SourceFile, settings: BuildSettings) -> str:
    """Cache key: the file's content and id, the speaker name, the processing parameters and
    the rocktop version (a new release re-measures)."""
    params = {"id": source.source_id, "sha256": source.sha256, "speaker": settings.speaker}
    params["rocktop"] = __version__
    params |= settings.processing_params()
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def cache_paths(out_dir: Path, session: str) -> tuple[Path, Path]:
    base = out_dir / CACHE_DIR / session
    return base.with_suffix(".json"), base.with_suffix(".npy")


def load_cached(out_dir: Path, session: str, key: str | None = None) -> SourceResult | None:
    """The cached result of ``session`` (None if absent, unreadable, or for another key)."""
    meta_path, emb_path = cache_paths(out_dir, session)
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
        result = SourceResult(**data)
        if key is not None and result.key != key:
            return None
        result.embeddings = np.load(emb_path) if result.clips else result.embeddings
    except (OSError, ValueError, TypeError):
        return None
    if result.embeddings.shape[0] != len(result.clips):
        return None
    return result


def save_cached(out_dir: Path, result: SourceResult) -> None:
    """Embeddings first, then the JSON: the JSON's presence means the source is done."""
    meta_path, emb_path = cache_paths(out_dir, result.session)
    if result.clips:
        with atomic_path(emb_path) as tmp:
            np.save(tmp, result.embeddings.astype(np.float32))
    atomic_write_text(meta_path, json.dumps(result.to_json(), indent=1))


def run_source(
    source: SourceFile, out_dir: Path, settings: BuildSettings, limits: DecodeLimits
) -> SourceResult:
    """Process ``source`` unless a result for the same key is cached; cache the outcome.

    Decode refusals (``AudioError``) become a cached result with ``error`` set; any other
    exception propagates (and is reported, not cached).
    """
    key = source_key(source, settings)
    cached = load_cached(out_dir, source.session, key)
    if cached is not None:
        cached.cached = True
        return cached
    result = SourceResult(source.source_id, source.sha256, key, source.session)
    try:
        prepared = load_prepared(source.path, settings.prep, limits)
    except AudioError as exc:
        result.error = str(exc)
    else:
        models = shared_models(settings.segment.vad_threshold)
        _process(prepared, result, out_dir, settings, models)
    save_cached(out_dir, result)
    return result


@dataclass(frozen=True)
class FileContext:
    """What the clips of one file share: speech intervals, mains, noise floor, quiet audio.

    Attributes:
        speech: VAD intervals, samples at the dataset rate.
        mains_hz: 50 or 60.
        noise_floor: mean power of the file's non-speech frames (None: too few of them).
        quiet: up to 30 s of the file's non-speech audio (hum fallback for busy clips).
    """

    speech: list[Interval]
    mains_hz: float
    noise_floor: float | None
    quiet: np.ndarray
    mono_16k: np.ndarray


def file_context(
    mono: np.ndarray, mono_16k: np.ndarray, sr: int, speech: list[Interval], mains: str
) -> FileContext:
    hop = int(sr * measures.FRAME_S)
    power = measures.frame_power(mono, hop)
    mask = measures.speech_frames(speech, 0, power.shape[0], hop)
    quiet = measures.non_speech(mono, mask, hop)[: 30 * sr]
    mains_hz = measures.detect_mains(quiet, sr) if mains == "auto" else float(mains)
    pauses = ~measures.guarded(mask)
    noise = float(np.mean(power[pauses])) if np.count_nonzero(pauses) >= 20 else None
    return FileContext(speech, mains_hz, noise, quiet, mono_16k)


def _process(
    prepared: PreparedSource,
    result: SourceResult,
    out_dir: Path,
    settings: BuildSettings,
    models: Models,
) -> None:
    sr, mono = prepared.sample_rate, prepared.mono
    hop = int(sr * measures.FRAME_S)
    mono_16k = resample(mono, sr, VAD_RATE, "HQ")
    scale = sr / VAD_RATE
    speech = [
        (int(round(s * scale)), min(int(round(e * scale)), mono.shape[-1]))
        for s, e in models.vad.speech(mono_16k, VAD_RATE)
    ]
    clips = plan_clips(
        speech, mono.shape[-1], energy_envelope(mono, hop), hop, sr, settings.segment
    )
    context = file_context(mono, mono_16k, sr, speech, settings.prep.mains)
    result.duration_s = mono.shape[-1] / sr
    result.source_sample_rate = prepared.source_rate
    result.mains_hz = context.mains_hz
    session_dir = out_dir / "wavs" / settings.speaker / result.session
    for stale in session_dir.glob("*.wav") if session_dir.is_dir() else []:
        stale.unlink()  # a previous, unfinished run of this source
    embeddings = []
    for index, span in enumerate(clips):
        clip_id = f"{settings.speaker}_{result.session}_{index:04d}"
        samples, metrics = score_clip(prepared, span, context, settings)
        path = session_dir / f"{clip_id}.wav"
        export.write(path, Audio.from_array(samples, sr), bits="32f")
        embeddings.append(_embed(models, samples, span, context, metrics.hum_notched, sr))
        rel = path.relative_to(out_dir)
        result.clips.append(_draft(clip_id, rel, result, span, sr, metrics))
    if embeddings:
        result.embeddings = np.stack(embeddings).astype(np.float32)


def _embed(
    models: Models,
    samples: np.ndarray,
    span: Interval,
    context: FileContext,
    notched: bool,
    sr: int,
) -> np.ndarray:
    """Speaker embedding of a clip from the file's 16 kHz copy (the clip itself if notched)."""
    if notched:
        return np.asarray(models.encoder.embed(samples, sr, PARTIALS_PER_S))
    lo, hi = (int(round(x * VAD_RATE / sr)) for x in span)
    return np.asarray(models.encoder.embed(context.mono_16k[lo:hi], VAD_RATE, PARTIALS_PER_S))


def _draft(
    clip_id: str,
    rel_path: Path,
    result: SourceResult,
    span: Interval,
    sr: int,
    metrics: qc.ClipMetrics,
) -> dict[str, Any]:
    return {
        "id": clip_id,
        "path": rel_path.as_posix(),
        "source": result.source_id,
        "session": result.session,
        "start_s": span[0] / sr,
        "end_s": span[1] / sr,
        "sample_rate": sr,
        "source_sample_rate": result.source_sample_rate,
    } | metrics.as_dict()


def _hum(
    prepared: PreparedSource,
    span: Interval,
    mask: np.ndarray,
    context: FileContext,
    voice: float,
    settings: BuildSettings,
) -> tuple[np.ndarray, float, float, bool]:
    """Hum on the clip's pauses (or the file's when the clip has < 0.25 s of them); with
    autonotch and hum above the threshold, notch it out (filtered with 1 s of context on each
    side so the notch has settled at the clip's edges). Returns (samples, hum, raw, notched)."""
    sr, (start, end) = prepared.sample_rate, span
    hop = int(sr * measures.FRAME_S)
    samples = prepared.mono[start:end]
    quiet = measures.non_speech(samples, mask, hop)
    own_pauses = quiet.shape[-1] >= sr // 4
    raw = qc.hum_db(quiet if own_pauses else context.quiet, sr, context.mains_hz, voice)
    if not (settings.prep.hum_autonotch and raw > settings.qc.max_hum_db):
        return samples, raw, raw, False
    lo, hi = max(start - sr, 0), min(end + sr, prepared.mono.shape[-1])
    samples = notch(prepared.mono[lo:hi], sr, context.mains_hz)[start - lo : end - lo]
    quiet = measures.non_speech(samples, mask, hop) if own_pauses else context.quiet
    after = qc.hum_db(
        quiet if own_pauses else notch(quiet, sr, context.mains_hz), sr, context.mains_hz, voice
    )
    return samples, after, raw, True


def _plosives(
    context: FileContext, span: Interval, sr: int, voice: float, settings: BuildSettings
) -> int:
    """Pops are below 100 Hz: count them on the file's 16 kHz copy (3x cheaper)."""
    lo, hi = (int(round(x * VAD_RATE / sr)) for x in span)
    clip = context.mono_16k[lo:hi]
    return measures.plosive_bursts(clip, VAD_RATE, voice, settings.qc.plosive_rel_db)


def score_clip(
    prepared: PreparedSource, span: Interval, context: FileContext, settings: BuildSettings
) -> tuple[np.ndarray, qc.ClipMetrics]:
    """Measure one clip ``[start, end)`` (samples at the dataset rate); notch hum if asked.

    Returns the clip's float32 ``(n,)`` samples (notched or not) and its metrics.
    """
    sr, (start, end) = prepared.sample_rate, span
    hop = int(sr * measures.FRAME_S)
    power = measures.frame_power(prepared.mono[start:end], hop)
    mask = measures.speech_frames(context.speech, start, power.shape[0], hop)
    voice = float(np.mean(power[mask])) if mask.any() else float(np.mean(power))
    samples, hum, hum_raw, notched = _hum(prepared, span, mask, context, voice, settings)
    ratio = prepared.source_rate / sr
    source = prepared.source[:, int(start * ratio) : int(np.ceil(end * ratio))]
    metrics = qc.ClipMetrics(
        duration_s=(end - start) / sr,
        clipping_percent=qc.source_clipping(source, prepared.source_peak),
        hum_db=hum,
        hum_db_raw=hum_raw,
        hum_notched=notched,
        mains_hz=context.mains_hz,
        plosives=_plosives(context, span, sr, voice, settings),
        snr_db=measures.snr_db(power, mask, context.noise_floor),
        lufs=qc.loudness_or_none(samples, sr),
        dc_offset=dc_offset(samples),
        bandwidth_hz=measures.bandwidth_hz(samples, sr),
        silence_ratio=float(1.0 - np.mean(mask)) if mask.size else 1.0,
    )
    return np.asarray(samples, dtype=np.float32), metrics
