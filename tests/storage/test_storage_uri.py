"""URI helpers on local paths and fsspec's in-memory file system (no server needed)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocktop.common.errors import RocktopError
from rocktop.storage import uri as storage
from rocktop.storage.errors import StorageError, StorageNotFoundError


def test_protocol_and_join() -> None:
    assert storage.protocol("/data/x.wav") == "file"
    assert storage.protocol("file:///data/x.wav") == "file"
    assert storage.protocol("S3://bucket/x") == "s3"
    assert storage.is_remote("s3://bucket/x") and not storage.is_remote("relative/x")
    assert (
        storage.join("s3://bucket/prefix/", "voices", "/a.pth") == "s3://bucket/prefix/voices/a.pth"
    )
    assert storage.join("/data", "a", "b.wav") == str(Path("/data/a/b.wav"))
    assert storage.local_path("file:///data/x") == Path("/data/x")


def test_settings_from_env_and_limits() -> None:
    env = {"AWS_ENDPOINT_URL": "http://minio:9000", "ROCKTOP_S3_PART_SIZE_MB": "8"}
    settings = storage.S3Settings.from_env(env)
    assert settings.endpoint_url == "http://minio:9000"
    assert settings.part_size_bytes == 8 * storage.MIB
    assert (
        storage.S3Settings.from_env({**env, "AWS_ENDPOINT_URL_S3": "http://s3"}).endpoint_url
        == "http://s3"
    )
    assert storage.S3Settings.from_env({}).endpoint_url is None
    with pytest.raises(ValueError, match="5242880"):
        storage.S3Settings(part_size_bytes=1024)
    for bad in ("4", "lots", "-8", ""):
        with pytest.raises(RocktopError, match="ROCKTOP_S3_PART_SIZE_MB"):
            storage.S3Settings.from_env({"ROCKTOP_S3_PART_SIZE_MB": bad})


def test_local_round_trip(tmp_path: Path) -> None:
    target = str(tmp_path / "deep" / "a.bin")
    storage.write_bytes(target, b"abc")
    assert storage.read_bytes(target) == b"abc"
    assert storage.exists(target)
    assert storage.stat(target).size == 3
    assert storage.ls(str(tmp_path / "deep")) == [target]
    assert storage.find(str(tmp_path)) == ["deep/a.bin"]
    storage.put_file(target, str(tmp_path / "copy.bin"))
    storage.get_file(str(tmp_path / "copy.bin"), tmp_path / "back.bin")
    assert (tmp_path / "back.bin").read_bytes() == b"abc"
    with storage.local_copy(target) as path:
        assert path == Path(target)


def test_failed_local_write_leaves_previous_content(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    storage.write_bytes(str(target), b"old")
    with pytest.raises(RuntimeError), storage.open_write(str(target)) as handle:
        handle.write(b"half")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_memory_filesystem_round_trip() -> None:
    root = f"memory://rocktop-{uuid.uuid4().hex}"
    storage.write_bytes(f"{root}/v/a.bin", b"1234")
    assert storage.read_bytes(f"{root}/v/a.bin") == b"1234"
    assert storage.find(root) == ["v/a.bin"]
    assert storage.stat(f"{root}/v/a.bin").size == 4
    with storage.local_copy(f"{root}/v/a.bin") as path:
        assert path.read_bytes() == b"1234" and path.name == "a.bin"
    with pytest.raises(RuntimeError), storage.open_write(f"{root}/v/b.bin") as handle:
        handle.write(b"half")
        raise RuntimeError("crash")
    assert not storage.exists(f"{root}/v/b.bin")


def test_missing_inputs_are_one_line_not_found(tmp_path: Path) -> None:
    for call in (
        lambda: storage.read_bytes(str(tmp_path / "missing.bin")),
        lambda: storage.stat(str(tmp_path / "missing.bin")),
        lambda: storage.ls(str(tmp_path / "missing")),
        lambda: storage.put_file(tmp_path / "missing.bin", str(tmp_path / "x")),
        lambda: storage.get_file(str(tmp_path / "missing.bin"), tmp_path / "out.bin"),
    ):
        with pytest.raises(StorageNotFoundError) as caught:
            call()
        assert "\n" not in str(caught.value) and "missing" in str(caught.value)
    assert not (tmp_path / "out.bin").exists()
    assert issubclass(StorageNotFoundError, StorageError)


@given(parts=st.lists(st.text(alphabet="abcxyz09_-.", min_size=1, max_size=8), max_size=4))
def test_join_keeps_every_segment(parts: list[str]) -> None:
    joined = storage.join("s3://bucket/root", *parts)
    assert joined.startswith("s3://bucket/root")
    assert joined.split("/")[4:] == parts
