"""Batches: padding collate (drops and counts bad clips) and a rank-aware length-bucket sampler."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import Sampler

from rocktop.training.dataset import Sample

RVC_BOUNDARIES = (100, 200, 300, 400, 500, 600, 700, 800, 900)


@dataclass
class Batch:
    """Padded tensors of a batch (``T`` = longest window in frames, ``hop`` samples/frame)."""

    phone: torch.Tensor  # [B, T, C]
    lengths: torch.Tensor  # [B] long, valid frames
    pitch: torch.Tensor | None  # [B, T] long
    pitchf: torch.Tensor | None  # [B, T] float Hz
    spec: torch.Tensor  # [B, F, T]
    wave: torch.Tensor  # [B, 1, T * hop]
    sid: torch.Tensor  # [B] long
    names: list[str]
    skipped: int

    def to(self, device: torch.device) -> Batch:
        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device)

        return Batch(
            self.phone.to(device),
            self.lengths.to(device),
            move(self.pitch),
            move(self.pitchf),
            self.spec.to(device),
            self.wave.to(device),
            self.sid.to(device),
            self.names,
            self.skipped,
        )


def _pad(tensors: Sequence[torch.Tensor], length: int, dim: int) -> torch.Tensor:
    out = []
    for t in tensors:
        pad = [0, 0] * (t.dim() - 1 - dim) + [0, length - t.shape[dim]]
        out.append(torch.nn.functional.pad(t, pad))
    return torch.stack(out)


def collate(items: Sequence[Sample | None]) -> Batch | None:
    """Pad ``Sample``s into a ``Batch``; ``None`` items (bad clips) are dropped and counted.

    Returns None when every item was bad (the training step then does nothing).
    """
    good = sorted((s for s in items if s is not None), key=lambda s: -s.spec.shape[1])
    skipped = len(items) - len(good)
    if not good:
        return None
    frames = good[0].spec.shape[1]
    hop = good[0].wave.shape[0] // frames
    has_f0 = good[0].pitch is not None and good[0].pitchf is not None
    return Batch(
        phone=_pad([s.phone for s in good], frames, 0),
        lengths=torch.tensor([s.spec.shape[1] for s in good], dtype=torch.long),
        pitch=_pad([s.pitch for s in good], frames, 0) if has_f0 else None,  # type: ignore[misc]
        pitchf=_pad([s.pitchf for s in good], frames, 0) if has_f0 else None,  # type: ignore[misc]
        spec=_pad([s.spec for s in good], frames, 1),
        wave=_pad([s.wave for s in good], frames * hop, 0).unsqueeze(1),
        sid=torch.tensor([s.speaker_id for s in good], dtype=torch.long),
        names=[s.name for s in good],
        skipped=skipped,
    )


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of clips of similar length (RVC's ``DistributedBucketSampler``), one rank's share.

    Lengths (frames) are grouped by ``boundaries``; each epoch shuffles within buckets
    (seeded by ``seed + epoch``, so a resumed run sees the same order), cuts batches, shuffles
    the batch order and gives rank ``r`` the batches ``r, r + world, ...`` (padded by
    repetition so every rank runs the same number of steps). Zero-length clips are left out.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        boundaries: Sequence[int] = RVC_BOUNDARIES,
        shuffle: bool = True,
        seed: int = 1234,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size < 1 or world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"bad batch_size/rank/world_size {batch_size}/{rank}/{world_size}")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.boundaries = sorted(boundaries)
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _buckets(self) -> list[list[int]]:
        buckets: dict[int, list[int]] = {}
        for index, length in enumerate(self.lengths):
            if length <= 0:
                continue
            key = sum(1 for b in self.boundaries if length > b)
            buckets.setdefault(key, []).append(index)
        return [buckets[k] for k in sorted(buckets)]

    def _batches(self) -> list[list[int]]:
        gen = torch.Generator().manual_seed(self.seed + self.epoch)
        batches: list[list[int]] = []
        for bucket in self._buckets():
            order = torch.randperm(len(bucket), generator=gen).tolist() if self.shuffle else None
            items = [bucket[i] for i in order] if order else bucket
            batches += [
                items[i : i + self.batch_size] for i in range(0, len(items), self.batch_size)
            ]
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=gen).tolist()]
        if not batches:
            return []
        while len(batches) % self.world_size:
            batches.append(batches[len(batches) % max(len(batches), 1)])
        return batches[self.rank :: self.world_size]

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self._batches())

    def __len__(self) -> int:
        return len(self._batches())
