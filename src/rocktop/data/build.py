"""``rocktop data build``: every recording of a folder -> a verified, split 48 kHz dataset.

Per-source work runs in worker processes (``run_batch``) and is cached atomically, so reruns
skip finished sources; ``shard=(i, N)`` processes a deterministic subset (Kubernetes Indexed
Jobs) that ``merge`` joins later. Dataset-wide decisions happen in ``finalize``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rocktop.audio.limits import DecodeLimits
from rocktop.common.atomic import atomic_path, atomic_write_text
from rocktop.common.batch import ItemResult, run_batch, take_shard
from rocktop.common.hashing import sha256_file
from rocktop.data.finalize import Failure, finalize
from rocktop.data.ingest import SourceFile, discover, load_transcripts
from rocktop.data.process import SourceResult, run_source, shared_models
from rocktop.data.settings import BuildSettings

REFERENCE = Path(".cache") / "reference.npy"
TRANSCRIPTS = Path(".cache") / "transcripts.json"


@dataclass(frozen=True)
class BuildRequest:
    """Paths and run options of one build (settings hold the dataset parameters)."""

    in_dir: Path
    out_dir: Path
    settings: BuildSettings = field(default_factory=BuildSettings)
    workers: int = 1
    shard: tuple[int, int] = (0, 1)
    spk_ref: Path | None = None
    transcripts: Path | None = None
    limits: DecodeLimits = field(default_factory=DecodeLimits)


def _job(
    source: SourceFile, out_dir: Path, settings: BuildSettings, limits: DecodeLimits
) -> SourceResult:
    return run_source(source, out_dir, settings, limits)


def process_sources(
    request: BuildRequest,
    sources: list[SourceFile],
    on_done: Callable[[ItemResult[SourceFile, SourceResult]], None] | None = None,
) -> tuple[list[SourceResult], list[Failure]]:
    """Run (or reuse) every source; errors other than decode refusals become ``Failure``s."""
    job = functools.partial(
        _job, out_dir=request.out_dir, settings=request.settings, limits=request.limits
    )
    outcomes = run_batch(job, sources, request.workers, on_done=on_done)
    results = [o.value for o in outcomes if o.value is not None]
    failures = [Failure(o.item.source_id, str(o.error)) for o in outcomes if o.error is not None]
    return results, failures


def save_reference(out_dir: Path, reference: np.ndarray | None) -> None:
    if reference is None:
        return
    with atomic_path(out_dir / REFERENCE) as tmp:
        np.save(tmp, reference)


def load_reference(out_dir: Path) -> np.ndarray | None:
    path = out_dir / REFERENCE
    return np.load(path) if path.exists() else None


def _reference(request: BuildRequest) -> np.ndarray | None:
    if request.spk_ref is None:
        return None
    from rocktop.data.speaker import reference_embedding

    encoder = shared_models(request.settings.segment.vad_threshold).encoder
    return reference_embedding(request.spk_ref, encoder, request.settings.prep, request.limits)


def _transcripts(request: BuildRequest) -> dict[str, str]:
    if request.transcripts is None:
        return {}
    texts = load_transcripts(request.transcripts)
    atomic_write_text(request.out_dir / TRANSCRIPTS, json.dumps(texts, sort_keys=True))
    return texts


def _extra(request: BuildRequest) -> dict[str, Any]:
    extra: dict[str, Any] = {"spk_ref": None, "transcripts_sha256": None}
    if request.spk_ref is not None:
        extra["spk_ref"] = request.spk_ref.name
    if request.transcripts is not None:
        extra["transcripts_sha256"] = sha256_file(request.transcripts)
    return extra


def plan_sources(request: BuildRequest) -> list[SourceFile]:
    """The sources of the request's shard (hashed; raises ``EmptyDatasetError`` if none)."""
    return take_shard(discover(request.in_dir), request.shard, key=lambda s: s.source_id)


def build(
    request: BuildRequest,
    sources: list[SourceFile] | None = None,
    on_done: Callable[[ItemResult[SourceFile, SourceResult]], None] | None = None,
) -> dict[str, Any]:
    """Process the request's shard of sources and finalize the dataset in ``out_dir``.

    Args:
        request: paths, settings and run options.
        sources: ``plan_sources(request)`` when already computed (e.g. to size a progress bar).
        on_done: called as each source finishes.

    Returns ``dataset.json``'s content plus this run's counts (processed, cached, failed).

    Raises:
        EmptyDatasetError: the input folder holds no audio.
    """
    sources = plan_sources(request) if sources is None else sources
    request.out_dir.mkdir(parents=True, exist_ok=True)
    reference = _reference(request)
    save_reference(request.out_dir, reference)
    transcripts = _transcripts(request)
    results, failures = process_sources(request, sources, on_done)
    extra = _extra(request)
    info = finalize(
        request.out_dir, results, failures, request.settings, reference, transcripts, extra
    )
    run = {
        "sources": len(sources),
        "processed": sum(1 for r in results if not r.cached),
        "cached": sum(1 for r in results if r.cached),
        "shard": f"{request.shard[0]}/{request.shard[1]}",
    }
    return info | {"run": run}
