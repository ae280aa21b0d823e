"""``rocktop data merge``: join the outputs of sharded builds into one dataset.

Each shard folder holds its per-source cache (``.cache/sources``) and clip WAVs; merging
copies them (atomically) and runs the same ``finalize`` an unsharded build runs, so the
merged dataset equals the unsharded one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from rocktop.common.atomic import atomic_path
from rocktop.common.errors import RocktopError
from rocktop.data.build import TRANSCRIPTS, load_reference, save_reference
from rocktop.data.finalize import DATASET_JSON, Failure, finalize
from rocktop.data.process import CACHE_DIR, SourceResult, load_cached, save_cached
from rocktop.data.settings import BuildSettings, build_settings_from_dict


def _read_info(shard: Path) -> dict[str, Any]:
    path = shard / DATASET_JSON
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise RocktopError(f"{shard}: not a rocktop dataset (no readable {DATASET_JSON})") from None
    return info


def _copy(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def _shard_results(shard: Path) -> list[SourceResult]:
    results = []
    for meta in sorted((shard / CACHE_DIR).glob("*.json")):
        result = load_cached(shard, meta.stem)
        if result is None:
            raise RocktopError(f"{meta}: unreadable shard cache entry (rerun that shard)")
        results.append(result)
    return results


def _settings(infos: list[dict[str, Any]], shards: list[Path]) -> BuildSettings:
    settings = [build_settings_from_dict(info["parameters"]) for info in infos]
    for shard, other in zip(shards[1:], settings[1:], strict=True):
        if other != settings[0]:
            raise RocktopError(f"{shard}: built with other parameters than {shards[0]}")
    return settings[0]


def _add(merged: dict[str, SourceResult], result: SourceResult, shard: Path, out_dir: Path) -> None:
    known = merged.get(result.session)
    if known is not None and known.key != result.key:
        raise RocktopError(f"{shard}: {result.source_id} differs from another shard's copy")
    if load_cached(out_dir, result.session, result.key) is None:  # not merged before
        for clip in result.clips:
            _copy(shard / clip["path"], out_dir / clip["path"])
        save_cached(out_dir, result)
    merged[result.session] = result


def merge(shards: list[Path], out_dir: Path) -> dict[str, Any]:
    """Merge shard folders into ``out_dir``; returns the merged ``dataset.json`` content."""
    if not shards:
        raise RocktopError("merge needs at least one shard folder")
    infos = [_read_info(shard) for shard in shards]
    settings = _settings(infos, shards)
    merged: dict[str, SourceResult] = {}
    transcripts: dict[str, str] = {}
    reference: np.ndarray | None = None
    for shard in shards:
        for result in _shard_results(shard):
            _add(merged, result, shard, out_dir)
        reference = reference if reference is not None else load_reference(shard)
        if (shard / TRANSCRIPTS).exists():
            transcripts |= json.loads((shard / TRANSCRIPTS).read_text(encoding="utf-8"))
    save_reference(out_dir, reference)
    results = sorted(merged.values(), key=lambda r: r.source_id)
    done = {r.source_id for r in results}
    failures = {
        f["source"]: Failure(f["source"], f["error"])
        for info in infos
        for f in info.get("failed", [])
        if f["source"] not in done
    }
    extra = {
        k: v for k, v in infos[0]["parameters"].items() if k in ("spk_ref", "transcripts_sha256")
    }
    return finalize(
        out_dir, results, list(failures.values()), settings, reference, transcripts, extra
    )
