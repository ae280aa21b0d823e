"""End to end on the debug config: dataset build -> features -> 50 steps -> export -> convert.

Real components only: flite speech, ``rocktop data build``, ``rocktop features extract`` with a
tiny random ContentVec (8-d units, same code as the real one) and the pm F0 extractor,
``rocktop train debug=fast``, then ``rocktop convert`` with the exported voice and index.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import soundfile as sf
import torch

from rocktop.cli.main import main
from rocktop.testing.contentvec import tiny_hubert, write_hf_dir
from rocktop.testing.corpus import spoken
from rocktop.testing.speech import SENTENCES

pytestmark = pytest.mark.slow
BUDGET_S = 180.0  # the limit on the CI machine


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    main(argv)
    out = capsys.readouterr().out
    return json.loads(out[out.index("{") if out.lstrip().startswith("{") else out.index("[") :])


def test_dataset_to_features_to_training_to_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    started = time.monotonic()
    (tmp_path / "raw").mkdir()
    speech = spoken("slt", list(SENTENCES[:4]), tmp_path)
    sf.write(tmp_path / "raw" / "a.wav", speech, 16_000)
    write_hf_dir(tmp_path / "weights" / "hubert_base", tiny_hubert(seed=11))

    data = tmp_path / "data"
    build = ["data", "build", "--in-dir", "raw", "--out-dir", str(data), "--json"]
    build += ["--min-sec", "1", "--max-sec", "4", "--min-bandwidth-hz", "6000"]
    _cli(build, capsys)
    features = ["features", "extract", "--data", str(data), "--f0", "pm", "--device", "cpu"]
    features += ["--weights-dir", "weights", "--export-rvc-layout", str(data / "rvc"), "--json"]
    assert _cli(features, capsys)["failed"] == []  # type: ignore[index]

    train = ["train", "debug=fast", f"data.dir={data}", "+model.overrides.content_dim=8"]
    train += ["steps=50", "save_every_steps=25", "logger=csv", "paths.run_dir=run", "name=e2e"]
    summary = _cli(train, capsys)
    assert isinstance(summary, dict) and summary["steps"] == 50
    exports = {k: Path(v) for k, v in summary["exports"].items()}
    assert {"safetensors", "pth", "index"} <= set(exports)
    rvc = torch.load(exports["pth"], map_location="cpu", weights_only=True)
    assert rvc["version"] == "v2" and rvc["f0"] == 1 and rvc["config"][-1] == 48_000

    clip = next((data / "wavs").rglob("*.wav"))
    convert = ["convert", str(clip), "-m", str(exports["safetensors"]), "-o", "out"]
    convert += ["--index", str(exports["index"]), "--f0-method", "pm", "--weights-dir", "weights"]
    report = _cli([*convert, "--json"], capsys)
    assert isinstance(report, list) and report[0]["status"] == "written"
    converted, rate = sf.read(report[0]["output"], dtype="float32")
    source, _ = sf.read(clip, dtype="float32")
    assert rate == 48_000 and abs(len(converted) - len(source)) <= rate // 50
    assert converted.std() > 0.0
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET_S * 2, f"end to end took {elapsed:.0f} s"  # 2x: shared-CPU slack
