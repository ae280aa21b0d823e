"""``rocktop eval audio|compare`` end to end on flite speech; one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rocktop.cli.main import main
from rocktop.testing.speech import SENTENCES, flite_say

FAST_METRICS = "f0,pesq,stoi,mcd,loudness"


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("voices")
    return {
        voice: flite_say(SENTENCES[1], voice, root / f"{voice}.wav") for voice in ("slt", "rms")
    }


def _run(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_eval_audio_writes_json_and_html(
    voices: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = [
        "eval",
        "audio",
        str(voices["slt"]),
        str(voices["rms"]),
        "--reference",
        str(voices["slt"]),
    ]
    code = _run([*args, "--metrics", FAST_METRICS, "--f0-method", "pm", "-o", str(out), "--json"])
    assert code == 0
    captured = capsys.readouterr()
    assert "SKIP  WER" in captured.err and "report:" in captured.err
    assert "summary" in json.loads(captured.out) and "NaN" not in captured.out
    data = json.loads((out / "eval.json").read_text())
    own, other = (clip["values"] for clip in data["clips"])
    assert own["pesq"] > 4.5 and own["mcd"] == 0.0 and own["f0_rmse_cents"] == 0.0
    assert other["pesq"] < 2.0 and other["mcd"] > 2.0
    assert data["info"]["pitch_extractor"] == "pm"
    assert (out / "report.html").read_text().count("<audio controls") >= 2


def test_eval_compare_ranks_saved_results(voices: dict[str, Path], tmp_path: Path) -> None:
    for name, voice in (("good", "slt"), ("bad", "rms")):
        args = ["eval", "audio", str(voices[voice]), "--reference", str(voices["slt"])]
        assert _run([*args, "--metrics", "mcd,stoi", "-o", str(tmp_path / name)]) == 0
    results = [str(tmp_path / name / "eval.json") for name in ("bad", "good")]
    assert _run(["eval", "compare", *results, "-o", str(tmp_path / "cmp")]) == 0
    ranking = json.loads((tmp_path / "cmp" / "compare.json").read_text())["ranking"]
    assert ranking["order"] == ["good", "bad"]
    assert (tmp_path / "cmp" / "compare.html").is_file()


@pytest.mark.slow
def test_eval_audio_with_speaker_and_whisper(
    voices: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["eval", "audio", str(voices["slt"]), "--target-speaker", str(voices["slt"])]
    args += ["--text", SENTENCES[1], "--metrics", "speaker,asr", "-o", str(tmp_path)]
    assert _run(args) == 0
    err = capsys.readouterr().err
    assert "PASS  speaker similarity" in err and ("WER" in err and "CER" in err)
    clip = json.loads((tmp_path / "eval.json").read_text())["clips"][0]
    assert clip["values"]["speaker_similarity"] > 0.95 and clip["transcript"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "audio", "missing.wav"], "no such file"),
        (["eval", "audio", "{corrupt}"], "corrupt.wav"),
        (["eval", "audio", "{slt}", "--reference", "{corrupt}"], "corrupt.wav"),
        (["eval", "audio", "{slt}", "--metrics", "dnsmos"], "unknown metric"),
        (["eval", "compare", "{slt}", "{rms}"], "needs --data"),
        (["eval", "run", "--model", "m.pth", "--data", "{tmp}", "--metrics", "mcd"], "metadata"),
    ],
)
def test_bad_inputs_give_one_line_errors(
    voices: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(40)))
    names = {k: str(v) for k, v in voices.items()} | {"tmp": str(tmp_path), "corrupt": str(corrupt)}
    filled = [a.format(**names) for a in args]
    assert _run([*filled, "-o", str(tmp_path / "out")]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert err.startswith("error: ") and message in err
