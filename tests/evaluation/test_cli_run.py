"""``rocktop eval run|compare`` convert a dataset split with tiny real voices and score it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile as sf
import torch

from rocktop.cli.main import main
from rocktop.models.voice import VoiceModel, default_metadata
from rocktop.testing import synth
from rocktop.testing.contentvec import tiny_hubert, write_hf_dir
from rocktop.testing.models import tiny_synthesizer

METRICS = ["--metrics", "f0,mcd,loudness,rtf", "--f0-method", "pm", "--eval-f0-method", "pm"]


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convolutions crawl under thread contention
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("run")
    weights = root / "assets"
    hubert = tiny_hubert()
    write_hf_dir(weights / "hubert_base", hubert)
    paths = {"weights": weights, "data": root / "data"}
    for seed in (0, 1):
        model = tiny_synthesizer(
            "v2", 48_000, True, seed=seed, content_dim=hubert.config.hidden_size
        )
        voice = VoiceModel.from_synthesizer(model, default_metadata(model.config, f"tiny{seed}"))
        paths[f"voice{seed}"] = voice.save(root / f"voice{seed}.safetensors")
    records = []
    for i, f0_hz in enumerate((180.0, 240.0, 300.0)):
        contour = synth.with_silence(synth.steady_contour(f0_hz, 1.0), 0.2, 0.2)
        wav = paths["data"] / "wavs" / f"clip{i}.wav"
        wav.parent.mkdir(parents=True, exist_ok=True)
        sf.write(wav, synth.tone_from_contour(contour, 48_000), 48_000, subtype="FLOAT")
        split = "test" if i < 2 else "train"
        records.append(
            {"id": f"clip{i}", "path": f"wavs/clip{i}.wav", "split": split, "status": "accepted"}
        )
    (paths["data"] / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return paths


def _run(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.mark.slow
def test_eval_run_converts_the_split_and_scores_it(setup: dict[str, Path], tmp_path: Path) -> None:
    args = ["eval", "run", "--model", str(setup["voice0"]), "--data", str(setup["data"])]
    args += ["--weights-dir", str(setup["weights"]), *METRICS, "-o", str(tmp_path)]
    assert _run(args) == 0
    data = json.loads((tmp_path / "eval.json").read_text())
    assert [clip["id"] for clip in data["clips"]] == ["clip0", "clip1"]
    assert sorted(p.name for p in (tmp_path / "audio").iterdir()) == ["clip0.wav", "clip1.wav"]
    assert data["summary"]["rtf"] > 0 and data["aggregates"]["rtf"]["n"] == 2
    assert {"mcd", "lufs", "true_peak_dbtp"} <= set(data["clips"][0]["values"])
    assert any(t["metric"] == "rtf" and t["passed"] is not None for t in data["targets"])
    assert (tmp_path / "report.html").stat().st_size > 10_000


@pytest.mark.slow
def test_eval_compare_scores_two_voices_on_the_same_clips(
    setup: dict[str, Path], tmp_path: Path
) -> None:
    args = [
        "eval",
        "compare",
        str(setup["voice0"]),
        str(setup["voice1"]),
        "--data",
        str(setup["data"]),
    ]
    args += ["--weights-dir", str(setup["weights"]), *METRICS, "-o", str(tmp_path)]
    assert _run(args) == 0
    ranking = json.loads((tmp_path / "compare.json").read_text())["ranking"]
    assert sorted(ranking["order"]) == ["voice0", "voice1"]
    assert "mcd" in ranking["metrics"] and "rtf" in ranking["metrics"]
    assert (tmp_path / "voice0" / "eval.json").is_file() and (tmp_path / "compare.html").is_file()
