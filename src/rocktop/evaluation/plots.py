"""Report figures as inline PNG data URIs (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rocktop.audio.types import Audio

PITCH_FRAME_RATE = 100
DPI = 80


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return figure, figure.add_subplot()


def _data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def spectrogram_png(audio: Audio, title: str, max_hz: float | None = None) -> str:
    """Log-magnitude STFT (46 ms Hann at 48 kHz scale, dB) of ``audio`` as a PNG data URI."""
    from scipy import signal

    rate = audio.sample_rate
    n_fft = 1 << int(np.ceil(np.log2(rate * 0.046)))
    freqs, times, power = signal.spectrogram(
        audio.mono(), rate, nperseg=n_fft, noverlap=n_fft * 3 // 4, scaling="spectrum"
    )
    figure, axes = _figure(7.0, 2.4)
    db = 10.0 * np.log10(np.maximum(power, 1e-12))
    axes.pcolormesh(times, freqs, db, shading="auto", vmin=db.max() - 90.0, vmax=db.max())
    axes.set(title=title, xlabel="time (s)", ylabel="Hz", ylim=(0, max_hz or rate / 2))
    return _data_uri(figure)


def f0_overlay_png(
    reference: np.ndarray, converted: np.ndarray, pitch_shift: float, title: str
) -> str:
    """Expected (reference shifted) and converted F0 contours (100 fps, Hz) on one plot."""
    figure, axes = _figure(7.0, 2.4)
    expected = np.asarray(reference, dtype=np.float64) * 2.0 ** (pitch_shift / 12.0)
    for contour, label in ((expected, "reference (expected)"), (converted, "converted")):
        values = np.where(np.asarray(contour) > 0, contour, np.nan)
        axes.plot(np.arange(values.size) / PITCH_FRAME_RATE, values, label=label, lw=1.2)
    axes.set(title=title, xlabel="time (s)", ylabel="F0 (Hz)")
    axes.legend(loc="upper right", fontsize="small")
    return _data_uri(figure)


def distribution_png(name: str, values: Sequence[float]) -> str:
    """Histogram of one metric's per-clip values, with the mean marked."""
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    figure, axes = _figure(3.4, 2.4)
    if finite.size:
        axes.hist(finite, bins=min(20, max(5, finite.size)), color="#4472c4")
        axes.axvline(float(finite.mean()), color="#c00000", lw=1.5, label="mean")
    axes.set(title=name, ylabel="clips")
    return _data_uri(figure)


def ranking_png(values: Mapping[str, float], metric: str) -> str:
    """Bar chart of one metric's summary value per compared result."""
    figure, axes = _figure(4.0, 2.4)
    names = list(values)
    axes.bar(range(len(names)), [values[n] for n in names], color="#4472c4")
    axes.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize="small")
    axes.set(title=metric)
    return _data_uri(figure)
