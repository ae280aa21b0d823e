"""Write evaluation results: JSON (per clip + aggregates) and a self-contained HTML report.

The HTML has no external resources: figures are inline PNG (matplotlib Agg) and the worst
clips' audio is embedded as base64 FLAC (16-bit) in ``<audio>`` players.
"""

from __future__ import annotations

import base64
import json
import logging
import math
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from rocktop.audio.types import Audio
from rocktop.common.atomic import atomic_write_text
from rocktop.common.errors import RocktopError
from rocktop.evaluation import plots
from rocktop.evaluation.result import DIRECTIONS, ClipScores, EvalResult
from rocktop.evaluation.runner import ClipPair
from rocktop.evaluation.targets import check_targets

logger = logging.getLogger(__name__)

WORST_PREFERENCE = ("speaker_similarity", "wer", "mcd", "f0_rmse_cents", "pesq", "stoi")
STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}
th{background:#eee}.pass{color:#070}.fail{color:#b00}.skip{color:#777}
.grid{display:flex;flex-wrap:wrap;gap:6px}.clip{border-top:2px solid #888;margin-top:1.5em}
pre{white-space:pre-wrap}"""


def write_json(result: EvalResult, path: Path) -> Path:
    """Write ``result.as_dict()`` plus the plan-target checks atomically as JSON."""
    data = result.as_dict() | {"targets": [c.as_dict() for c in check_targets(result.summary())]}
    atomic_write_text(path, json.dumps(as_jsonable(data), indent=2, allow_nan=False) + "\n")
    return path


def read_json(path: Path) -> EvalResult:
    """Read a result written by ``write_json``. Raises ``RocktopError`` when unreadable."""
    try:
        return EvalResult.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RocktopError(f"{path}: not an evaluation result ({exc})") from None


def fmt_value(value: float | None, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits; a dash when missing or not finite."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}g}"


def html_table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; ``header`` is escaped here, cells must be escaped by the caller."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def targets_html(summary: Mapping[str, float]) -> str:
    """The plan's targets as coloured PASS/FAIL/SKIP lines."""
    lines = []
    for check in check_targets(summary):
        css = "skip" if check.passed is None else ("pass" if check.passed else "fail")
        lines.append(f'<div class="{css}"><code>{escape(check.line)}</code></div>')
    return "".join(lines)


def _aggregates_html(result: EvalResult) -> str:
    rows = []
    for name, agg in sorted(result.aggregates.items()):
        pooled = fmt_value(result.pooled.get(name))
        ci = f"[{fmt_value(agg.ci_low)}, {fmt_value(agg.ci_high)}]"
        sign = {1: "↑", -1: "↓"}.get(DIRECTIONS.get(name, 0), "")
        rows.append(
            [f"{escape(name)} {sign}", fmt_value(agg.mean), ci, pooled, fmt_value(agg.median)]
            + [fmt_value(agg.std), str(agg.n), str(agg.n_missing)]
        )
    header = ["metric", "mean", "95% CI (t)", "pooled", "median", "std", "n", "missing"]
    return html_table(header, rows)


def _worst_metric(result: EvalResult) -> str | None:
    return next((m for m in WORST_PREFERENCE if m in result.aggregates), None)


def worst_clips(result: EvalResult, metric: str, count: int) -> list[ClipScores]:
    """The ``count`` clips with the worst finite ``metric`` values."""
    scored = [c for c in result.clips if math.isfinite(c.values.get(metric, math.nan))]
    direction = DIRECTIONS.get(metric, -1)
    return sorted(scored, key=lambda c: direction * c.values[metric])[:count]


def _audio_of(clip: ClipScores, pairs: Mapping[str, ClipPair]) -> tuple[Audio | None, Audio | None]:
    pair = pairs.get(clip.clip_id)
    if pair is not None:
        return pair.converted, pair.reference
    from rocktop.audio import io

    loaded: list[Audio | None] = []
    for path in (clip.converted_path, clip.reference_path):
        try:
            loaded.append(io.load(path) if path else None)
        except RocktopError as exc:
            logger.warning("report: cannot load %s: %s", path, exc)
            loaded.append(None)
    return loaded[0], loaded[1]


def _player(audio: Audio, label: str) -> str:
    from rocktop.audio.export import encode

    data = base64.b64encode(encode(audio, "flac", bits="16")).decode("ascii")
    source = f"data:audio/flac;base64,{data}"
    return f'<div>{escape(label)}<br><audio controls src="{source}"></audio></div>'


def _clip_html(clip: ClipScores, pairs: Mapping[str, ClipPair], pitch_shift: float) -> str:
    converted, reference = _audio_of(clip, pairs)
    values = ", ".join(f"{k} {fmt_value(v)}" for k, v in sorted(clip.values.items()))
    parts = [f'<div class="clip"><h3>{escape(clip.clip_id)}</h3><p>{escape(values)}</p>']
    if clip.transcript is not None:
        text = f"reference: {clip.reference_text}\nASR:       {clip.transcript}"
        parts.append(f"<pre>{escape(text)}</pre>")
    for audio, label in ((converted, "converted"), (reference, "reference")):
        if audio is not None:
            parts.append(_player(audio, label))
            parts.append(f'<img src="{plots.spectrogram_png(audio, label)}">')
    if clip.f0_reference is not None and clip.f0_converted is not None:
        uri = plots.f0_overlay_png(clip.f0_reference, clip.f0_converted, pitch_shift, "F0")
        parts.append(f'<img src="{uri}">')
    if clip.errors:
        parts.append(f"<p>undefined: {escape(json.dumps(clip.errors))}</p>")
    return "".join(parts) + "</div>"


def _clips_table(result: EvalResult) -> str:
    names = sorted(result.aggregates)
    rows = [
        [escape(c.clip_id), fmt_value(c.duration_s, 3)]
        + [fmt_value(c.values.get(n)) for n in names]
        for c in result.clips
    ]
    return html_table(["clip", "duration (s)", *names], rows)


def render_html(
    result: EvalResult,
    title: str,
    pairs: Mapping[str, ClipPair] | None = None,
    worst: int = 5,
) -> str:
    """The whole report as one HTML string (see the module docstring)."""
    values = {n: [c.values.get(n, math.nan) for c in result.clips] for n in result.aggregates}
    dists = "".join(f'<img src="{plots.distribution_png(n, v)}">' for n, v in values.items())
    metric = _worst_metric(result)
    shift = float(result.info.get("pitch_shift", 0.0) or 0.0)
    clips = worst_clips(result, metric, worst) if metric else []
    worst_html = "".join(_clip_html(c, pairs or {}, shift) for c in clips)
    info = escape(json.dumps(result.info, indent=1, default=str))
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f"<h2>Plan targets</h2>{targets_html(result.summary())}"
        f"<h2>Aggregates</h2>{_aggregates_html(result)}"
        f"<h2>Distributions</h2><div class='grid'>{dists}</div>"
        f"<h2>Worst clips by {escape(metric or '-')}</h2>{worst_html}"
        f"<h2>All clips</h2>{_clips_table(result)}<h2>Run</h2><pre>{info}</pre>"
        "</body></html>"
    )


def write_report(
    result: EvalResult,
    out_dir: Path,
    title: str = "rocktop evaluation",
    pairs: Mapping[str, ClipPair] | None = None,
    worst: int = 5,
) -> tuple[Path, Path]:
    """Write ``OUT/eval.json`` and ``OUT/report.html`` atomically; return both paths."""
    out_dir = Path(out_dir)
    json_path = write_json(result, out_dir / "eval.json")
    html_path = out_dir / "report.html"
    atomic_write_text(html_path, render_html(result, title, pairs, worst))
    return json_path, html_path


def as_jsonable(value: Any) -> Any:
    """NaN/Inf -> None recursively (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: as_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_jsonable(v) for v in value]
    return value
