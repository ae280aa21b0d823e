"""Shared fixtures: synthetic audio with known properties, written files, GPU skipping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rocktop.testing import synth

SR = 48_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip ``gpu`` tests when CUDA is not available."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def sr() -> int:
    return SR


@pytest.fixture
def tone_220() -> tuple[np.ndarray, np.ndarray]:
    """2 s harmonic tone at 220 Hz, 48 kHz, with its 100 fps F0 contour."""
    contour = synth.steady_contour(220.0, 2.0)
    return synth.tone_from_contour(contour, SR), contour


@pytest.fixture
def vibrato_tone() -> tuple[np.ndarray, np.ndarray]:
    """2 s tone at 330 Hz with 5.5 Hz, +/-50 cent vibrato, 48 kHz."""
    contour = synth.vibrato_contour(330.0, 2.0)
    return synth.tone_from_contour(contour, SR), contour


@pytest.fixture
def glide_tone() -> tuple[np.ndarray, np.ndarray]:
    """2 s glide 150 -> 600 Hz, 48 kHz."""
    contour = synth.glide_contour(150.0, 600.0, 2.0)
    return synth.tone_from_contour(contour, SR), contour


@pytest.fixture
def tone_with_silence() -> tuple[np.ndarray, np.ndarray]:
    """0.5 s silence, 1 s at 200 Hz, 0.5 s silence (48 kHz)."""
    contour = synth.with_silence(synth.steady_contour(200.0, 1.0), 0.5, 0.5)
    return synth.tone_from_contour(contour, SR), contour


@pytest.fixture
def white_noise() -> np.ndarray:
    return synth.noise(2.0, SR, level_db=-20.0)


@pytest.fixture
def hum_60() -> np.ndarray:
    return synth.hum(2.0, SR, mains_hz=60.0, level_db=-20.0)


@pytest.fixture
def click_train() -> tuple[np.ndarray, np.ndarray]:
    return synth.clicks(2.0, SR)


@pytest.fixture
def silent() -> np.ndarray:
    return synth.silence(2.0, SR)


@pytest.fixture
def write_wav(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``write_wav(name, samples, sr=48000, subtype="FLOAT") -> Path`` in ``tmp_path``."""

    def write(name: str, samples: np.ndarray, rate: int = SR, subtype: str = "FLOAT") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = samples.T if samples.ndim == 2 else samples
        sf.write(path, data, rate, subtype=subtype)
        return path

    return write
