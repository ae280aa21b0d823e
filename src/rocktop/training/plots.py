"""PNG plots for validation artifacts (matplotlib, Agg backend, written atomically)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rocktop.common.atomic import atomic_path


def _figure(rows: int) -> tuple[object, list[object]]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, axes = plt.subplots(rows, 1, figsize=(8, 2.5 * rows), squeeze=False)
    return fig, [a[0] for a in axes]


def _save(fig: object, path: Path) -> Path:
    from matplotlib import pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]
    return path


def plot_mels(target: np.ndarray, generated: np.ndarray, sample_rate: int, path: Path) -> Path:
    """Log-mel spectrograms of the ground truth (top) and the resynthesis (bottom)."""
    import librosa

    fig, axes = _figure(2)
    for ax, wave, title in zip(axes, (target, generated), ("target", "generated"), strict=True):
        mel = librosa.feature.melspectrogram(y=wave, sr=sample_rate, n_mels=80)
        ax.imshow(np.log(mel + 1e-5), origin="lower", aspect="auto")  # type: ignore[attr-defined]
        ax.set_title(title)  # type: ignore[attr-defined]
    return _save(fig, path)


def plot_f0(source_hz: np.ndarray, generated_hz: np.ndarray, path: Path) -> Path:
    """Source and generated F0 contours (Hz at 100 fps; unvoiced frames not drawn)."""
    fig, (ax,) = _figure(1)
    for contour, label in ((source_hz, "source"), (generated_hz, "generated")):
        values = np.where(np.asarray(contour) > 0, contour, np.nan)
        ax.plot(np.arange(values.size) / 100.0, values, label=label)  # type: ignore[attr-defined]
    ax.set_xlabel("time (s)")  # type: ignore[attr-defined]
    ax.set_ylabel("F0 (Hz)")  # type: ignore[attr-defined]
    ax.legend()  # type: ignore[attr-defined]
    return _save(fig, path)
