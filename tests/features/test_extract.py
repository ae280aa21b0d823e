"""``rocktop features extract``: dataset reading, cache (a rerun computes nothing), RVC layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from rocktop.cli.main import build_app
from rocktop.common.errors import RocktopError
from rocktop.features.dataset import read_clips, safe_name
from rocktop.features.pitch import f0_to_coarse
from rocktop.testing import synth
from rocktop.testing.contentvec import tiny_hubert, write_hf_dir

SR = 48_000


def _dataset(root: Path) -> Path:
    data = root / "data"
    records = []
    for index, f0 in enumerate((150.0, 220.0, 330.0)):
        rel = f"clips/spk/{index:03d}.wav"
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(data / rel, synth.tone_from_contour(synth.steady_contour(f0, 0.6), SR), SR)
        status = "rejected" if index == 2 else "accepted"
        records.append({"id": f"spk/{index:03d}", "path": rel, "status": status, "lufs": -20})
    (data / "metadata.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return data


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    write_hf_dir(tmp_path / "assets" / "hubert_base", tiny_hubert(seed=11))
    return tmp_path / "assets"


def _run(*args: str) -> dict:
    result = CliRunner().invoke(build_app(), ["features", "extract", *args, "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    return json.loads(result.stdout)


def test_read_clips_metadata_and_plain_folder(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    clips = read_clips(data)
    assert [c.id for c in clips] == ["spk/000", "spk/001"]
    assert clips[0].path == (data / "clips/spk/000.wav").resolve()
    (data / "metadata.jsonl").unlink()
    assert [c.id for c in read_clips(data)] == ["clips/spk/000", "clips/spk/001", "clips/spk/002"]
    assert safe_name("spk/000") == "spk_000"


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ('{"id": "a", "path": "../../etc/passwd", "status": "accepted"}', "leaves the dataset"),
        ('{"id": "a", "status": "accepted"}', r"metadata.jsonl:1"),
        ("not json", r"metadata.jsonl:1"),
    ],
)
def test_bad_metadata_is_refused(tmp_path: Path, line: str, match: str) -> None:
    (tmp_path / "metadata.jsonl").write_text(line + "\n")
    with pytest.raises(RocktopError, match=match):
        read_clips(tmp_path)


def test_extract_caches_and_rerun_computes_nothing(tmp_path: Path, weights: Path) -> None:
    data = _dataset(tmp_path)
    export = tmp_path / "rvc"
    args = ["--data", str(data), "--f0", "harvest", "--version", "v1", "--device", "cpu"]
    args += ["--weights-dir", str(weights), "--export-rvc-layout", str(export)]
    first = _run(*args)
    assert first == {"clips": 2, "computed": 4, "cached": 0, "failed": []}
    assert _run(*args) == {"clips": 2, "computed": 0, "cached": 4, "failed": []}
    assert len(list((data / ".cache" / "features").rglob("*.npy"))) == 4

    name = "spk_001"
    gt, rate = sf.read(export / "0_gt_wavs" / f"{name}.wav", dtype="float32")
    wav16, rate16 = sf.read(export / "1_16k_wavs" / f"{name}.wav", dtype="float32")
    assert (rate, rate16) == (48_000, 16_000) and len(gt) == 28_800 and len(wav16) == 9_600
    feature = np.load(export / "3_feature4" / f"{name}.npy")
    f0 = np.load(export / "2b-f0nsf" / f"{name}.wav.npy")
    coarse = np.load(export / "2a_f0" / f"{name}.wav.npy")
    assert feature.shape == ((9_600 - 400) // 320 + 1, 4) and feature.dtype == np.float32
    assert f0.shape == (9_600 // 160 + 1,) and f0.dtype == np.float32
    np.testing.assert_array_equal(coarse, f0_to_coarse(f0))
    voiced = f0[10:-10]
    assert np.all(np.abs(1200 * np.log2(voiced / 220.0)) < 50)


def test_shards_partition_and_fill_one_cache(tmp_path: Path, weights: Path) -> None:
    data = _dataset(tmp_path)
    base = ["--data", str(data), "--f0", "pm", "--device", "cpu", "--weights-dir", str(weights)]
    a = _run(*base, "--shard", "0/2")
    b = _run(*base, "--shard", "1/2")
    assert a["clips"] + b["clips"] == 2 and a["computed"] + b["computed"] == 4
    assert _run(*base)["computed"] == 0


@pytest.mark.slow
def test_two_workers(tmp_path: Path, weights: Path) -> None:
    data = _dataset(tmp_path)
    args = ["--data", str(data), "--f0", "dio", "--device", "cpu", "--weights-dir", str(weights)]
    assert _run(*args, "--workers", "2")["computed"] == 4
    assert _run(*args)["computed"] == 0


def test_missing_weights_is_one_clear_error(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    result = CliRunner().invoke(
        build_app(),
        ["features", "extract", "--data", str(data), "--weights-dir", str(tmp_path / "none")],
    )
    assert result.exit_code != 0
    assert "rocktop assets fetch hubert_base" in str(result.exception)


def test_bad_clip_fails_alone(tmp_path: Path, weights: Path) -> None:
    data = _dataset(tmp_path)
    (data / "clips/spk/001.wav").write_bytes(b"RIFF....WAVEfmt truncated")
    result = CliRunner().invoke(
        build_app(),
        ["features", "extract", "--data", str(data), "--f0", "harvest", "--device", "cpu",
         "--weights-dir", str(weights), "--json"],
    )  # fmt: skip
    assert result.exit_code != 0 and "1 of 2 clips failed" in str(result.exception)
    summary = json.loads(result.stdout)
    assert summary["computed"] == 2 and summary["failed"][0]["clip"] == "spk/001"
