"""Copy directory trees between local folders and object-store prefixes, resumably.

Each file is transferred atomically (see ``uri``); a file whose size already matches at the
destination is skipped, so an interrupted sync run again copies only what is missing. Sizes
are the cheap check (one listing per side); content is verified per file by the upload's
sha256 where downloads go through the registry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from rocktop.storage import uri as storage
from rocktop.storage.errors import StorageNotFoundError

logger = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """Relative paths copied and skipped (already present with the same size)."""

    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes_copied: int = 0


def _destination_sizes(uri: str, settings: storage.S3Settings | None) -> dict[str, int]:
    try:
        return storage.find_sizes(uri, settings)
    except StorageNotFoundError:
        return {}


def sync_tree(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    settings: storage.S3Settings | None = None,
    *,
    on_file: Callable[[str], None] | None = None,
) -> SyncReport:
    """Copy every file under ``source`` to the same relative path under ``destination``.

    Either side may be local or remote (remote to remote goes through a local temp file).
    """
    src, dst = os.fspath(source), os.fspath(destination)
    wanted = storage.find_sizes(src, settings)
    present = _destination_sizes(dst, settings)
    report = SyncReport()
    for rel, size in sorted(wanted.items()):
        if present.get(rel) == size:
            report.skipped.append(rel)
            continue
        _copy_file(storage.join(src, rel), storage.join(dst, rel), settings)
        report.copied.append(rel)
        report.bytes_copied += size
        if on_file is not None:
            on_file(rel)
    logger.info(
        "synced %s -> %s: %d copied, %d skipped", src, dst, len(report.copied), len(report.skipped)
    )
    return report


def _copy_file(src: str, dst: str, settings: storage.S3Settings | None) -> None:
    if not storage.is_remote(src):
        storage.put_file(storage.local_path(src), dst, settings)
    elif not storage.is_remote(dst):
        storage.get_file(src, storage.local_path(dst), settings)
    else:
        with storage.local_copy(src, settings) as local:
            storage.put_file(local, dst, settings)
