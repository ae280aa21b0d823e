"""F0 metrics between a reference (source) contour and a converted contour.

Both contours are F0 in Hz at 100 frames per second (``rocktop.features.pitch`` extractors),
0 meaning unvoiced. They are truncated to the shorter length ``N``. When the conversion
transposed the voice by ``pitch_shift`` semitones, the expected contour is
``ref * 2 ** (pitch_shift / 12)``; every metric compares the converted contour ``est`` with
that expected contour ``ref'``.

Let ``V = {n : ref'[n] > 0 and est[n] > 0}`` (frames voiced in both) and
``d[n] = 1200 * log2(est[n] / ref'[n])`` the deviation in cents on ``V``.

- ``f0_rmse_hz = sqrt(mean_V (est - ref')**2)``
- ``f0_rmse_cents = sqrt(mean_V d**2)``
- ``f0_corr``: Pearson correlation of ``est`` and ``ref'`` (Hz) over ``V``
  (undefined when either is constant on ``V``).
- ``vde`` (voicing decision error): share of all ``N`` frames whose voiced/unvoiced
  decisions differ.
- ``gpe_cents``: share of ``V`` frames with ``|d| > 50`` cents (a semitone-quantised error).
- ``gpe_20pct``: share of ``V`` frames with ``|est / ref' - 1| > 0.2`` (the classic GPE).
- ``octave_error_rate``: share of ``V`` frames with ``| |d| - 1200 | <= 100`` cents.
- ``ffe`` (F0 frame error): ``(voicing mismatches + gross (20%) errors on V) / N``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from rocktop.evaluation.errors import MetricError

GROSS_CENTS = 50.0
GROSS_RATIO = 0.2
OCTAVE_CENTS = 1200.0
OCTAVE_TOLERANCE_CENTS = 100.0
MIN_VOICED_FRAMES = 2


@dataclass(frozen=True)
class F0Scores:
    """The F0 metrics of one clip (see the module docstring for definitions)."""

    f0_rmse_hz: float
    f0_rmse_cents: float
    f0_corr: float
    vde: float
    gpe_cents: float
    gpe_20pct: float
    octave_error_rate: float
    ffe: float
    voiced_frames: int
    frames: int

    def as_dict(self) -> dict[str, float]:
        return {key: float(value) for key, value in asdict(self).items()}


def _clean(contour: np.ndarray, name: str) -> np.ndarray:
    values = np.asarray(contour, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        raise MetricError(f"F0 contour {name} holds NaN or Inf values")
    return np.where(values > 0.0, values, 0.0)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < MIN_VOICED_FRAMES or np.ptp(a) == 0.0 or np.ptp(b) == 0.0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def f0_scores(
    reference_hz: np.ndarray, converted_hz: np.ndarray, pitch_shift: float = 0.0
) -> F0Scores:
    """All F0 metrics of ``converted_hz`` against ``reference_hz`` (both ``(frames,)`` Hz).

    Args:
        reference_hz: source contour, Hz at 100 fps, 0 = unvoiced.
        converted_hz: contour of the converted audio, Hz at 100 fps, 0 = unvoiced.
        pitch_shift: transposition the conversion applied, semitones.

    Raises:
        MetricError: empty contours, NaN/Inf, or fewer than 2 frames voiced in both.
    """
    ref = _clean(reference_hz, "reference") * 2.0 ** (pitch_shift / 12.0)
    est = _clean(converted_hz, "converted")
    frames = min(ref.size, est.size)
    if frames == 0:
        raise MetricError("F0 contours are empty")
    ref, est = ref[:frames], est[:frames]
    ref_voiced, est_voiced = ref > 0.0, est > 0.0
    both = ref_voiced & est_voiced
    if int(both.sum()) < MIN_VOICED_FRAMES:
        raise MetricError(f"only {int(both.sum())} frames are voiced in both F0 contours")
    r, e = ref[both], est[both]
    cents = OCTAVE_CENTS * np.log2(e / r)
    voicing_mismatch = int(np.count_nonzero(ref_voiced != est_voiced))
    gross_ratio = np.abs(e / r - 1.0) > GROSS_RATIO
    return F0Scores(
        f0_rmse_hz=float(np.sqrt(np.mean((e - r) ** 2))),
        f0_rmse_cents=float(np.sqrt(np.mean(cents**2))),
        f0_corr=_pearson(r, e),
        vde=voicing_mismatch / frames,
        gpe_cents=float(np.mean(np.abs(cents) > GROSS_CENTS)),
        gpe_20pct=float(np.mean(gross_ratio)),
        octave_error_rate=float(
            np.mean(np.abs(np.abs(cents) - OCTAVE_CENTS) <= OCTAVE_TOLERANCE_CENTS)
        ),
        ffe=(voicing_mismatch + int(gross_ratio.sum())) / frames,
        voiced_frames=int(both.sum()),
        frames=frames,
    )
