"""Score clips with a chosen set of metrics: the library API the trainer calls per checkpoint.

    metrics = MetricSet.build(["speaker", "asr", "f0", "mcd"], target_clips=[...])
    result = evaluate_pairs(pairs, metrics)       # reuse ``metrics`` at every checkpoint
    result.summary()["wer"], result.aggregates["speaker_similarity"].ci_low

A metric that is undefined for one clip (too short, silent, no voiced frames) is recorded
in that clip's ``errors`` and left out of the aggregates; the other metrics still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rocktop.audio.types import Audio
from rocktop.common.errors import RocktopError
from rocktop.evaluation.errors import MetricError
from rocktop.evaluation.metrics import asr, f0, loudness, mcd, pesq, rtf, speaker, stoi
from rocktop.evaluation.result import ClipScores, EvalResult
from rocktop.evaluation.stats import aggregate
from rocktop.features.pitch.base import PitchExtractor

logger = logging.getLogger(__name__)

METRIC_GROUPS = ("speaker", "asr", "f0", "pesq", "stoi", "mcd", "loudness", "rtf")
# What a voice conversion is scored with by default; PESQ/STOI need a time-aligned reference.
DEFAULT_GROUPS = ("speaker", "asr", "f0", "mcd", "loudness", "rtf")


class TranscriberLike(Protocol):
    name: str

    def transcribe(self, audio: Audio) -> str: ...


@dataclass(frozen=True)
class ClipPair:
    """One converted clip and what it is scored against.

    Attributes:
        clip_id: identifier (dataset id or file stem).
        converted: the audio to score.
        reference: the source/reference recording (F0 contour, PESQ, STOI, MCD), if any.
        text: the reference transcript (WER/CER), if any.
        conversion_time_s: wall-clock seconds the conversion took (realtime factor), if known.
        converted_path: file holding ``converted`` (for report players), if any.
        reference_path: file holding ``reference``, if any.
    """

    clip_id: str
    converted: Audio
    reference: Audio | None = None
    text: str | None = None
    conversion_time_s: float | None = None
    converted_path: str | None = None
    reference_path: str | None = None


@dataclass
class MetricSet:
    """Which metric groups to run and the (expensive, reusable) models they need.

    Attributes:
        groups: subset of ``METRIC_GROUPS``.
        speaker_encoder: speaker embedder (``SpeakerEncoder``) for ``speaker``.
        target_embedding: target speaker embedding ``(dim,)``; without one, a clip's
            similarity is measured against its own reference.
        transcriber: ASR for ``asr``.
        pitch_extractor: F0 extractor (100 fps) for ``f0``.
        pitch_shift: semitones the conversion transposed by (expected F0 = source * 2**(s/12)).
    """

    groups: frozenset[str]
    speaker_encoder: speaker.Embedder | None = None
    target_embedding: np.ndarray | None = None
    transcriber: TranscriberLike | None = None
    pitch_extractor: PitchExtractor | None = None
    pitch_shift: float = 0.0
    info: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.groups) - set(METRIC_GROUPS)
        if unknown:
            raise RocktopError(
                f"unknown metric(s) {', '.join(sorted(unknown))}; "
                f"choose from {', '.join(METRIC_GROUPS)}"
            )

    @classmethod
    def build(
        cls,
        groups: Iterable[str] = DEFAULT_GROUPS,
        *,
        target_clips: Sequence[Audio] = (),
        whisper_dir: str | None = None,
        pitch_extractor: PitchExtractor | None = None,
        pitch_shift: float = 0.0,
        device: str = "cpu",
    ) -> MetricSet:
        """Load the models the chosen groups need (speaker encoder, Whisper) once."""
        chosen = frozenset(groups)
        encoder = target = transcriber = None
        info: dict[str, object] = {"groups": sorted(chosen), "pitch_shift": pitch_shift}
        if "speaker" in chosen:
            from rocktop.features.speaker import SpeakerEncoder

            encoder = SpeakerEncoder(device=device)
            info["speaker_encoder"] = encoder.name
            if target_clips:
                target = speaker.target_embedding(encoder, target_clips)
                info["target_clips"] = len(target_clips)
        if "asr" in chosen:
            transcriber = asr.Transcriber(whisper_dir, device=device)
            info["asr_model"] = transcriber.name
        if "f0" in chosen and pitch_extractor is not None:
            info["pitch_extractor"] = pitch_extractor.name
        return cls(chosen, encoder, target, transcriber, pitch_extractor, pitch_shift, info)


def _speaker(pair: ClipPair, metrics: MetricSet, scores: ClipScores) -> None:
    if metrics.speaker_encoder is None:
        raise MetricError("no speaker encoder loaded")
    target = metrics.target_embedding
    if target is None:
        if pair.reference is None:
            raise MetricError("no target speaker and no reference to compare with")
        target = speaker.speaker_embedding(metrics.speaker_encoder, pair.reference)
    value = speaker.speaker_similarity(metrics.speaker_encoder, pair.converted, target)
    scores.values["speaker_similarity"] = value


def _asr(pair: ClipPair, metrics: MetricSet, scores: ClipScores) -> None:
    if metrics.transcriber is None or not pair.text:
        raise MetricError("no reference text" if metrics.transcriber else "no ASR model loaded")
    hypothesis = metrics.transcriber.transcribe(pair.converted)
    words, chars = asr.word_errors(pair.text, hypothesis), asr.char_errors(pair.text, hypothesis)
    scores.transcript, scores.reference_text = hypothesis, pair.text
    scores.counts = {"word": words.as_dict(), "char": chars.as_dict()}
    scores.values.update(wer=words.rate, cer=chars.rate)


def _f0(pair: ClipPair, metrics: MetricSet, scores: ClipScores) -> None:
    extractor = metrics.pitch_extractor
    if extractor is None or pair.reference is None:
        raise MetricError("no reference audio" if extractor else "no pitch extractor chosen")
    reference = extractor.extract(pair.reference.mono(), pair.reference.sample_rate)
    converted = extractor.extract(pair.converted.mono(), pair.converted.sample_rate)
    scores.f0_reference, scores.f0_converted = reference, converted
    values = f0.f0_scores(reference, converted, metrics.pitch_shift).as_dict()
    counts = ("voiced_frames", "frames")  # sizes, not metrics
    scores.values.update({key: value for key, value in values.items() if key not in counts})


def _with_reference(
    function: Callable[[Audio, Audio], float], name: str
) -> Callable[[ClipPair, MetricSet, ClipScores], None]:
    def run(pair: ClipPair, metrics: MetricSet, scores: ClipScores) -> None:
        if pair.reference is None:
            raise MetricError("no reference audio")
        scores.values[name] = function(pair.reference, pair.converted)

    return run


def _loudness(pair: ClipPair, metrics: MetricSet, scores: ClipScores) -> None:
    scores.values.update(loudness.loudness_scores(pair.converted, pair.reference))


def _rtf(pair: ClipPair, metrics: MetricSet, scores: ClipScores) -> None:
    if pair.conversion_time_s is None:
        raise MetricError("no conversion time measured")
    scores.values["rtf"] = rtf.realtime_factor(pair.converted.duration_s, pair.conversion_time_s)


SCORERS: dict[str, Callable[[ClipPair, MetricSet, ClipScores], None]] = {
    "speaker": _speaker,
    "asr": _asr,
    "f0": _f0,
    "pesq": _with_reference(pesq.pesq_wb, "pesq"),
    "stoi": _with_reference(stoi.stoi, "stoi"),
    "mcd": _with_reference(mcd.mcd, "mcd"),
    "loudness": _loudness,
    "rtf": _rtf,
}


def _unusable(pair: ClipPair) -> str | None:
    for name, audio in (("converted", pair.converted), ("reference", pair.reference)):
        if audio is None:
            continue
        if audio.num_samples == 0:
            return f"{name} audio is empty"
        if not np.all(np.isfinite(audio.samples)):
            return f"{name} audio holds NaN or Inf samples"
    return None


def score_clip(pair: ClipPair, metrics: MetricSet) -> ClipScores:
    """Run every chosen metric group on one clip; undefined metrics land in ``errors``.

    Empty or non-finite audio (converted or reference) makes every metric undefined.
    """
    scores = ClipScores(
        pair.clip_id,
        pair.converted.duration_s,
        converted_path=pair.converted_path,
        reference_path=pair.reference_path,
    )
    unusable = _unusable(pair)
    for group in METRIC_GROUPS:
        if group not in metrics.groups:
            continue
        try:
            if unusable:
                raise MetricError(unusable)
            SCORERS[group](pair, metrics, scores)
        except MetricError as exc:
            logger.info("%s: %s undefined: %s", pair.clip_id, group, exc)
            scores.errors[group] = str(exc)
    return scores


def _pooled(clips: Sequence[ClipScores], pairs_time: dict[str, float]) -> dict[str, float]:
    pooled: dict[str, float] = {}
    for unit, name in (("word", "wer"), ("char", "cer")):
        counted = [clip.counts[unit] for clip in clips if unit in clip.counts]
        reference = sum(c["substitutions"] + c["deletions"] + c["hits"] for c in counted)
        errors = sum(c["substitutions"] + c["deletions"] + c["insertions"] for c in counted)
        if counted and reference:
            pooled[name] = errors / reference
    timed = [clip for clip in clips if clip.clip_id in pairs_time and "rtf" in clip.values]
    total_time = sum(pairs_time[clip.clip_id] for clip in timed)
    if timed and total_time > 0:
        pooled["rtf"] = sum(clip.duration_s for clip in timed) / total_time
    return pooled


def evaluate_pairs(
    pairs: Iterable[ClipPair],
    metrics: MetricSet,
    on_done: Callable[[ClipScores], None] | None = None,
) -> EvalResult:
    """Score every pair; aggregate each metric with a 95% t confidence interval.

    Args:
        pairs: clips to score (consumed once; a generator keeps memory flat).
        metrics: the metric groups and their loaded models.
        on_done: called after each clip (progress bars).
    """
    clips: list[ClipScores] = []
    times: dict[str, float] = {}
    for pair in pairs:
        clips.append(score_clip(pair, metrics))
        if pair.conversion_time_s is not None:
            times[pair.clip_id] = pair.conversion_time_s
        if on_done is not None:
            on_done(clips[-1])
    names = sorted({name for clip in clips for name in clip.values})
    aggregates = {
        name: aggregate(clip.values.get(name, float("nan")) for clip in clips) for name in names
    }
    info = dict(metrics.info) | {"clips": len(clips)}
    return EvalResult(clips, aggregates, _pooled(clips, times), info)
