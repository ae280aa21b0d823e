"""Dataset-wide decisions once every source is processed: speaker verification, QC reasons,
splits, transcripts, reviewer decisions carried over; then manifests, provenance and report.

A pure function of the per-source results and settings, so a sharded build merged equals an
unsharded one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from rocktop import __version__
from rocktop.common.atomic import atomic_write_text
from rocktop.data import qc
from rocktop.data.manifest import (
    ACCEPTED,
    MANIFEST,
    REJECTED,
    ClipRecord,
    read_manifest,
    write_manifests,
)
from rocktop.data.process import SourceResult
from rocktop.data.settings import BuildSettings
from rocktop.data.speaker import dominant_centroid, similarities
from rocktop.data.split import assign_splits

logger = logging.getLogger(__name__)

DATASET_JSON = "dataset.json"
_METRIC_FIELDS = tuple(qc.ClipMetrics.__dataclass_fields__)


@dataclass(frozen=True)
class Failure:
    """An input that produced nothing, and why (one line)."""

    source: str
    error: str


def _records(results: list[SourceResult], speaker: str) -> tuple[list[ClipRecord], np.ndarray]:
    rows: list[tuple[dict[str, Any], np.ndarray, SourceResult]] = []
    for result in results:
        rows += [(c, e, result) for c, e in zip(result.clips, result.embeddings, strict=True)]
    rows.sort(key=lambda row: row[0]["id"])
    records = [
        ClipRecord.from_dict(
            clip
            | {"source_sha256": res.sha256, "speaker": speaker, "split": None}
            | {"speaker_similarity": None, "status": ACCEPTED}
        )
        for clip, _, res in rows
    ]
    embeddings = np.stack([row[1] for row in rows]) if rows else np.zeros((0, 256), np.float32)
    return records, embeddings


def _metrics(record: ClipRecord) -> qc.ClipMetrics:
    values = {name: getattr(record, name) for name in _METRIC_FIELDS}
    for name in ("hum_db", "hum_db_raw", "snr_db"):
        values[name] = float("-inf") if values[name] is None else values[name]
    return qc.ClipMetrics(**values)


def _text_for(record: ClipRecord, transcripts: dict[str, str], clips_per_source: int) -> str | None:
    if record.id in transcripts:
        return transcripts[record.id]
    stem = Path(record.source).stem
    for key in (record.source, stem):
        if key in transcripts and clips_per_source == 1:
            return transcripts[key]
    return None


def _carry_review(record: ClipRecord, previous: dict[str, ClipRecord], out_dir: Path) -> None:
    """Keep an earlier reviewer decision for the same clip of the same recording; keep a trim
    only while the clip file still has the trimmed length (reprocessing rewrites it)."""
    old = previous.get(record.id)
    if old is None or old.review is None or old.source_sha256 != record.source_sha256:
        return
    if not old.review.get("trimmed"):
        record.review = old.review
        return
    try:
        length_s = sf.info(str(out_dir / record.path)).duration
    except (OSError, RuntimeError):
        return
    if abs(length_s - old.duration_s) < 1e-3:
        record.review = old.review
        record.start_s, record.end_s, record.duration_s = old.start_s, old.end_s, old.duration_s


def apply_status(record: ClipRecord) -> None:
    """Status from QC reasons, overridden by a reviewer's decision."""
    decision = (record.review or {}).get("decision")
    record.reasons = [r for r in record.reasons if r != "reviewer"]
    if decision == "rejected":
        record.reasons.append("reviewer")
        record.status = REJECTED
    elif decision == "approved":
        record.status = ACCEPTED
    else:
        record.status = REJECTED if record.reasons else ACCEPTED


def decide(
    results: list[SourceResult],
    settings: BuildSettings,
    reference: np.ndarray | None,
    transcripts: dict[str, str],
    previous: dict[str, ClipRecord],
    out_dir: Path,
) -> list[ClipRecord]:
    """Build the final clip records from per-source results (sorted by id).

    Splits weigh each source by the duration of its clips that pass QC and speaker checks
    (reviewer decisions do not move recordings between splits).
    """
    records, embeddings = _records(results, settings.speaker)
    thresh = settings.final.spk_sim_thresh
    centroid = reference if reference is not None else dominant_centroid(embeddings, thresh)
    scores = similarities(embeddings, centroid)
    usable: dict[str, float] = {}
    counts: dict[str, int] = {}
    for record, score in zip(records, scores, strict=True):
        record.speaker_similarity = round(float(score), 6)
        record.reasons = qc.defects(_metrics(record), settings.qc, settings.segment)
        if score < thresh:
            record.reasons.append("speaker")
        clean = 0.0 if record.reasons else record.duration_s
        usable[record.source] = usable.get(record.source, 0.0) + clean
        counts[record.source] = counts.get(record.source, 0) + 1
    splits = assign_splits(usable, settings.final.split, settings.final.seed)
    for record in records:
        record.split = splits[record.source]
        record.text = _text_for(record, transcripts, counts[record.source])
        _carry_review(record, previous, out_dir)
        apply_status(record)
    return records


def previous_records(out_dir: Path) -> dict[str, ClipRecord]:
    """The records of an earlier build in ``out_dir`` (to keep reviewer decisions)."""
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        return {r.id: r for r in read_manifest(path)}
    except Exception:  # noqa: BLE001 - an unreadable old manifest is replaced, not fatal
        logger.warning("%s: unreadable, reviewer decisions in it are not carried over", path)
        return {}


def provenance(
    results: list[SourceResult],
    failures: list[Failure],
    records: list[ClipRecord],
    settings: BuildSettings,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The ``dataset.json`` content: version, parameters, inputs with sha256, totals."""
    from rocktop.data.report import summarize

    inputs = [
        {"source": r.source_id, "sha256": r.sha256, "clips": len(r.clips), "error": r.error}
        for r in sorted(results, key=lambda r: r.source_id)
    ]
    return {
        "rocktop_version": __version__,
        "parameters": settings.as_dict() | extra,
        "inputs": inputs,
        "failed": [{"source": f.source, "error": f.error} for f in failures],
        "totals": summarize(records, settings),
    }


def finalize(
    out_dir: Path,
    results: list[SourceResult],
    failures: list[Failure],
    settings: BuildSettings,
    reference: np.ndarray | None = None,
    transcripts: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Decide, then write manifests, ``dataset.json`` and ``report.html``; returns provenance."""
    from rocktop.data.report import write_report

    ok = [r for r in results if r.error is None]
    failures = failures + [Failure(r.source_id, r.error) for r in results if r.error is not None]
    failures.sort(key=lambda f: f.source)
    previous = previous_records(out_dir)
    records = decide(ok, settings, reference, transcripts or {}, previous, out_dir)
    write_manifests(out_dir, records)
    info = provenance(results, failures, records, settings, extra or {})
    atomic_write_text(out_dir / DATASET_JSON, json.dumps(info, indent=2) + "\n")
    write_report(out_dir / "report.html", records, failures, info, settings)
    return info
