"""Training data: layout discovery, splits, aligned samples, bad clips, cache, batching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rocktop.testing.training import write_layout, write_manifest
from rocktop.training.batching import BucketBatchSampler, collate
from rocktop.training.dataset import ClipDataset
from rocktop.training.layout import LayoutError, find_clips
from rocktop.training.spectral import LinearSpectrogram

SR = 32_000
HOP = 320


def _dataset(root: Path, **kw: object) -> ClipDataset:
    splits = find_clips(root, 768, manifest=None, val_count=0)
    return ClipDataset(splits.train, SR, LinearSpectrogram(1024, HOP), root / "cache", **kw)  # type: ignore[arg-type]


def test_samples_are_aligned_and_spectrogram_is_cached(tmp_path: Path) -> None:
    write_layout(tmp_path, clips=2, sample_rate=SR, duration_s=0.6)
    ds = _dataset(tmp_path, max_frames=40)
    sample = ds[0]
    assert sample is not None
    frames = sample.spec.shape[1]
    assert frames == 40 and sample.phone.shape == (40, 768)
    assert sample.pitch is not None and sample.pitch.dtype == torch.long
    assert sample.pitchf is not None and sample.pitchf.shape == (40,)
    assert sample.wave.shape == (40 * HOP,)
    cached = list((tmp_path / "cache").glob("*.spec.npy"))
    assert len(cached) == 1
    assert not list((tmp_path / "cache").glob(".tmp-*"))
    assert ds.lengths == [40, 40]


def test_corrupt_cache_entry_is_recomputed(tmp_path: Path) -> None:
    write_layout(tmp_path, clips=1, sample_rate=SR, duration_s=0.3)
    ds = _dataset(tmp_path)
    first = ds[0]
    entry = next((tmp_path / "cache").glob("*.spec.npy"))
    entry.write_bytes(b"garbage")
    second = ds[0]
    assert first is not None and second is not None
    torch.testing.assert_close(first.spec, second.spec)


def test_bad_clips_are_skipped_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    names = write_layout(tmp_path, clips=4, sample_rate=SR, duration_s=0.3)
    feat = tmp_path / "3_feature768" / f"{names[0]}.npy"
    units = np.load(feat)
    units[3, 5] = np.nan
    np.save(feat, units)
    (tmp_path / "2b-f0nsf" / f"{names[1]}.wav.npy").unlink()  # missing file
    short = tmp_path / "3_feature768" / f"{names[2]}.npy"
    np.save(short, np.load(short)[:2])  # 4 frames at 100 fps
    splits = find_clips(tmp_path, 768, val_count=0)
    assert list(splits.missing) == [names[1]]
    ds = ClipDataset(splits.train, SR, LinearSpectrogram(1024, HOP), None, min_frames=10)
    batch = collate([ds[i] for i in range(len(ds))])
    assert batch is not None and batch.skipped == 2 and batch.names == [names[3]]
    assert "NaN" in caplog.text
    assert collate([None, None]) is None


def test_wrong_rate_clip_is_bad(tmp_path: Path) -> None:
    write_layout(tmp_path, clips=1, sample_rate=16_000, duration_s=0.3)
    assert _dataset(tmp_path)[0] is None


def test_manifest_decides_splits_and_rejects(tmp_path: Path) -> None:
    names = write_layout(tmp_path / "rvc", clips=4, sample_rate=SR, duration_s=0.2)
    manifest = write_manifest(
        tmp_path / "data", {names[0]: "train", names[1]: "val", names[2]: "test"}
    )
    splits = find_clips(tmp_path / "rvc", 768, manifest=manifest)
    assert [c.name for c in splits.train] == [names[0]]
    assert [c.name for c in splits.val] == [names[1]]


def test_hash_split_is_deterministic_and_keeps_training_clips(tmp_path: Path) -> None:
    write_layout(tmp_path, clips=3, sample_rate=SR, duration_s=0.2)
    a = find_clips(tmp_path, 768, val_count=2)
    b = find_clips(tmp_path, 768, val_count=2)
    assert [c.name for c in a.val] == [c.name for c in b.val] and len(a.val) == 2
    assert len(a.train) == 1


def test_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LayoutError, match="no clips found"):
        find_clips(tmp_path, 768)


def test_collate_pads_to_longest(tmp_path: Path) -> None:
    write_layout(tmp_path, clips=2, sample_rate=SR, duration_s=0.3)
    ds = _dataset(tmp_path)
    a, b = ds[0], ds[1]
    assert a is not None and b is not None
    b.spec, b.phone, b.wave = b.spec[:, :10], b.phone[:10], b.wave[: 10 * HOP]
    b.pitch, b.pitchf = b.pitch[:10], b.pitchf[:10]  # type: ignore[index]
    batch = collate([b, a])
    assert batch is not None
    assert batch.lengths.tolist() == [30, 10]
    assert batch.wave.shape == (2, 1, 30 * HOP) and batch.spec.shape[2] == 30
    assert float(batch.wave[1, 0, 10 * HOP :].abs().sum()) == 0.0


def test_bucket_sampler_groups_lengths_and_shards_ranks() -> None:
    lengths = [50, 150, 60, 160, 55, 0, 170, 65]
    one = BucketBatchSampler(lengths, batch_size=2, seed=1)
    batches = list(one)
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3, 4, 6, 7]
    for batch in batches:
        assert len({lengths[i] > 100 for i in batch}) == 1
    ranks = [list(BucketBatchSampler(lengths, 2, seed=1, rank=r, world_size=2)) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1])
    one.set_epoch(1)
    assert list(one) != batches or len(batches) < 3
    again = BucketBatchSampler(lengths, batch_size=2, seed=1)
    assert list(again) == batches


def test_manifest_that_is_not_json_names_file_and_line(tmp_path: Path) -> None:
    write_layout(tmp_path / "rvc", clips=1, sample_rate=SR, duration_s=0.2)
    manifest = tmp_path / "metadata.jsonl"
    manifest.write_text('{"id": "a", "split": "train"}\nnot json\n')
    with pytest.raises(LayoutError, match=r"metadata.jsonl:2"):
        find_clips(tmp_path / "rvc", 768, manifest=manifest)
