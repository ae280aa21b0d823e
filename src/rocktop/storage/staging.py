"""Let commands that work on folders take ``s3://`` URIs: stage remote trees locally.

``input_dir(uri, root)`` yields a local folder with the tree's content (the folder itself when
``uri`` is local; else a sync into ``root``, which only fetches what changed since the last
run). ``output_dir(uri, root)`` yields a local folder to write into and uploads it to ``uri``
when the block ends, also when it fails, so that the files a long job finished are kept and a
rerun resumes from them (each file lands atomically; nothing half-written is uploaded because
local writes go through ``rocktop.common.atomic``). Existing remote outputs are synced down
first, so the job sees what it already produced.

A command wires it as::

    with input_dir(args.in_dir, cache) as src, output_dir(args.out_dir, cache) as dst:
        build_dataset(src, dst)
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from rocktop.storage import uri as storage
from rocktop.storage.sync import sync_tree

logger = logging.getLogger(__name__)


def staging_path(uri: str, root: Path) -> Path:
    """The local folder under ``root`` that mirrors ``uri`` (stable across runs)."""
    digest = hashlib.sha256(uri.rstrip("/").encode()).hexdigest()[:16]
    tail = uri.rstrip("/").rsplit("/", 1)[-1] or "root"
    return root / f"{tail}-{digest}"


@contextlib.contextmanager
def input_dir(
    uri: str | os.PathLike[str], root: Path, settings: storage.S3Settings | None = None
) -> Iterator[Path]:
    """A local folder holding the tree at ``uri`` (read it; changes are not uploaded)."""
    text = os.fspath(uri)
    if not storage.is_remote(text):
        yield storage.local_path(text)
        return
    local = staging_path(text, root)
    report = sync_tree(text, local, settings)
    logger.info("staged %s: %d files fetched, %d cached", text, len(report.copied),
                len(report.skipped))  # fmt: skip
    yield local


@contextlib.contextmanager
def output_dir(
    uri: str | os.PathLike[str], root: Path, settings: storage.S3Settings | None = None
) -> Iterator[Path]:
    """A local folder whose files are uploaded to ``uri`` when the block ends (even on error)."""
    text = os.fspath(uri)
    if not storage.is_remote(text):
        path = storage.local_path(text)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    local = staging_path(text, root)
    local.mkdir(parents=True, exist_ok=True)
    if storage.exists(text, settings):
        sync_tree(text, local, settings)  # resume: see what earlier runs produced
    try:
        yield local
    finally:
        report = sync_tree(local, text, settings)
        logger.info("uploaded %d files to %s", len(report.copied), text)
