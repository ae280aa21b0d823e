"""Staging remote folders for commands that work on local folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rocktop.storage import uri as storage
from rocktop.storage.staging import input_dir, output_dir, staging_path


def test_local_paths_are_used_in_place(tmp_path: Path) -> None:
    with input_dir(str(tmp_path), tmp_path / "stage") as src:
        assert src == tmp_path
    with output_dir(str(tmp_path / "out"), tmp_path / "stage") as dst:
        assert dst == tmp_path / "out" and dst.is_dir()
    assert not (tmp_path / "stage").exists()


def test_staging_path_is_stable_and_distinct(tmp_path: Path) -> None:
    a = staging_path("s3://b/data/raw", tmp_path)
    assert a == staging_path("s3://b/data/raw/", tmp_path) and a.name.startswith("raw-")
    assert a != staging_path("s3://b/other/raw", tmp_path)


@pytest.mark.integration
def test_remote_input_and_output_round_trip(s3_server: Any, bucket: str, tmp_path: Path) -> None:
    s3 = s3_server.settings()
    storage.write_bytes(f"{bucket}/raw/a.wav", b"a" * 10, s3)
    storage.write_bytes(f"{bucket}/raw/sub/b.wav", b"b" * 20, s3)
    stage = tmp_path / "stage"
    with input_dir(f"{bucket}/raw", stage, s3) as src:
        assert sorted(p.relative_to(src).as_posix() for p in src.rglob("*.wav")) == [
            "a.wav",
            "sub/b.wav",
        ]
    with pytest.raises(RuntimeError), output_dir(f"{bucket}/out", stage, s3) as dst:
        (dst / "clip-1.wav").write_bytes(b"1" * 5)
        raise RuntimeError("killed half-way")
    assert storage.find(f"{bucket}/out", s3) == ["clip-1.wav"]  # finished work is kept

    with output_dir(f"{bucket}/out", tmp_path / "fresh-stage", s3) as dst:
        assert (dst / "clip-1.wav").read_bytes() == b"1" * 5  # the rerun sees it
        (dst / "clip-2.wav").write_bytes(b"2" * 5)
    assert storage.find(f"{bucket}/out", s3) == ["clip-1.wav", "clip-2.wav"]
