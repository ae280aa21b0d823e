"""``rocktop convert`` / ``model`` / ``index`` through the real CLI with tiny real models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from rocktop.cli.main import main
from rocktop.models.voice import VoiceModel, default_metadata
from rocktop.testing import synth
from rocktop.testing.contentvec import tiny_hubert, write_hf_dir
from rocktop.testing.models import tiny_synthesizer


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    write_hf_dir(tmp_path / "assets" / "hubert_base", tiny_hubert())
    return tmp_path / "assets"


@pytest.fixture
def voice_file(tmp_path: Path) -> Path:
    model = tiny_synthesizer("v2", 32_000, content_dim=8)
    voice = VoiceModel.from_synthesizer(model, default_metadata(model.config, "tiny"))
    return voice.save(tmp_path / "tiny.pth")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True)
    for i, f0 in enumerate((180.0, 240.0)):
        tone = synth.tone_from_contour(synth.steady_contour(f0, 0.8), 44_100)
        sf.write(folder / f"take{i}.wav", tone, 44_100)


def test_convert_folder_json_and_resume(
    tmp_path: Path, assets: Path, voice_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write_inputs(tmp_path / "in")
    args = ["convert", str(tmp_path / "in"), "-m", str(voice_file), "-o", str(tmp_path / "out")]
    args += ["--f0-method", "pm", "--weights-dir", str(assets), "--json", "--bits", "16"]
    code, out, err = _run(args, capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert [r["status"] for r in rows] == ["written", "written"]
    info = sf.info(tmp_path / "out" / "take0.wav")
    assert info.samplerate == 32_000 and info.subtype == "PCM_16"
    code, out, _ = _run(args, capsys)
    assert [r["status"] for r in json.loads(out)] == ["skipped", "skipped"]


def test_convert_bad_input_is_one_line_exit_2(
    tmp_path: Path, assets: Path, voice_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    code, _, err = _run(
        [
            "convert",
            str(bad),
            "-m",
            str(voice_file),
            "-o",
            str(tmp_path / "o"),
            "--weights-dir",
            str(assets),
            "--f0-method",
            "pm",
        ],  # fmt: skip
        capsys,
    )
    assert code == 2 and err.startswith("error:") and "bad.wav" in "".join(err.split())
    assert not (tmp_path / "o" / "bad.wav").exists()


def test_model_info_import_export_merge(
    tmp_path: Path, voice_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(["model", "info", str(voice_file), "--json"], capsys)
    assert code == 0
    row = json.loads(out)[0]
    assert row["version"] == "v2" and row["sample_rate"] == 32_000 and row["f0"] is True
    assert _run(["model", "import", str(voice_file)], capsys)[0] == 0
    native = voice_file.with_suffix(".safetensors")
    assert native.exists()
    exported = tmp_path / "again.pth"
    assert _run(["model", "export", str(native), str(exported)], capsys)[0] == 0
    assert torch.load(exported, weights_only=True)["sr"] == "32k"
    merged = tmp_path / "merged.safetensors"
    code, _, err = _run(
        ["model", "merge", str(voice_file), str(exported), "-o", str(merged), "--alpha", "0.3"],
        capsys,
    )
    assert code == 0, err
    assert merged.exists()
    code, _, err = _run(["model", "info", str(tmp_path / "missing.pth")], capsys)
    assert code == 2 and "no such voice file" in " ".join(err.split())


def test_index_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feats = tmp_path / "3_feature768"
    feats.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        np.save(feats / f"{i}.npy", rng.standard_normal((200, 768)).astype(np.float32))
    code, out, err = _run(
        ["index", "build", str(feats), "--name", "alice", "-o", str(tmp_path), "--json"], capsys
    )
    assert code == 0, err
    result = json.loads(out)
    assert Path(result["index"]).name == "added_IVF15_Flat_nprobe_1_alice_v2.index"
    assert result["vectors"] == 600
