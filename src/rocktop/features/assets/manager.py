"""``list`` / ``fetch`` / ``verify`` over a catalog and an assets folder."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rocktop.common.errors import RocktopError
from rocktop.common.hashing import sha256_file
from rocktop.features.assets.catalog import HOST, MIRROR_ENV, Asset, AssetFile, default_catalog
from rocktop.features.assets.download import download, part_path


@dataclass(frozen=True)
class FileStatus:
    """One file's state: ``missing``, ``partial``, ``ok``, ``mismatch`` or ``unverified``."""

    asset: str
    path: str
    state: str
    sha256: str | None
    expected_sha256: str | None
    note: str = ""


def select(names: Sequence[str], catalog: Sequence[Asset]) -> list[Asset]:
    """Assets matching ``names`` (exact or shell patterns such as ``pretrained_v2/f0*``)."""
    if not names:
        return list(catalog)
    chosen: list[Asset] = []
    for name in names:
        matches = [a for a in catalog if fnmatch.fnmatchcase(a.name, name)]
        if not matches:
            known = ", ".join(a.name for a in catalog[:4])
            raise RocktopError(
                f"unknown asset {name!r} (known: {known}, ...; see `rocktop assets list`)"
            )
        chosen += [a for a in matches if a not in chosen]
    return chosen


def base_url(mirror: str | None) -> str:
    """``mirror``, else ``$ROCKTOP_ASSETS_MIRROR``, else the RVC host."""
    return (mirror or os.environ.get(MIRROR_ENV) or HOST).rstrip("/")


def status(asset: Asset, root: Path, check_hash: bool = False) -> list[FileStatus]:
    """State of each file of ``asset`` under ``root`` (hashes read only when ``check_hash``)."""
    out = []
    for file in asset.files:
        path = root / file.path
        state, digest = "missing", None
        if path.exists():
            state = "present"
            if check_hash:
                digest = sha256_file(path)
                state = (
                    "unverified"
                    if not file.sha256
                    else ("ok" if digest == file.sha256 else "mismatch")
                )
        elif part_path(path).exists():
            state = "partial"
        out.append(FileStatus(asset.name, file.path, state, digest, file.sha256, file.note))
    return out


def fetch(
    assets: Sequence[Asset],
    root: Path,
    mirror: str | None = None,
    on_file: Callable[[AssetFile], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> list[FileStatus]:
    """Download every missing file (verified ones already present are skipped)."""
    url_root = base_url(mirror)
    results = []
    for asset in assets:
        for file in asset.files:
            dest = root / file.path
            if on_file:
                on_file(file)
            if dest.exists():
                results.append(FileStatus(asset.name, file.path, "present", None, file.sha256))
                continue
            digest = download(
                f"{url_root}/{file.path}", dest, file.sha256, file.size, on_bytes=on_bytes
            )
            state = "ok" if file.sha256 else "unverified"
            results.append(FileStatus(asset.name, file.path, state, digest, file.sha256, file.note))
    return results


def catalog_or_default(catalog: Sequence[Asset] | None) -> Sequence[Asset]:
    return default_catalog() if catalog is None else catalog
