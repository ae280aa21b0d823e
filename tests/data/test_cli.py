"""``rocktop data build|merge`` from the command line: JSON summary, transcripts, errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import soundfile as sf

from rocktop.cli.main import main


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps at 80 columns when not on a terminal


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_empty_folder_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw/notes.txt").write_text("no audio here")
    code, _, err = run(
        ["data", "build", "--in-dir", str(tmp_path / "raw"), "--out-dir", str(tmp_path / "out")],
        capsys,
    )
    assert code == 2
    assert "no audio files found" in err and len(err.strip().splitlines()) == 1


def test_only_bad_inputs_lists_them_then_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw/a.wav").write_bytes(b"junk")
    (tmp_path / "raw/b.flac").write_bytes(b"")
    out = tmp_path / "out"
    code, _, err = run(
        ["data", "build", "--in-dir", str(tmp_path / "raw"), "--out-dir", str(out)], capsys
    )
    assert code == 2
    assert "failed: a.wav" in err and "failed: b.flac" in err and "no clips" in err
    report = (out / "report.html").read_text()
    assert "a.wav" in report and "file is empty" in report


def test_bad_options_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for extra in (
        ["--split", "0.5,0.5"],
        ["--mains", "55"],
        ["--shard", "3/2"],
        ["--speaker", "../x"],
    ):
        code, _, err = run(
            ["data", "build", "--in-dir", str(tmp_path), "--out-dir", str(tmp_path / "o"), *extra],
            capsys,
        )
        assert code == 2 and len(err.strip().splitlines()) == 1, (extra, err)


@pytest.mark.slow
def test_build_with_transcripts_prints_json(
    corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(corpus[0] / "clean_b.flac", raw / "clean_b.flac")
    samples, rate = sf.read(corpus[0] / "clean_a.wav", dtype="float32")
    sf.write(raw / "clean_a.mp3", samples, rate, format="MP3")  # mixed formats
    texts = tmp_path / "texts.tsv"
    texts.write_text("clean_a\tThe quick brown fox.\nclean_b.flac\tPlease call Stella.\n")
    argv = [
        "data",
        "build",
        "--in-dir",
        str(raw),
        "--out-dir",
        str(tmp_path / "out"),
        "--json",
        "--transcripts",
        str(texts),
        "--min-bandwidth-hz",
        "6000",
        "--hum-autonotch",
        "--mains",
        "60",
    ]
    code, out, _ = run(argv, capsys)
    assert code == 0, out
    summary = json.loads(out)
    assert summary["totals"]["accepted"] == 2 and summary["run"]["processed"] == 2
    records = [
        json.loads(line) for line in (tmp_path / "out/metadata.jsonl").read_text().splitlines()
    ]
    assert {r["text"] for r in records} == {"The quick brown fox.", "Please call Stella."}
    assert all(r["mains_hz"] == 60.0 for r in records)
    code, out, _ = run(argv, capsys)
    assert code == 0 and json.loads(out)["run"]["cached"] == 2
    merged = tmp_path / "merged"
    code, out, _ = run(
        ["data", "merge", str(tmp_path / "out"), "--out-dir", str(merged), "--json"], capsys
    )
    assert code == 0 and json.loads(out)["totals"] == summary["totals"]
    assert (merged / "metadata.jsonl").read_bytes() == (
        tmp_path / "out/metadata.jsonl"
    ).read_bytes()
