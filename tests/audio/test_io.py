"""Decoding with limits: formats, exact integer conversion, and the bad-input corpus."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rocktop.audio import errors, io
from rocktop.audio.limits import DecodeLimits
from rocktop.testing.badaudio import bad_audio_corpus, write_bad_audio_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, str]:
    return write_bad_audio_corpus(tmp_path_factory.mktemp("bad"))


def test_every_bad_file_gets_its_typed_error(corpus: dict[Path, str]) -> None:
    for path, expected in corpus.items():
        with pytest.raises(errors.AudioError) as caught:
            io.load(path)
        assert type(caught.value).__name__ == expected, (path.name, caught.value)
        message = str(caught.value)
        assert "\n" not in message and path.name in message


def test_bad_bytes_are_refused_the_same_way() -> None:
    for name, (data, expected) in bad_audio_corpus().items():
        with pytest.raises(errors.AudioError) as caught:
            io.load(data, name=name)
        assert type(caught.value).__name__ == expected, name


def test_int16_converts_exactly(tmp_path: Path) -> None:
    ints = np.array([-32768, -1, 0, 1, 12345, 32767], dtype=np.int16)
    path = tmp_path / "int16.wav"
    sf.write(path, ints, 48_000, subtype="PCM_16")
    audio = io.load(path)
    assert audio.samples.dtype == np.float32
    np.testing.assert_array_equal(audio.samples[0], ints.astype(np.float64) / 32768.0)


def test_int24_converts_exactly(tmp_path: Path) -> None:
    values = np.array([-(2**23), -1, 0, 1, 4_000_000, 2**23 - 1], dtype=np.int64)
    path = tmp_path / "int24.wav"
    sf.write(path, (values << 8).astype(np.int32), 48_000, subtype="PCM_24")
    audio = io.load(path)
    np.testing.assert_array_equal(audio.samples[0].astype(np.float64), values / 2.0**23)


@pytest.mark.parametrize("suffix", ["flac", "ogg", "aiff", "mp3", "m4a", "opus", "webm"])
def test_formats_decode(tmp_path: Path, suffix: str) -> None:
    rate = 48_000
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    source = tmp_path / "tone.wav"
    sf.write(source, np.stack([tone, tone], axis=1), rate, subtype="PCM_16")
    target = tmp_path / f"tone.{suffix}"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-i", str(source), str(target)], check=True
    )
    audio = io.load(target)
    assert audio.sample_rate == rate and audio.channels == 2
    assert abs(audio.duration_s - 1.0) < 0.05
    assert 0.4 < np.abs(audio.samples).max() < 0.6


def test_limits_are_parameters(tmp_path: Path) -> None:
    path = tmp_path / "two_seconds.wav"
    sf.write(path, np.zeros(32_000, np.float32), 16_000)
    with pytest.raises(errors.AudioTooLongError, match="1 s limit"):
        io.load(path, DecodeLimits(max_duration_s=1.0))
    with pytest.raises(errors.AudioTooLargeError):
        io.load(path, DecodeLimits(max_bytes=100))
    with pytest.raises(errors.SampleRateError):
        io.load(path, DecodeLimits(min_sample_rate=22_050))


def test_compressed_duration_limit_enforced_while_decoding(tmp_path: Path) -> None:
    path = tmp_path / "three_seconds.mp3"
    subprocess.run(
        ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=440:d=3", str(path)],
        check=True,
    )
    with pytest.raises(errors.AudioTooLongError):
        io.load(path, DecodeLimits(max_duration_s=1.0))


def test_probe_does_not_decode(tmp_path: Path) -> None:
    path = tmp_path / "x.flac"
    sf.write(path, np.zeros((4800, 2), np.float32), 48_000)
    info = io.probe(path)
    assert (info.sample_rate, info.channels, info.num_samples) == (48_000, 2, 4800)
    assert info.format == "FLAC"
