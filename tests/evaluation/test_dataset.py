"""Reading the evaluation split from DATA/metadata.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rocktop.evaluation.dataset import read_split
from rocktop.evaluation.errors import DatasetError


def _manifest(root: Path, records: list[dict[str, object]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) for r in records]
    (root / "metadata.jsonl").write_text("\n".join(lines) + "\n")
    return root


def test_selects_accepted_clips_of_the_split(tmp_path: Path) -> None:
    data = _manifest(
        tmp_path / "data",
        [
            {"id": "a", "path": "wavs/a.wav", "split": "test", "status": "accepted", "text": "hi"},
            {"id": "b", "path": "wavs/b.wav", "split": "test", "status": "rejected"},
            {"id": "c", "path": "wavs/c.wav", "split": "train", "status": "accepted"},
            {"id": "d", "path": "wavs/d.wav", "split": "test"},
        ],
    )
    clips = read_split(data, "test")
    assert [(c.clip_id, c.text) for c in clips] == [("a", "hi"), ("d", None)]
    assert clips[0].path == (data / "wavs/a.wav").resolve()
    assert len(read_split(data, "test", limit=1)) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no metadata.jsonl"),
        ("not json\n", "not JSON"),
        ('{"id": "x"}\n', "needs 'id' and 'path'"),
        ('{"id": "x", "path": "../../etc/passwd", "split": "test"}\n', "leaves the dataset"),
        ('{"id": "x", "path": "a.wav", "split": "train"}\n', "no accepted clips"),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "metadata.jsonl").write_text(content)
    with pytest.raises(DatasetError, match=message):
        read_split(tmp_path, "test")
