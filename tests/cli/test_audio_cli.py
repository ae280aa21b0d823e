"""`rocktop audio info|prep|master` end to end, including the bad-input corpus."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from rocktop.audio import analysis, io
from rocktop.cli.main import main
from rocktop.common.atomic import TMP_PREFIX
from rocktop.testing import synth
from rocktop.testing.badaudio import write_bad_audio_corpus


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    try:
        code = main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ffmpeg_ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness and true peak measured by FFmpeg's independent BS.1770 meter."""
    result = subprocess.run(
        [
            "ffmpeg",
            "-nostats",
            "-i",
            str(path),
            "-filter_complex",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = result.stderr[result.stderr.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


@pytest.fixture
def speechlike(tmp_path: Path) -> Path:
    """6 s, 44.1 kHz int16 stereo: a vibrato tone with bursts and a little noise."""
    rate = 44_100
    tone = synth.tone_from_contour(synth.vibrato_contour(180.0, 6.0), rate, amplitude=0.4)
    envelope = np.repeat(np.random.default_rng(3).uniform(0.2, 1.0, 60), rate // 10)
    left = tone * envelope[: len(tone)] + synth.noise(6.0, rate, -50.0)
    stereo = np.stack([left, 0.7 * left], axis=1)
    path = tmp_path / "in.wav"
    sf.write(path, stereo, rate, subtype="PCM_16")
    return path


def test_prep_44k1_int16_stereo_to_48k_float_at_minus_1_dbfs(
    speechlike: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.wav"
    code, _, err = run_cli(["audio", "prep", str(speechlike), str(out)], capsys)
    assert code == 0, err
    info = sf.info(out)
    assert (info.samplerate, info.subtype, info.channels) == (48_000, "FLOAT", 2)
    assert abs(analysis.peak_db(io.load(out).samples) - (-1.0)) <= 0.05


def test_master_reaches_target_by_an_independent_meter(
    speechlike: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "master.wav"
    args = [
        "audio",
        "master",
        str(speechlike),
        str(out),
        "--lufs",
        "-19",
        "--true-peak",
        "-1",
        "--bits",
        "16",
        "--mono",
        "--json",
    ]
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    assert sf.info(out).subtype == "PCM_16"
    integrated, true_peak = ffmpeg_ebur128(out)
    assert abs(integrated - (-19.0)) <= 0.1
    assert true_peak <= -1.0
    assert abs(json.loads(stdout)["output_lufs"] - (-19.0)) <= 0.1


def test_every_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path in write_bad_audio_corpus(tmp_path / "bad"):
        for command in (
            ["audio", "info", str(path)],
            ["audio", "prep", str(path), str(tmp_path / "o.wav")],
        ):
            code, _, err = run_cli(command, capsys)
            lines = [line for line in err.splitlines() if line.strip()]
            assert code == 2, (path.name, err)
            assert len(lines) == 1 and path.name in lines[0], (path.name, err)
    assert not (tmp_path / "o.wav").exists()


def test_folder_prep_keeps_tree_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "raw"
    for name in ("a.wav", "sub/b.flac", "sub/deeper/c.wav"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        sf.write(source / name, synth.sine(300, 0.5, 22_050, 0.3), 22_050)
    out = tmp_path / "prepared"
    # A killed earlier run left a temporary file: it must not count as output.
    (out / "sub").mkdir(parents=True)
    (out / "sub" / f"{TMP_PREFIX}b.wav").write_bytes(b"half")
    code, stdout, err = run_cli(
        ["audio", "prep", str(source), str(out), "--workers", "2", "--json"], capsys
    )
    assert code == 0, err
    assert json.loads(stdout)["written"] == 3
    assert sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*.wav")
        if not p.name.startswith(TMP_PREFIX)
    ) == ["a.wav", "sub/b.wav", "sub/deeper/c.wav"]
    code, stdout, _ = run_cli(["audio", "prep", str(source), str(out), "--json"], capsys)
    assert json.loads(stdout) == {"written": 0, "skipped": 3, "failed": []}


def test_batch_with_one_bad_file_processes_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "raw"
    source.mkdir()
    sf.write(source / "good.wav", synth.sine(300, 0.5, 48_000, 0.3), 48_000)
    (source / "bad.wav").write_text("not audio")
    code, _, err = run_cli(["audio", "prep", str(source), str(tmp_path / "out")], capsys)
    assert code == 2 and "bad.wav" in err and "1 of 2 inputs failed" in err
    assert (tmp_path / "out" / "good.wav").exists()


def test_info_json_and_console_script(speechlike: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rocktop", "audio", "info", str(speechlike), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    row = json.loads(result.stdout)[0]
    assert row["sample_rate"] == 44_100 and row["channels"] == 2
    assert {
        "peak_dbfs",
        "integrated_lufs",
        "true_peak_dbtp",
        "clipping_percent",
        "dc_offset",
        "duration_s",
        "format",
    } <= set(row)


def test_debug_shows_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "x.wav"
    bad.write_text("nope")
    plain = subprocess.run(
        [sys.executable, "-m", "rocktop", "audio", "info", str(bad)], capture_output=True, text=True
    )
    debug = subprocess.run(
        [sys.executable, "-m", "rocktop", "--debug", "audio", "info", str(bad)],
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert "Traceback" in debug.stderr
