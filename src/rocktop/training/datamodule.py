"""LightningDataModule over an RVC training layout (optionally split by a kit manifest)."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import lightning as L
from torch.utils.data import DataLoader

from rocktop.training.batching import RVC_BOUNDARIES, BucketBatchSampler, collate
from rocktop.training.dataset import ClipDataset
from rocktop.training.layout import Splits, find_clips
from rocktop.training.spectral import LinearSpectrogram

log = logging.getLogger(__name__)


class VoiceDataModule(L.LightningDataModule):
    """Train and validation loaders of aligned clip windows (frames at 100 fps).

    Training windows are at most ``max_frames`` (random crop), batched by length bucket and
    sharded across DDP ranks by the sampler; validation clips are whole (up to
    ``val_max_frames``), one per batch, identical on every rank. Clips shorter than
    ``segment_frames`` are skipped (counted), as are clips with missing files.
    """

    def __init__(
        self,
        layout_dir: Path,
        content_dim: int,
        f0: bool,
        sample_rate: int,
        n_fft: int,
        hop_length: int,
        win_length: int,
        segment_frames: int,
        manifest: Path | None = None,
        cache_dir: Path | None = None,
        batch_size: int = 4,
        num_workers: int = 0,
        max_frames: int = 900,
        val_max_frames: int = 1000,
        val_count: int = 2,
        boundaries: tuple[int, ...] = RVC_BOUNDARIES,
        seed: int = 1234,
        speaker_id: int = 0,
    ) -> None:
        super().__init__()
        self.layout_dir = layout_dir
        self.content_dim = content_dim
        self.f0 = f0
        self.sample_rate = sample_rate
        self.spectrogram = LinearSpectrogram(n_fft, hop_length, win_length)
        self.segment_frames = segment_frames
        self.manifest = manifest
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.max_frames = max_frames
        self.val_max_frames = val_max_frames
        self.val_count = val_count
        self.boundaries = boundaries
        self.seed = seed
        self.speaker_id = speaker_id
        self.splits: Splits | None = None
        self.train_set: ClipDataset | None = None
        self.val_set: ClipDataset | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.splits is not None:
            return
        splits = find_clips(
            self.layout_dir, self.content_dim, self.f0, self.manifest, self.val_count
        )
        sid = self.speaker_id
        self.splits = Splits(
            [replace(c, speaker_id=sid) for c in splits.train],
            [replace(c, speaker_id=sid) for c in splits.val],
            splits.missing,
        )
        common = (self.sample_rate, self.spectrogram, self.cache_dir)
        self.train_set = ClipDataset(
            self.splits.train, *common, self.max_frames, self.segment_frames, True
        )
        self.val_set = ClipDataset(
            self.splits.val, *common, self.val_max_frames, self.segment_frames, False
        )
        log.info(
            "%d training clips, %d validation clips, %d left out",
            len(self.train_set),
            len(self.val_set),
            len(splits.missing),
        )

    def _rank(self) -> tuple[int, int]:
        trainer = self.trainer
        return (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None, "call setup() first"
        rank, world = self._rank()
        sampler = BucketBatchSampler(
            self.train_set.lengths, self.batch_size, self.boundaries, True, self.seed, rank, world
        )
        return DataLoader(
            self.train_set,
            batch_sampler=sampler,
            collate_fn=collate,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def val_dataloader(self) -> DataLoader:
        assert self.val_set is not None, "call setup() first"
        return DataLoader(self.val_set, batch_size=1, collate_fn=collate, num_workers=0)
