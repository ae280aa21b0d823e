"""The reviewer's view of a dataset: look clips up by id, record decisions and trims.

Only files listed in ``metadata.jsonl`` and lying inside the dataset folder are ever
served; a clip id is a manifest key, never a path. Writes are atomic and serialised.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np

from rocktop.audio import export, io
from rocktop.audio.types import Audio
from rocktop.common.atomic import atomic_path
from rocktop.common.errors import RocktopError
from rocktop.data.finalize import apply_status
from rocktop.data.manifest import MANIFEST, ClipRecord, read_manifest, write_manifests

ORIGINALS = Path(".review") / "originals"
DECISIONS = ("approved", "rejected", None)


class ReviewStore:
    """Manifest access for the reviewer (thread-safe).

    Args:
        data_dir: a dataset folder holding ``metadata.jsonl``.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        if not (self.data_dir / MANIFEST).is_file():
            raise RocktopError(f"{data_dir}: no {MANIFEST} (build the dataset first)")
        self._lock = threading.Lock()

    def records(self) -> list[ClipRecord]:
        return read_manifest(self.data_dir / MANIFEST)

    def get(self, clip_id: str) -> ClipRecord | None:
        return next((r for r in self.records() if r.id == clip_id), None)

    def _inside(self, relative: str) -> Path | None:
        path = (self.data_dir / relative).resolve()
        if not path.is_relative_to(self.data_dir) or not path.is_file():
            return None
        return path

    def clip_file(self, clip_id: str) -> Path | None:
        """The WAV of a listed clip, or None (unknown id, or a path leaving the folder)."""
        record = self.get(clip_id)
        return None if record is None else self._inside(record.path)

    def _update(self, clip_id: str, change: str, value: object) -> ClipRecord:
        with self._lock:
            records = self.records()
            record = next((r for r in records if r.id == clip_id), None)
            if record is None:
                raise KeyError(clip_id)
            if change == "decision":
                review = dict(record.review or {})
                review["decision"] = value
                record.review = review
            else:
                self._trim(record, value)  # type: ignore[arg-type]
            apply_status(record)
            write_manifests(self.data_dir, records)
            return record

    def decide(self, clip_id: str, decision: str | None) -> ClipRecord:
        """Approve, reject, or (None) clear the reviewer's decision; written atomically."""
        if decision not in DECISIONS:
            raise RocktopError(f"decision must be approved, rejected or null, not {decision!r}")
        return self._update(clip_id, "decision", decision)

    def trim(self, clip_id: str, start_s: float, end_s: float) -> ClipRecord:
        """Keep ``[start_s, end_s)`` of the clip as first built (the original is kept aside)."""
        return self._update(clip_id, "trim", (float(start_s), float(end_s)))

    def _trim(self, record: ClipRecord, span: tuple[float, float]) -> None:
        current = self._inside(record.path)
        if current is None:
            raise RocktopError(f"{record.id}: clip file missing")
        original = self.data_dir / ORIGINALS / f"{record.id}.wav"
        review = dict(record.review or {})
        if not original.exists():
            with atomic_path(original) as tmp:
                shutil.copyfile(current, tmp)
            review["built_start_s"], review["built_end_s"] = record.start_s, record.end_s
        audio = io.load(original)
        start = int(round(max(span[0], 0.0) * audio.sample_rate))
        end = int(round(min(span[1], audio.duration_s) * audio.sample_rate))
        if end - start < audio.sample_rate // 10:
            raise RocktopError(f"{record.id}: trim leaves less than 0.1 s")
        export.write(
            current, Audio(np.ascontiguousarray(audio.samples[:, start:end]), audio.sample_rate)
        )
        record.start_s = review["built_start_s"] + start / audio.sample_rate
        record.end_s = review["built_start_s"] + end / audio.sample_rate
        record.duration_s = (end - start) / audio.sample_rate
        review["trimmed"] = True
        record.review = review
