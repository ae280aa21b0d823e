"""Per-checkpoint evaluation of validation clips through ``rocktop.evaluation``.

At each validation the LightningModule resynthesises every validation clip from its content
units and F0 (``Synthesizer.infer`` with a fixed seed) and hands the results here:
mel-cepstral distortion against the ground truth, F0 error of the output against the source
contour, and speaker similarity to the training speaker (embedding of the ground-truth
clips). A metric that is undefined for a clip (silence, no voiced frames) is left out of that
clip's mean, never fatal. Optionally writes the first clips' audio and mel/F0 plots.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rocktop.audio.export import write
from rocktop.audio.types import Audio
from rocktop.evaluation.errors import MetricError
from rocktop.evaluation.metrics.f0 import f0_scores
from rocktop.evaluation.metrics.mcd import mcd
from rocktop.evaluation.metrics.speaker import speaker_similarity, target_embedding
from rocktop.features.pitch import get_pitch_extractor
from rocktop.features.speaker import SpeakerEncoder

log = logging.getLogger(__name__)


@dataclass
class ValClip:
    """One resynthesised validation clip (mono float32 at ``sample_rate``)."""

    name: str
    generated: np.ndarray
    target: np.ndarray
    source_f0: np.ndarray  # Hz at 100 fps, 0 = unvoiced
    sample_rate: int


class ClipEvaluator:
    """Scores validation clips; metric keys are ``val/<name>`` means over clips.

    Args:
        pitch_method: extractor for the output's F0 (``pm`` is fast; ``rmvpe`` needs weights).
        speaker: compute speaker similarity (loads the resemblyzer encoder once).
        artifacts: write this many clips' WAV and PNG plots per evaluation (0 = none).
    """

    def __init__(self, pitch_method: str = "pm", speaker: bool = True, artifacts: int = 2) -> None:
        self.pitch_method = pitch_method
        self.speaker = speaker
        self.artifacts = artifacts
        self._encoder: SpeakerEncoder | None = None
        self._target: np.ndarray | None = None

    def _speaker_target(self, clips: list[ValClip]) -> np.ndarray:
        if self._encoder is None:
            self._encoder = SpeakerEncoder()
        if self._target is None:
            audios = [Audio.from_array(c.target, c.sample_rate) for c in clips]
            self._target = target_embedding(self._encoder, audios)
        return self._target

    def _scores(self, clip: ValClip, target: np.ndarray | None) -> dict[str, float]:
        out: dict[str, float] = {}
        gen = Audio.from_array(clip.generated, clip.sample_rate)
        ref = Audio.from_array(clip.target, clip.sample_rate)
        extractor = get_pitch_extractor(self.pitch_method)
        jobs = {
            "mcd_db": lambda: {"mcd_db": mcd(ref, gen)},
            "f0": lambda: _f0(extractor.extract(clip.generated, clip.sample_rate), clip.source_f0),
        }
        if target is not None and self._encoder is not None:
            encoder = self._encoder
            jobs["speaker"] = lambda: {
                "speaker_similarity": speaker_similarity(encoder, gen, target)
            }
        for name, job in jobs.items():
            try:
                out |= job()
            except MetricError as exc:
                log.info("metric %s undefined for %s: %s", name, clip.name, exc)
        return out

    def evaluate(self, clips: list[ValClip], out_dir: Path | None = None) -> dict[str, float]:
        """Mean of each metric over ``clips``; artifacts under ``out_dir`` when given."""
        if not clips:
            return {}
        target = None
        if self.speaker:
            try:
                target = self._speaker_target(clips)
            except MetricError as exc:
                log.info("speaker similarity undefined: %s", exc)
        per_clip = [self._scores(c, target) for c in clips]
        keys = sorted({k for s in per_clip for k in s})
        means = {f"val/{k}": float(np.nanmean([s[k] for s in per_clip if k in s])) for k in keys}
        if out_dir is not None and self.artifacts:
            for clip in clips[: self.artifacts]:
                write_artifacts(clip, out_dir, self.pitch_method)
        return means


def _f0(generated_hz: np.ndarray, source_hz: np.ndarray) -> dict[str, float]:
    scores = f0_scores(source_hz, generated_hz)
    return {"f0_rmse_cents": scores.f0_rmse_cents, "f0_vde": scores.vde}


def write_artifacts(clip: ValClip, out_dir: Path, pitch_method: str) -> list[Path]:
    """``<name>.wav`` (generated), ``<name>.mel.png`` and ``<name>.f0.png`` under ``out_dir``."""
    from rocktop.training.plots import plot_f0, plot_mels

    out_dir.mkdir(parents=True, exist_ok=True)
    wav = out_dir / f"{clip.name}.wav"
    write(wav, Audio.from_array(clip.generated, clip.sample_rate))
    generated_f0 = get_pitch_extractor(pitch_method).extract(clip.generated, clip.sample_rate)
    mel = plot_mels(clip.target, clip.generated, clip.sample_rate, out_dir / f"{clip.name}.mel.png")
    f0 = plot_f0(clip.source_f0, generated_f0, out_dir / f"{clip.name}.f0.png")
    return [wav, mel, f0]
