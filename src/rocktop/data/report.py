"""``report.html``: a self-contained dataset report (inline PNG plots, no external files) with
the voice-cloning plan's quality targets as pass/fail lines."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from rocktop.common.atomic import atomic_write_text
from rocktop.data import plots
from rocktop.data.manifest import ACCEPTED, SPLITS, ClipRecord
from rocktop.data.settings import BuildSettings

NOT_DEFECTS = frozenset({"too_short", "too_long", "speaker", "reviewer"})
TARGET_IN_RANGE = 0.90  # share of clips within min..max seconds
TARGET_DEFECTS = 0.05  # share of clips with a QC defect
TARGET_MINUTES = 30.0  # accepted minutes (plan: 30-90)


def has_defect(record: ClipRecord) -> bool:
    """A QC defect (clipping, hum, pops, noise, ...), not a length or speaker reason."""
    return any(reason not in NOT_DEFECTS for reason in record.reasons)


def summarize(records: list[ClipRecord], settings: BuildSettings) -> dict[str, Any]:
    """Totals and the plan's targets (pass/fail)."""
    accepted = [r for r in records if r.status == ACCEPTED]
    seg = settings.segment
    in_range = [r for r in records if seg.min_s - 1e-6 <= r.duration_s <= seg.max_s + 1e-6]
    share_in_range = len(in_range) / len(records) if records else 0.0
    share_defects = sum(has_defect(r) for r in records) / len(records) if records else 0.0
    minutes = sum(r.duration_s for r in accepted) / 60.0
    per_split = {
        split: {
            "clips": sum(1 for r in accepted if r.split == split),
            "minutes": round(sum(r.duration_s for r in accepted if r.split == split) / 60.0, 4),
        }
        for split in SPLITS
    }
    return {
        "clips": len(records),
        "accepted": len(accepted),
        "rejected": len(records) - len(accepted),
        "accepted_minutes": round(minutes, 4),
        "splits": per_split,
        "targets": {
            "clips_in_length_range": {
                "value": round(share_in_range, 4),
                "pass": share_in_range >= TARGET_IN_RANGE,
            },
            "clips_with_defects": {
                "value": round(share_defects, 4),
                "pass": share_defects <= TARGET_DEFECTS,
            },
            "accepted_minutes": {"value": round(minutes, 2), "pass": minutes >= TARGET_MINUTES},
        },
    }


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_fmt(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if value is None:
        return "-"
    return str(value)


def _targets_html(totals: dict[str, Any], settings: BuildSettings) -> str:
    t = totals["targets"]
    seg = settings.segment
    lines = [
        (
            f">= 90% of clips within {seg.min_s:g}-{seg.max_s:g} s",
            f"{100 * t['clips_in_length_range']['value']:.1f}%",
            t["clips_in_length_range"]["pass"],
        ),
        (
            "<= 5% of clips with defects",
            f"{100 * t['clips_with_defects']['value']:.1f}%",
            t["clips_with_defects"]["pass"],
        ),
        (
            f">= {TARGET_MINUTES:g} accepted minutes (plan: 30-90)",
            f"{t['accepted_minutes']['value']:.2f} min",
            t["accepted_minutes"]["pass"],
        ),
    ]
    items = "".join(
        f'<li class="{"pass" if ok else "fail"}">{"PASS" if ok else "FAIL"}: '
        f"{escape(name)}: {escape(value)}</li>"
        for name, value, ok in lines
    )
    return f"<ul class='targets'>{items}</ul>"


def _plots_html(records: list[ClipRecord], settings: BuildSettings) -> str:
    qc, seg = settings.qc, settings.segment
    specs = [
        ([r.duration_s for r in records], "Clip durations", "s", [seg.min_s, seg.max_s]),
        (
            [r.speaker_similarity for r in records],
            "Speaker similarity",
            "cosine",
            [settings.final.spk_sim_thresh],
        ),
        ([r.snr_db for r in records], "SNR", "dB", [qc.min_snr_db]),
        ([r.hum_db for r in records], "Hum vs voice", "dB", [qc.max_hum_db]),
        (
            [r.bandwidth_hz / 1000 for r in records],
            "Effective bandwidth",
            "kHz",
            [qc.min_bandwidth_hz / 1000],
        ),
        ([r.lufs for r in records], "Integrated loudness", "LUFS", [qc.min_lufs]),
        ([r.clipping_percent for r in records], "Clipping", "% samples", [qc.max_clipping_percent]),
        ([r.silence_ratio for r in records], "Silence ratio", "share", [qc.max_silence_ratio]),
        ([float(r.plosives) for r in records], "Plosive bursts", "count", [qc.max_plosives + 0.5]),
    ]
    images = "".join(
        f"<img alt='{escape(title)}' src='{plots.histogram(values, title, unit, lines)}'>"  # type: ignore[arg-type]
        for values, title, unit, lines in specs
    )
    return f"<div class='plots'>{images}</div>"


def _sources_html(records: list[ClipRecord], inputs: list[dict[str, Any]]) -> str:
    """One row per source; decoded inputs without any speech get a row saying so."""
    by_source: dict[str, list[ClipRecord]] = {}
    for record in records:
        by_source.setdefault(record.source, []).append(record)
    rows: list[tuple[Any, ...]] = [
        (
            source,
            clips[0].split,
            len(clips),
            sum(1 for c in clips if c.status == ACCEPTED),
            sum(c.duration_s for c in clips if c.status == ACCEPTED) / 60.0,
            min(c.speaker_similarity or 0.0 for c in clips),
            ", ".join(sorted({reason for c in clips for reason in c.reasons})),
        )
        for source, clips in sorted(by_source.items())
    ]
    silent = [i["source"] for i in inputs if i["error"] is None and i["clips"] == 0]
    rows += [(source, None, 0, 0, 0.0, None, "no speech found") for source in silent]
    return _table(
        ["source", "split", "clips", "accepted", "accepted min", "min similarity", "reasons"], rows
    )


STYLE = """body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;
font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}.pass{color:#1e7b34}
.fail{color:#b3261e}.plots img{margin:4px}h2{margin-top:1.4em}"""


def write_report(
    path: Path,
    records: list[ClipRecord],
    failures: list[Any],
    info: dict[str, Any],
    settings: BuildSettings,
) -> None:
    """Write the self-contained HTML report atomically."""
    totals = info["totals"]
    rejected = [r for r in records if r.status != ACCEPTED]
    summary = _table(
        ["clips", "accepted", "rejected", "accepted minutes"],
        [(totals["clips"], totals["accepted"], totals["rejected"], totals["accepted_minutes"])],
    )
    splits = _table(
        ["split", "accepted clips", "accepted minutes"],
        [(s, v["clips"], v["minutes"]) for s, v in totals["splits"].items()],
    )
    rejected_rows = [
        (r.id, r.source, r.duration_s, r.speaker_similarity, ", ".join(r.reasons)) for r in rejected
    ]
    failed_rows = [(f.source, f.error) for f in failures]
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>rocktop dataset report</title>"
        f"<style>{STYLE}</style></head><body><h1>Dataset report</h1>"
        f"<p>rocktop {escape(str(info['rocktop_version']))}, {len(info['inputs'])} inputs</p>"
        f"<h2>Targets</h2>{_targets_html(totals, settings)}<h2>Totals</h2>{summary}{splits}"
        f"<h2>Distributions</h2>{_plots_html(records, settings)}"
        f"<h2>Rejected clips ({len(rejected)})</h2>"
        f"{_table(['clip', 'source', 'duration s', 'similarity', 'reasons'], rejected_rows)}"
        f"<h2>Failed inputs ({len(failures)})</h2>{_table(['input', 'reason'], failed_rows)}"
        f"<h2>Sources</h2>{_sources_html(records, info['inputs'])}</body></html>\n"
    )
    atomic_write_text(path, html)
