"""Typed clip records and the manifests: ``metadata.jsonl`` and per-split views.

``metadata.jsonl`` holds one JSON object per clip, sorted by id. Downstream readers (the
features helper) rely on ``id``, ``path`` (relative to the dataset folder) and ``status``.
Every write goes through ``rocktop.common.atomic``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from rocktop.common.atomic import atomic_open
from rocktop.common.errors import RocktopError

MANIFEST = "metadata.jsonl"
SPLITS = ("train", "val", "test")
ACCEPTED, REJECTED = "accepted", "rejected"


@dataclass
class ClipRecord:
    """One clip of the dataset (times in seconds, levels in dB/LUFS, rates in Hz).

    The QC fields are those of ``rocktop.data.qc.ClipMetrics``; ``review`` holds a reviewer's
    decision (``{"decision": "approved"|"rejected", "trimmed": bool}``) or None.
    """

    id: str
    path: str
    split: str | None
    source: str
    source_sha256: str
    session: str
    speaker: str
    start_s: float
    end_s: float
    duration_s: float
    sample_rate: int
    source_sample_rate: int
    clipping_percent: float
    hum_db: float | None
    hum_db_raw: float | None
    hum_notched: bool
    mains_hz: float
    plosives: int
    snr_db: float | None
    lufs: float | None
    dc_offset: float
    bandwidth_hz: float
    silence_ratio: float
    speaker_similarity: float | None
    status: str
    reasons: list[str] = field(default_factory=list)
    text: str | None = None
    review: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipRecord:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(path: Path) -> list[ClipRecord]:
    """Records of a ``metadata.jsonl`` (an error names the file and line when one is bad)."""
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(ClipRecord.from_dict(json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise RocktopError(f"{path}:{number}: not a clip record ({exc})") from None
    return records


def _write_jsonl(path: Path, records: list[ClipRecord]) -> None:
    with atomic_open(path, "w") as handle:
        for record in records:
            handle.write(json.dumps(record.to_dict(), sort_keys=False) + "\n")


def write_manifests(data_dir: Path, records: list[ClipRecord]) -> None:
    """Write ``metadata.jsonl`` (all clips) and ``train|val|test/metadata.jsonl`` views.

    A split view's ``path`` stays relative to ``data_dir`` (the views are filters, not copies).
    """
    ordered = sorted(records, key=lambda r: r.id)
    for split in SPLITS:
        _write_jsonl(data_dir / split / MANIFEST, [r for r in ordered if r.split == split])
    _write_jsonl(data_dir / MANIFEST, ordered)
