"""Training samples from an RVC layout: aligned content, pitch, spectrogram and waveform.

Per clip (RVC ``TextAudioLoaderMultiNSFsid``, spec §7.4): content units repeated x2 (50 ->
100 fps), lengths aligned to ``min(frames of units, frames of spectrogram)``, a random window
of at most ``max_frames`` frames. The linear spectrogram is computed once per clip and cached
as ``.npy`` (written atomically, read without pickle). A bad clip (unreadable or missing file,
NaN/Inf values, wrong sample rate, shorter than ``min_frames``) yields ``None`` with a warning;
``collate`` drops it and counts it, so a bad clip never stops an epoch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from rocktop.audio.errors import AudioError
from rocktop.audio.io import load
from rocktop.common.atomic import atomic_path
from rocktop.training.layout import ClipFiles
from rocktop.training.spectral import LinearSpectrogram

log = logging.getLogger(__name__)


class BadClip(Exception):
    """A clip that cannot be used (message says why)."""


@dataclass
class Sample:
    """One aligned training window (``T`` frames at 100 fps, ``hop`` samples per frame)."""

    name: str
    phone: torch.Tensor  # [T, C] float32
    pitch: torch.Tensor | None  # [T] long, 1..255
    pitchf: torch.Tensor | None  # [T] float32 Hz
    spec: torch.Tensor  # [F, T] float32
    wave: torch.Tensor  # [T * hop] float32
    speaker_id: int


class ClipDataset(Dataset[Sample | None]):
    """Clips of an RVC layout as ``Sample`` windows (``None`` for a bad clip).

    Args:
        clips: the clips (``rocktop.training.layout.find_clips``).
        sample_rate: expected rate of the WAVs, Hz.
        spectrogram: the linear spectrogram (its ``hop_length`` = samples per frame).
        cache_dir: where spectrograms are cached (None: not cached).
        max_frames: longest window; longer clips are cropped at a random start.
        min_frames: shorter clips are bad (at least the decoder's segment).
        random_crop: False takes the first ``max_frames`` (validation).
    """

    def __init__(
        self,
        clips: list[ClipFiles],
        sample_rate: int,
        spectrogram: LinearSpectrogram,
        cache_dir: Path | None,
        max_frames: int = 900,
        min_frames: int = 1,
        random_crop: bool = True,
    ) -> None:
        self.clips = clips
        self.sample_rate = sample_rate
        self.spectrogram = spectrogram
        self.hop = spectrogram.hop_length
        self.cache_dir = cache_dir
        self.max_frames = max_frames
        self.min_frames = min_frames
        self.random_crop = random_crop
        self.lengths = [self._estimate_frames(c) for c in clips]

    def __len__(self) -> int:
        return len(self.clips)

    def _estimate_frames(self, clip: ClipFiles) -> int:
        """Frames (capped at ``max_frames``) from the feature file header; 0 when unreadable."""
        try:
            units = np.load(clip.feature, mmap_mode="r", allow_pickle=False)
            return min(int(units.shape[0]) * 2, self.max_frames)
        except (OSError, ValueError):
            return 0

    def __getitem__(self, index: int) -> Sample | None:
        clip = self.clips[index]
        try:
            return self._load(clip)
        except (BadClip, AudioError, OSError, ValueError) as exc:
            log.warning("skipping clip %s: %s", clip.name, exc)
            return None

    def _array(self, path: Path, what: str) -> np.ndarray:
        array = np.load(path, allow_pickle=False)
        if array.size == 0 or not np.all(np.isfinite(array)):
            raise BadClip(f"{what} {path.name} is empty or holds NaN/Inf")
        return array

    def _wave(self, clip: ClipFiles) -> np.ndarray:
        audio = load(clip.wav)
        if audio.sample_rate != self.sample_rate:
            raise BadClip(f"{clip.wav.name} is {audio.sample_rate} Hz, expected {self.sample_rate}")
        return audio.mono()

    def _spec(self, clip: ClipFiles, wave: np.ndarray) -> np.ndarray:
        frames = wave.shape[0] // self.hop
        cached = self._cache_path(clip)
        if cached is not None and cached.is_file():
            try:
                spec = np.load(cached, allow_pickle=False)
                if spec.shape == (self.spectrogram.channels, frames):
                    return spec
            except (OSError, ValueError):
                pass  # corrupt cache entry: recompute and replace
        with torch.no_grad():
            spec = self.spectrogram(torch.from_numpy(wave)[None])[0].numpy()
        if cached is not None:
            with atomic_path(cached) as tmp, open(tmp, "wb") as handle:
                np.save(handle, spec, allow_pickle=False)
        return spec

    def _cache_path(self, clip: ClipFiles) -> Path | None:
        if self.cache_dir is None:
            return None
        s = self.spectrogram
        return self.cache_dir / f"{clip.name}.{s.n_fft}-{s.hop_length}-{s.win_length}.spec.npy"

    def _load(self, clip: ClipFiles) -> Sample:
        phone = np.repeat(self._array(clip.feature, "features"), 2, axis=0)
        pitch = self._array(clip.coarse, "coarse pitch") if clip.coarse else None
        pitchf = self._array(clip.f0, "F0") if clip.f0 else None
        wave = self._wave(clip)
        spec = self._spec(clip, wave)
        sizes = [phone.shape[0], spec.shape[1]]
        sizes += [a.shape[0] for a in (pitch, pitchf) if a is not None]
        frames = min(sizes)
        if frames < self.min_frames:
            raise BadClip(f"{frames} frames, fewer than the {self.min_frames} needed")
        start, frames = self._window(frames)
        stop = start + frames

        def cut(a: np.ndarray | None, dtype: type) -> torch.Tensor | None:
            return None if a is None else torch.from_numpy(a[start:stop].astype(dtype))

        return Sample(
            name=clip.name,
            phone=torch.from_numpy(np.ascontiguousarray(phone[start:stop], dtype=np.float32)),
            pitch=cut(pitch, np.int64),
            pitchf=cut(pitchf, np.float32),
            spec=torch.from_numpy(np.ascontiguousarray(spec[:, start:stop], dtype=np.float32)),
            wave=torch.from_numpy(wave[start * self.hop : stop * self.hop].copy()),
            speaker_id=clip.speaker_id,
        )

    def _window(self, frames: int) -> tuple[int, int]:
        if frames <= self.max_frames:
            return 0, frames
        if not self.random_crop:
            return 0, self.max_frames
        start = int(torch.randint(0, frames - self.max_frames + 1, ()).item())
        return start, self.max_frames
