"""S3 round trips against moto's real HTTP server on 127.0.0.1 (not an in-process mock)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from rocktop.storage import uri as storage
from rocktop.storage.errors import StorageError, StorageNotFoundError

MIB = storage.MIB

pytestmark = pytest.mark.integration


def _random_file(path: Path, size: int) -> Path:
    path.write_bytes(os.urandom(size))
    return path


def test_put_get_list_round_trip(s3_server: Any, bucket: str, tmp_path: Path) -> None:
    s3 = s3_server.settings()
    storage.write_bytes(f"{bucket}/voices/a.txt", b"alpha", s3)
    storage.put_file(_random_file(tmp_path / "b.bin", 1000), f"{bucket}/voices/sub/b.bin", s3)

    assert storage.read_bytes(f"{bucket}/voices/a.txt", s3) == b"alpha"
    assert storage.ls(f"{bucket}/voices", s3) == [f"{bucket}/voices/a.txt", f"{bucket}/voices/sub"]
    assert storage.find(f"{bucket}/voices", s3) == ["a.txt", "sub/b.bin"]
    assert storage.exists(f"{bucket}/voices/a.txt", s3)
    assert not storage.exists(f"{bucket}/voices/missing.txt", s3)
    storage.get_file(f"{bucket}/voices/sub/b.bin", tmp_path / "back.bin", s3)
    assert (tmp_path / "back.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()
    with storage.local_copy(f"{bucket}/voices/sub/b.bin", s3) as copy:
        assert copy.name == "b.bin" and copy.read_bytes() == (tmp_path / "b.bin").read_bytes()
    assert not copy.exists()


def test_multipart_upload_of_a_large_file(s3_server: Any, bucket: str, tmp_path: Path) -> None:
    big = _random_file(tmp_path / "big.bin", 20 * MIB)
    seen: list[int] = []
    storage.put_file(big, f"{bucket}/big.bin", s3_server.settings(), on_bytes=seen.append)

    info = storage.stat(f"{bucket}/big.bin", s3_server.settings())
    assert info.size == 20 * MIB
    assert info.etag is not None and info.etag.endswith("-4")  # four 5 MiB parts
    assert info.sha256 == hashlib.sha256(big.read_bytes()).hexdigest()
    assert seen == [5 * MIB] * 4
    storage.get_file(f"{bucket}/big.bin", tmp_path / "back.bin", s3_server.settings())
    assert (tmp_path / "back.bin").read_bytes() == big.read_bytes()


def test_server_stopped_mid_upload_leaves_no_object_and_retry_succeeds(
    s3_server: Any, bucket: str, tmp_path: Path
) -> None:
    big = _random_file(tmp_path / "big.bin", 20 * MIB)
    target = f"{bucket}/models/big.bin"
    s3 = s3_server.settings(max_concurrency=1)
    parts: list[int] = []

    def stop_after_first_part(n: int) -> None:
        parts.append(n)
        if len(parts) == 1:
            s3_server.stop()

    try:
        with pytest.raises(StorageError) as caught:
            storage.put_file(big, target, s3, on_bytes=stop_after_first_part)
    finally:
        s3_server.start()
    message = str(caught.value)
    assert "\n" not in message and target in message and "uploading" in message
    assert parts == [5 * MIB]
    assert not storage.exists(target, s3)
    assert storage.ls(bucket, s3) == []

    storage.put_file(big, target, s3)
    assert storage.stat(target, s3).sha256 == hashlib.sha256(big.read_bytes()).hexdigest()


def test_download_from_a_stopped_server_fails_cleanly(
    s3_server: Any, bucket: str, tmp_path: Path
) -> None:
    s3 = s3_server.settings()
    storage.write_bytes(f"{bucket}/x.bin", b"x" * 100, s3)
    s3_server.stop()
    try:
        with pytest.raises(StorageError, match=r"downloading s3://.*/x\.bin failed"):
            storage.get_file(f"{bucket}/x.bin", tmp_path / "x.bin", s3)
    finally:
        s3_server.start()
    assert list(tmp_path.iterdir()) == []


def test_failed_stream_write_publishes_nothing(s3_server: Any, bucket: str) -> None:
    s3 = s3_server.settings()
    with pytest.raises(RuntimeError), storage.open_write(f"{bucket}/half.bin", s3) as handle:
        handle.write(b"x" * (6 * MIB))
        raise RuntimeError("writer crashed")
    assert not storage.exists(f"{bucket}/half.bin", s3)


def test_missing_object_and_bucket_are_not_found(s3_server: Any, bucket: str) -> None:
    s3 = s3_server.settings()
    with pytest.raises(StorageNotFoundError, match="not found"):
        storage.read_bytes(f"{bucket}/nope.bin", s3)
    with pytest.raises(StorageNotFoundError):
        storage.stat("s3://rocktop-no-such-bucket/x", s3)
