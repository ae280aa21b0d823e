"""Find the recordings of a dataset, name their sessions, decode and prepare them."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rocktop.audio import io
from rocktop.audio.analysis import peak
from rocktop.audio.chains import PrepareSettings, prepare
from rocktop.audio.limits import DecodeLimits
from rocktop.common.errors import RocktopError
from rocktop.common.files import find_audio
from rocktop.common.hashing import sha256_file
from rocktop.data.settings import PrepSettings


class EmptyDatasetError(RocktopError):
    """The input folder holds no audio file."""

    code = "empty_dataset"


@dataclass(frozen=True)
class SourceFile:
    """One input recording.

    Attributes:
        source_id: path relative to the input folder, POSIX separators (stable across machines).
        path: where it is now.
        sha256: hex digest of its bytes.
    """

    source_id: str
    path: Path
    sha256: str

    @property
    def session(self) -> str:
        """File-system-safe session name: the slugged relative path plus a short hash."""
        stem = re.sub(r"[^A-Za-z0-9]+", "-", self.source_id.rsplit(".", 1)[0]).strip("-")
        digest = hashlib.sha256(self.source_id.encode()).hexdigest()[:6]
        return f"{stem[:48] or 'audio'}-{digest}"


def discover(in_dir: Path) -> list[SourceFile]:
    """Every audio file under ``in_dir``, sorted by relative path, with its sha256.

    Raises:
        EmptyDatasetError: no audio file is there.
    """
    if not in_dir.is_dir():
        raise RocktopError(f"{in_dir}: not a folder")
    files = find_audio(in_dir)
    if not files:
        raise EmptyDatasetError(f"{in_dir}: no audio files found (looked for .wav .flac .mp3 ...)")
    return [SourceFile(f.relative_to(in_dir).as_posix(), f, sha256_file(f)) for f in files]


@dataclass(frozen=True)
class PreparedSource:
    """A decoded recording: the source-rate original and the prepared mono dataset audio.

    Attributes:
        source: float32 ``(channels, n_src)`` as decoded.
        source_rate: its rate, Hz.
        source_peak: its sample peak (linear), for clipping detection.
        mono: float32 ``(n,)`` at the dataset rate: high-passed, peak-normalised.
        sample_rate: dataset rate, Hz.
    """

    source: np.ndarray
    source_rate: int
    source_peak: float
    mono: np.ndarray
    sample_rate: int


def load_prepared(path: Path, prep: PrepSettings, limits: DecodeLimits) -> PreparedSource:
    """Decode with ``limits`` (typed ``AudioError`` refusals) and prepare for the dataset.

    Resample (soxr VHQ) to ``prep.sample_rate``, mix to mono, optional high-pass, peak
    normalise to ``prep.peak_db`` at most; no compression, no denoise.
    """
    audio = io.load(path, limits)
    settings = PrepareSettings(
        sample_rate=prep.sample_rate, peak_db=prep.peak_db, highpass_hz=prep.highpass_hz, mono=True
    )
    prepared = prepare(audio, settings)
    return PreparedSource(
        audio.samples,
        audio.sample_rate,
        peak(audio.samples),
        prepared.samples[0],
        prepared.sample_rate,
    )


def load_transcripts(path: Path) -> dict[str, str]:
    """Read ``--transcripts``: JSON object, JSONL (``{"id"|"source": ..., "text": ...}``) or
    TSV/``|``-separated lines ``key<TAB>text``. Keys are clip ids, source paths or file stems."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
        if not isinstance(data, dict):
            raise RocktopError(f"{path}: a .json transcripts file must map keys to texts")
        return {str(k): str(v) for k, v in data.items()}
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if path.suffix == ".jsonl":
            row = json.loads(line)
            out[str(row.get("id") or row.get("source"))] = str(row["text"])
            continue
        key, sep, value = line.partition("\t") if "\t" in line else line.partition("|")
        if not sep:
            raise RocktopError(f"{path}:{number}: expected 'key<TAB>text'")
        out[key.strip()] = value.strip()
    return out
