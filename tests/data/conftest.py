"""Session fixtures of the dataset-kit tests: a flite corpus with injected defects and bad
files, and one dataset built from it (shared, built once)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rocktop.data.manifest import ClipRecord, read_manifest
from rocktop.data.settings import BuildSettings, QCThresholds
from rocktop.testing import synth
from rocktop.testing.corpus import defect_corpus

# flite speaks at 16 kHz (8 kHz bandwidth): the tests lower the 12 kHz bandwidth floor.
TEST_QC = QCThresholds(min_bandwidth_hz=6_000.0)
BAD_FILES = (
    "bad/garbage.wav",
    "bad/empty.wav",
    "bad/three_hours.wav",
    "bad/text.mp3",
    "bad/nan.wav",
    "bad/4khz.wav",
)


def make_settings(**overrides: object) -> BuildSettings:
    return BuildSettings(qc=TEST_QC, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings_for() -> Callable[..., BuildSettings]:
    """``settings_for(**overrides)``: build settings for the flite corpus."""
    return make_settings


@pytest.fixture(scope="session")
def bad_files() -> tuple[str, ...]:
    return BAD_FILES


def wav_header_claiming(seconds: float, rate: int = 48_000) -> bytes:
    """A 16-bit mono WAV header whose data chunk claims ``seconds`` of audio (no data follows)."""
    data_bytes = int(seconds * rate) * 2
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", data_bytes)
        + b"\0" * 4096
    )


def write_bad_files(root: Path) -> None:
    (root / "bad").mkdir(parents=True, exist_ok=True)
    (root / "bad/garbage.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    (root / "bad/empty.wav").write_bytes(b"")
    (root / "bad/three_hours.wav").write_bytes(wav_header_claiming(3 * 3600.0))
    (root / "bad/text.mp3").write_text("this is not audio at all\n" * 50)
    nan = np.zeros(16_000, dtype=np.float32)
    nan[100] = np.nan
    sf.write(root / "bad/nan.wav", nan, 16_000, subtype="FLOAT")
    sf.write(root / "bad/4khz.wav", np.zeros(4_000, dtype=np.float32), 4_000, subtype="FLOAT")


@pytest.fixture(scope="session")
def flite_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where flite sentences are cached for the session."""
    return tmp_path_factory.mktemp("flite")


@pytest.fixture(scope="session")
def corpus(
    tmp_path_factory: pytest.TempPathFactory, flite_work: Path
) -> tuple[Path, dict[str, str]]:
    """The defect corpus plus bad files: ``(folder, {case: file name})``."""
    root = tmp_path_factory.mktemp("raw")
    names = defect_corpus(root, flite_work)
    write_bad_files(root)
    sf.write(root / "room_tone.wav", synth.noise(3.0, 16_000, -70.0), 16_000)  # no speech
    return root, names


@dataclass
class Built:
    out_dir: Path
    info: dict
    records: list[ClipRecord]

    def of(self, file_name: str) -> list[ClipRecord]:
        return [r for r in self.records if r.source == file_name]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, corpus: tuple[Path, dict[str, str]]) -> Built:
    from rocktop.data.build import BuildRequest, build

    out_dir = tmp_path_factory.mktemp("dataset")
    info = build(BuildRequest(corpus[0], out_dir, make_settings()))
    return Built(out_dir, info, read_manifest(out_dir / "metadata.jsonl"))
