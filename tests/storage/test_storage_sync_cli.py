"""Tree sync and the ``rocktop storage`` commands, local and against moto's S3 server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rocktop.cli.main import main
from rocktop.storage import uri as storage
from rocktop.storage.sync import sync_tree


def _tree(root: Path) -> Path:
    (root / "clips" / "a").mkdir(parents=True)
    (root / "clips" / "a" / "1.wav").write_bytes(b"1" * 100)
    (root / "clips" / "2.wav").write_bytes(b"2" * 200)
    (root / "metadata.jsonl").write_text('{"id": 1}\n')
    return root


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())  # rich wraps long lines at the terminal width


def test_local_sync_is_resumable(tmp_path: Path) -> None:
    source = _tree(tmp_path / "src")
    first = sync_tree(source, tmp_path / "dst")
    assert first.copied == ["clips/2.wav", "clips/a/1.wav", "metadata.jsonl"]
    assert first.bytes_copied == 310
    (tmp_path / "dst" / "clips" / "2.wav").unlink()  # a run killed half-way
    second = sync_tree(source, tmp_path / "dst")
    assert second.copied == ["clips/2.wav"] and len(second.skipped) == 2


@pytest.mark.integration
def test_sync_up_and_down_through_s3(s3_server: Any, bucket: str, tmp_path: Path) -> None:
    s3 = s3_server.settings()
    source = _tree(tmp_path / "src")
    assert len(sync_tree(source, f"{bucket}/ds", s3).copied) == 3
    assert sync_tree(source, f"{bucket}/ds", s3).copied == []
    down = sync_tree(f"{bucket}/ds", tmp_path / "back", s3)
    assert len(down.copied) == 3
    assert (tmp_path / "back" / "clips" / "a" / "1.wav").read_bytes() == b"1" * 100
    assert storage.find_sizes(f"{bucket}/ds", s3, maxdepth=1) == {"metadata.jsonl": 10}


@pytest.mark.integration
def test_storage_cli_against_s3(
    s3_server: Any,
    bucket: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    voice = tmp_path / "alice.safetensors"
    voice.write_bytes(b"v" * 64)
    assert _run(capsys, "storage", "cp", str(voice), f"{bucket}/voices/")[0] == 0
    code, out, _ = _run(capsys, "storage", "ls", f"{bucket}/voices")
    assert code == 0 and out.split() == [f"{bucket}/voices/alice.safetensors"]
    code, out, _ = _run(capsys, "storage", "stat", f"{bucket}/voices/alice.safetensors")
    assert json.loads(out)["size"] == 64
    code, out, _ = _run(capsys, "storage", "voices", f"{bucket}/voices")
    assert json.loads(out) == ["alice"]
    (tmp_path / "down").mkdir()
    assert (
        _run(capsys, "storage", "cp", f"{bucket}/voices/alice.safetensors", str(tmp_path / "down"))[
            0
        ]
        == 0
    )
    assert (tmp_path / "down" / "alice.safetensors").read_bytes() == b"v" * 64

    code, _, err = _run(capsys, "storage", "stat", f"{bucket}/voices/missing.pth")
    assert code == 2 and err.startswith("error: reading s3://") and err.endswith("not found")


def test_storage_cli_local_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "storage", "ls", str(tmp_path / "nowhere"))
    assert code == 2 and "not a directory" in err
    code, out, _ = _run(capsys, "storage", "voices", str(tmp_path))
    assert code == 0 and json.loads(out) == []
