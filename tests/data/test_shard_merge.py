"""Sharded builds merged equal an unsharded build (same clips, metrics, splits, decisions)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rocktop.common.errors import RocktopError
from rocktop.data.build import BuildRequest, build
from rocktop.data.merge import merge

FILES = ("clean_a.wav", "clean_d.wav", "hum.wav", "other_voice.wav", "lowband.wav")


pytestmark = pytest.mark.slow  # uses the built corpus dataset


@pytest.fixture(scope="module")
def small(corpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """Five files of the corpus plus one bad file, and an slt reference recording."""
    root = tmp_path_factory.mktemp("small")
    for name in FILES:
        shutil.copy(corpus[0] / name, root / name)
    (root / "broken.wav").write_bytes(b"RIFF....WAVEfmt nonsense")
    return root, corpus[0] / "clean_b.flac"


def _files(folder: Path) -> dict[str, bytes]:
    names = ["metadata.jsonl", "train/metadata.jsonl", "val/metadata.jsonl", "test/metadata.jsonl"]
    return {name: (folder / name).read_bytes() for name in names}


@pytest.mark.slow
def test_sharded_then_merged_equals_unsharded(small, tmp_path: Path, settings_for) -> None:  # type: ignore[no-untyped-def]
    raw, reference = small
    settings = settings_for()
    whole = build(BuildRequest(raw, tmp_path / "whole", settings, spk_ref=reference))
    shards = []
    for index in range(2):
        shard_dir = tmp_path / f"shard{index}"
        info = build(BuildRequest(raw, shard_dir, settings, shard=(index, 2), spk_ref=reference))
        assert info["run"]["sources"] > 0
        shards.append(shard_dir)
    merged = merge(shards, tmp_path / "merged")
    assert _files(tmp_path / "merged") == _files(tmp_path / "whole")
    for key in ("inputs", "failed", "totals", "parameters"):
        assert merged[key] == {k: v for k, v in whole.items() if k != "run"}[key]
    for line in (tmp_path / "merged/metadata.jsonl").read_text().splitlines():
        path = line.split('"path": "')[1].split('"')[0]
        merged_audio, _ = sf.read(tmp_path / "merged" / path, dtype="float32")
        whole_audio, _ = sf.read(tmp_path / "whole" / path, dtype="float32")
        np.testing.assert_array_equal(merged_audio, whole_audio)
    other = [r for r in whole["inputs"] if r["source"] == "other_voice.wav"]
    assert other and "speaker" in (tmp_path / "whole/metadata.jsonl").read_text()


def test_merge_refuses_folders_that_are_not_datasets(tmp_path: Path) -> None:
    with pytest.raises(RocktopError, match="not a rocktop dataset"):
        merge([tmp_path], tmp_path / "out")
