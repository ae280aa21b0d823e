"""PNG plots for the dataset report (matplotlib Agg), returned as base64 data URIs."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import numpy as np

from rocktop.common.errors import MissingDependencyError


def _pyplot():  # type: ignore[no-untyped-def]
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise MissingDependencyError("matplotlib", "data") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _data_uri(fig) -> str:  # type: ignore[no-untyped-def]
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def histogram(values: Sequence[float], title: str, xlabel: str, lines: Sequence[float] = ()) -> str:
    """A histogram with vertical threshold ``lines``, as a PNG data URI."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 2.6))
    finite = [v for v in values if v is not None and np.isfinite(v)]
    if finite:
        ax.hist(finite, bins=min(30, max(5, len(finite) // 2)), color="#4a7ab5")
    for x in lines:
        ax.axvline(x, color="#c0392b", linestyle="--", linewidth=1)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)
    return _data_uri(fig)


def waveform_png(samples: np.ndarray, sample_rate: int, width_px: int = 640) -> bytes:
    """Min/max waveform of mono float ``(n,)`` audio as PNG bytes."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width_px / 80, 1.2))
    n = samples.shape[-1]
    columns = max(min(width_px * 2, n), 1)
    edges = np.linspace(0, n, columns + 1).astype(int)
    lows = np.minimum.reduceat(samples, edges[:-1]) if n else np.zeros(1)
    highs = np.maximum.reduceat(samples, edges[:-1]) if n else np.zeros(1)
    times = edges[:-1] / sample_rate
    ax.fill_between(times, lows, highs, color="#4a7ab5", linewidth=0)
    ax.set_xlim(0, n / sample_rate)
    ax.set_ylim(-1, 1)
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight", pad_inches=0)
    plt.close(fig)
    return buffer.getvalue()


def spectrogram_png(samples: np.ndarray, sample_rate: int, width_px: int = 640) -> bytes:
    """Log-magnitude spectrogram (dB, 0-Nyquist) of mono ``(n,)`` audio as PNG bytes."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(width_px / 80, 1.8))
    nfft = 1024
    if samples.shape[-1] >= nfft:
        hop = max(nfft // 2, samples.shape[-1] // (width_px * 2))
        frames = np.lib.stride_tricks.sliding_window_view(samples, nfft)[::hop]
        spec = np.abs(np.fft.rfft(frames * np.hanning(nfft), axis=-1)) ** 2
        image = 10 * np.log10(spec.T + 1e-12)
        extent = (0.0, samples.shape[-1] / sample_rate, 0.0, sample_rate / 2000)
        top = float(image.max())
        ax.imshow(image, origin="lower", aspect="auto", extent=extent, vmin=top - 90, vmax=top)
    ax.set_ylabel("kHz", fontsize=7)
    ax.tick_params(labelsize=6)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
