"""Write a comparison of several results: ``compare.json`` and a self-contained ``compare.html``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from pathlib import Path

from rocktop.common.atomic import atomic_write_text
from rocktop.evaluation import plots
from rocktop.evaluation.compare import Ranking
from rocktop.evaluation.report import STYLE, as_jsonable, fmt_value, html_table, targets_html
from rocktop.evaluation.result import EvalResult
from rocktop.evaluation.targets import check_targets


def _ranking_table(ranking: Ranking) -> str:
    rows = []
    for place, name in enumerate(ranking.order, start=1):
        cells = [
            f"{fmt_value(ranking.values[name][m])} (#{ranking.ranks[name][m]:g})"
            for m in ranking.metrics
        ]
        rows.append([str(place), escape(name), f"{ranking.mean_rank[name]:.2f}", *cells])
    return html_table(["place", "name", "mean rank", *ranking.metrics], rows)


def _paired_table(ranking: Ranking) -> str:
    rows = []
    for name, row in ranking.paired.items():
        for metric, agg in row.items():
            interval = f"[{fmt_value(agg.ci_low)}, {fmt_value(agg.ci_high)}]"
            rows.append([escape(name), escape(metric), fmt_value(agg.mean), interval, str(agg.n)])
    header = ["name", "metric", f"mean (name - {ranking.best})", "95% CI (t)", "clips"]
    return html_table(header, rows)


def render_comparison_html(ranking: Ranking, results: Mapping[str, EvalResult]) -> str:
    """Ranking table, per-metric bar charts, paired differences and targets per result."""
    charts = "".join(
        f'<img src="{plots.ranking_png({n: ranking.values[n][m] for n in ranking.order}, m)}">'
        for m in ranking.metrics
    )
    targets = "".join(
        f"<h3>{escape(name)}</h3>{targets_html(results[name].summary())}" for name in ranking.order
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>rocktop comparison</title>"
        f"<style>{STYLE}</style></head><body><h1>Comparison: best is {escape(ranking.best)}</h1>"
        f"<h2>Ranking</h2>{_ranking_table(ranking)}<div class='grid'>{charts}</div>"
        f"<h2>Clip-by-clip differences from the best</h2>{_paired_table(ranking)}"
        f"<h2>Plan targets</h2>{targets}</body></html>"
    )


def write_comparison(
    ranking: Ranking, results: Mapping[str, EvalResult], out_dir: Path
) -> tuple[Path, Path]:
    """Write ``OUT/compare.json`` (ranking + each result's summary) and ``OUT/compare.html``."""
    out_dir = Path(out_dir)
    data = {
        "ranking": ranking.as_dict(),
        "results": {
            name: {
                "summary": result.summary(),
                "aggregates": {k: a.as_dict() for k, a in result.aggregates.items()},
                "targets": [c.as_dict() for c in check_targets(result.summary())],
            }
            for name, result in results.items()
        },
    }
    json_path, html_path = out_dir / "compare.json", out_dir / "compare.html"
    atomic_write_text(json_path, json.dumps(as_jsonable(data), indent=2, allow_nan=False) + "\n")
    atomic_write_text(html_path, render_comparison_html(ranking, results))
    return json_path, html_path
