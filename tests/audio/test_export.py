"""Export: TPDF dither only when reducing bit depth, exact 24-bit, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rocktop.audio import export, io
from rocktop.audio.errors import AudioError
from rocktop.audio.types import Audio
from rocktop.testing import synth

SR = 48_000


def test_tpdf_dither_is_triangular_and_unbiased() -> None:
    x = np.full(200_000, 0.25 / 32768, dtype=np.float64)  # a quarter LSB
    q = export.quantize(x, 16, dither=True).astype(np.float64)
    assert abs(q.mean() - 0.25) < 0.01  # dither linearises: the mean keeps sub-LSB level
    assert set(np.unique(q)) <= {-1.0, 0.0, 1.0, 2.0}
    assert not export.quantize(x, 16, dither=False).any()  # undithered rounds to zero


def test_16_bit_round_trip(tmp_path: Path) -> None:
    audio = Audio.from_array(synth.sine(440, 0.5, SR), SR)
    path = export.write(tmp_path / "a.wav", audio, bits="16")
    assert sf.info(path).subtype == "PCM_16"
    back = io.load(path)
    assert np.max(np.abs(back.samples - audio.samples)) < 2.5 / 32768


def test_24_bit_exact_without_dither(tmp_path: Path) -> None:
    values = np.array([-(2**23), -5, 0, 7, 2**23 - 1]) / 2.0**23
    audio = Audio.from_array(values, SR)
    path = export.write(tmp_path / "a.flac", audio, bits="24", dither=False)
    np.testing.assert_array_equal(io.load(path).samples[0], values.astype(np.float32))


def test_float_export_is_lossless_and_undithered(tmp_path: Path) -> None:
    audio = Audio.from_array(synth.noise(0.1, SR), SR)
    path = export.write(tmp_path / "a.wav", audio)
    np.testing.assert_array_equal(io.load(path).samples, audio.samples)


def test_bad_requests_refused(tmp_path: Path) -> None:
    audio = Audio.from_array(np.zeros(10), SR)
    with pytest.raises(AudioError, match="integers only"):
        export.write(tmp_path / "a.flac", audio, bits="32f")
    with pytest.raises(AudioError, match="choose .wav or .flac"):
        export.write(tmp_path / "a.mp3", audio)
    with pytest.raises(AudioError, match="bit depth"):
        export.encode(audio, bits="8")
    assert not list(tmp_path.iterdir())


def test_encode_gives_wav_bytes() -> None:
    data = export.encode(Audio.from_array(synth.sine(440, 0.1, SR), SR), "flac", bits="16")
    assert data[:4] == b"fLaC"
    assert io.load(data).sample_rate == SR
