"""``build`` on the flite defect corpus: each defect flagged on its own clips, the other voice
rejected, clean clips accepted; outputs, provenance, report, bad inputs, reruns."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import soundfile as sf

import rocktop
from rocktop.audio.limits import DecodeLimits
from rocktop.data.build import BuildRequest, build
from rocktop.data.ingest import discover
from rocktop.data.manifest import read_manifest
from rocktop.data.process import run_source
from rocktop.data.settings import BuildSettings

EXPECTED = {  # case -> the reasons its clips must carry
    "hum": {"hum"},
    "clipping": {"clipping"},
    "plosive": {"plosive"},
    "noise": {"low_snr"},
    "lowband": {"low_bandwidth"},
    "other_voice": {"speaker"},
}
ALLOWED_ELSEWHERE = {"low_snr": {"noise", "hum"}}  # hum is noise too
pytestmark = pytest.mark.slow  # builds the shared corpus dataset (~30 s once per session)


def test_each_defect_is_flagged_on_its_clips_and_clean_clips_pass(built, corpus) -> None:  # type: ignore[no-untyped-def]
    _, names = corpus
    for case, name in names.items():
        records = built.of(name)
        assert records, f"{case}: no clips"
        for record in records:
            if case.startswith("clean"):
                assert record.status == "accepted" and record.reasons == [], (case, record.reasons)
                assert record.speaker_similarity is not None and record.speaker_similarity > 0.9
            else:
                assert EXPECTED[case] <= set(record.reasons), (case, record.reasons)
                assert record.status == "rejected"
    for reason in {r for reasons in EXPECTED.values() for r in reasons}:
        carriers = {r.source.rsplit(".", 1)[0] for r in built.records if reason in r.reasons}
        expected = {case for case, reasons in EXPECTED.items() if reason in reasons}
        assert carriers <= expected | ALLOWED_ELSEWHERE.get(reason, set()), (reason, carriers)


def test_other_voice_is_rejected_with_its_score(built, corpus) -> None:  # type: ignore[no-untyped-def]
    (record,) = built.of(corpus[1]["other_voice"])
    assert record.speaker_similarity is not None and record.speaker_similarity < 0.75


def test_clips_are_48k_float_wavs_of_5_to_15_s_named_by_speaker_and_session(built) -> None:
    assert len(built.of("clean_c.wav")) == 2  # 30 s of speech is cut
    for record in built.records:
        path = built.out_dir / record.path
        info = sf.info(path)
        assert (info.samplerate, info.subtype, info.channels) == (48_000, "FLOAT", 1)
        assert 5.0 <= record.duration_s <= 15.0
        assert abs(info.frames / 48_000 - record.duration_s) < 1e-3
        assert record.path.startswith(f"wavs/spk/{record.session}/spk_{record.session}_")


def test_manifests_splits_and_provenance(built, corpus) -> None:  # type: ignore[no-untyped-def]
    lines = (built.out_dir / "metadata.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert {"id", "path", "status", "split", "speaker_similarity", "reasons", "snr_db"} <= set(
        first
    )
    by_split: dict[str, set[str]] = {}
    for split in ("train", "val", "test"):
        view = read_manifest(built.out_dir / split / "metadata.jsonl")
        assert all(r.split == split for r in view)
        by_split[split] = {r.source for r in view}
    assert sum(len(v) for v in by_split.values()) == len({r.source for r in built.records})
    assert not (by_split["train"] & by_split["val"]) and not (by_split["train"] & by_split["test"])
    assert by_split["val"] and by_split["test"]
    info = json.loads((built.out_dir / "dataset.json").read_text())
    assert info["rocktop_version"] and info["parameters"]["segment"]["max_s"] == 15.0
    hashes = {i["source"]: i["sha256"] for i in info["inputs"]}
    from rocktop.common.hashing import sha256_file

    assert hashes["clean_a.wav"] == sha256_file(corpus[0] / "clean_a.wav")
    assert info["totals"]["accepted"] == sum(r.status == "accepted" for r in built.records)


def test_bad_inputs_are_listed_with_reasons_and_the_build_goes_on(built, bad_files) -> None:  # type: ignore[no-untyped-def]
    failed = {f["source"]: f["error"] for f in built.info["failed"]}
    assert set(failed) == set(bad_files)
    assert "empty" in failed["bad/empty.wav"]
    assert "limit" in failed["bad/three_hours.wav"] and "10800" in failed["bad/three_hours.wav"]
    assert "NaN" in failed["bad/nan.wav"] and "sample rate 4000" in failed["bad/4khz.wav"]
    report = (built.out_dir / "report.html").read_text()
    for name in bad_files:
        assert name in report
    assert "room_tone.wav" not in failed and "no speech found" in report
    assert {"source": "room_tone.wav", "clips": 0, "error": None}.items() <= next(
        i for i in built.info["inputs"] if i["source"] == "room_tone.wav"
    ).items()


def test_report_is_self_contained_with_targets(built) -> None:
    report = (built.out_dir / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 9
    assert "src='http" not in report and 'src="http' not in report
    assert "of clips within 5-15 s" in report and "of clips with defects" in report
    assert "FAIL: &gt;= 30 accepted minutes" in report  # a 2-minute test corpus
    assert "PASS: &gt;= 90% of clips within 5-15 s" in report
    assert "spk_other-voice" in report  # rejected clips are listed


@pytest.mark.slow
def test_rerun_skips_finished_sources_and_resumes_a_killed_one(
    built, corpus, tmp_path, settings_for, bad_files
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "copy"
    shutil.copytree(built.out_dir, out)
    before = (out / "metadata.jsonl").read_bytes()
    info = build(BuildRequest(corpus[0], out, settings_for()))
    assert info["run"]["processed"] == 0
    assert info["run"]["cached"] == len(corpus[1]) + len(bad_files) + 1  # + room tone
    assert (out / "metadata.jsonl").read_bytes() == before
    # A run killed while writing hum.wav's clips: its done-marker is missing, a temp file lies.
    session = next(r.session for r in built.records if r.source == "hum.wav")
    (out / ".cache/sources" / f"{session}.json").unlink()
    (out / "wavs/spk" / session / ".tmp-abc.wav").write_bytes(b"half")
    info = build(BuildRequest(corpus[0], out, settings_for()))
    assert info["run"]["processed"] == 1
    assert (out / "metadata.jsonl").read_bytes() == before
    assert not (out / "wavs/spk" / session / ".tmp-abc.wav").exists()


@pytest.mark.slow
def test_a_killed_build_leaves_no_half_written_file_and_resumes(corpus, tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    for name in (
        "clean_a.wav",
        "clean_c.wav",
        "clean_d.wav",
        "hum.wav",
        "noise.wav",
        "plosive.wav",
    ):
        shutil.copy(corpus[0] / name, raw / name)
    argv = [
        sys.executable,
        "-m",
        "rocktop",
        "data",
        "build",
        "--in-dir",
        str(raw),
        "--out-dir",
        str(out),
    ]
    env = dict(os.environ, PYTHONPATH=str(Path(rocktop.__file__).parents[1]))
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / ".cache/sources").glob("*.json")):
        time.sleep(0.05)
    process.kill()  # SIGKILL: no cleanup handlers run
    process.wait()
    done = list((out / ".cache/sources").glob("*.json"))
    assert 0 < len(done) < 6, "kill the build between its first and last source"
    for meta in done:
        json.loads(meta.read_text())
    for wav in (out / "wavs").rglob("*.wav"):
        if not wav.name.startswith(".tmp-"):
            assert sf.read(wav)[0].size > 0  # complete, readable
    assert (
        not (out / "metadata.jsonl").exists() or read_manifest(out / "metadata.jsonl") is not None
    )
    info = build(BuildRequest(raw, out, BuildSettings()))
    assert info["run"]["cached"] == len(done) and info["run"]["processed"] == 6 - len(done)
    assert not list((out / "wavs").rglob(".tmp-*"))
    records = read_manifest(out / "metadata.jsonl")
    assert {r.source for r in records} == {p.name for p in raw.iterdir()}


def test_autonotch_removes_hum_from_the_clip(corpus, tmp_path, settings_for) -> None:  # type: ignore[no-untyped-def]
    from rocktop.data.settings import PrepSettings

    source = next(s for s in discover(corpus[0]) if s.source_id == "hum.wav")
    settings = settings_for(prep=PrepSettings(hum_autonotch=True))
    (clip,) = run_source(source, tmp_path, settings, DecodeLimits()).clips
    assert clip["hum_notched"] and clip["mains_hz"] == 60.0
    assert clip["hum_db_raw"] > settings.qc.max_hum_db > clip["hum_db"] + 10
