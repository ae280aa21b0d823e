"""Read an evaluation split from a rocktop dataset (``DATA/metadata.jsonl``).

Each line is a JSON object with at least ``id`` and ``path`` (relative to ``DATA``); ``split``
selects the clips, ``status`` must be ``accepted`` when present (the dataset kit marks
rejected clips ``rejected``), ``text`` is the transcript when known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rocktop.evaluation.errors import DatasetError

ACCEPTED = "accepted"


@dataclass(frozen=True)
class EvalClip:
    """One clip to convert and score: id, absolute audio path, transcript (or None)."""

    clip_id: str
    path: Path
    text: str | None


def _parse(line: str, number: int, manifest: Path) -> dict[str, object]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{manifest}:{number}: not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or "id" not in record or "path" not in record:
        raise DatasetError(f"{manifest}:{number}: a record needs 'id' and 'path'")
    return record


def _inside(root: Path, relative: str, manifest: Path, number: int) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise DatasetError(f"{manifest}:{number}: path {relative!r} leaves the dataset folder")
    return path


def read_split(data_dir: Path, split: str = "test", limit: int | None = None) -> list[EvalClip]:
    """Accepted clips of ``split`` in manifest order (at most ``limit``).

    Raises:
        DatasetError: no ``metadata.jsonl``, a malformed line, a path outside ``data_dir``,
            or no accepted clip in the split.
    """
    manifest = Path(data_dir) / "metadata.jsonl"
    if not manifest.is_file():
        raise DatasetError(f"{data_dir}: no metadata.jsonl (is it a rocktop dataset?)")
    clips: list[EvalClip] = []
    lines = manifest.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = _parse(line, number, manifest)
        if record.get("split") != split or record.get("status", ACCEPTED) != ACCEPTED:
            continue
        text = record.get("text")
        path = _inside(Path(data_dir), str(record["path"]), manifest, number)
        clips.append(EvalClip(str(record["id"]), path, str(text) if text else None))
        if limit is not None and len(clips) >= limit:
            break
    if not clips:
        raise DatasetError(f"{manifest}: no accepted clips in split {split!r}")
    return clips
