"""The clips a feature job works on: a dataset folder's ``metadata.jsonl`` or a folder of audio.

``metadata.jsonl`` holds one JSON object per clip with at least ``id``, ``path`` (relative to
the dataset folder) and ``status`` (``accepted`` / ``rejected``); only accepted clips are used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from rocktop.common.errors import RocktopError
from rocktop.common.files import find_audio

METADATA_FILE = "metadata.jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Clip:
    """One audio clip: a stable ``id`` (used for file names) and its ``path``."""

    id: str
    path: Path


def safe_name(clip_id: str) -> str:
    """A file-name-safe form of a clip id (path separators and odd characters -> ``_``)."""
    name = _UNSAFE.sub("_", clip_id).strip("._")
    return name or "clip"


def _from_metadata(data: Path) -> list[Clip]:
    clips = []
    lines = (data / METADATA_FILE).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            clip_id, rel, status = str(record["id"]), str(record["path"]), record["status"]
        except (ValueError, KeyError, TypeError) as exc:
            where = f"{data / METADATA_FILE}:{number}"
            raise RocktopError(
                f"{where}: need a JSON object with id, path, status ({exc})"
            ) from exc
        if status != "accepted":
            continue
        path = (data / rel).resolve()
        if not path.is_relative_to(data.resolve()):
            raise RocktopError(f"{data / METADATA_FILE}:{number}: path {rel!r} leaves the dataset")
        clips.append(Clip(clip_id, path))
    return clips


def read_clips(data: Path) -> list[Clip]:
    """Accepted clips of a dataset folder, or every audio file of a plain folder (id = path)."""
    if (data / METADATA_FILE).is_file():
        clips = _from_metadata(data)
    else:
        files = find_audio(data)
        root = data if data.is_dir() else data.parent
        clips = [Clip(str(f.relative_to(root).with_suffix("")), f) for f in files]
    names = [safe_name(c.id) for c in clips]
    if len(set(names)) != len(names):
        raise RocktopError(f"{data}: clip ids collide after making them file-name safe")
    return clips
