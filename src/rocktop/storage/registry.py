"""Resolve a voice by name to local model (+ index) files.

``ModelRegistry(source, cache_dir)`` where ``source`` is

- a local directory (the embedded default): files are used in place;
- an object-store prefix (``s3://bucket/voices``): files are downloaded once into
  ``cache_dir``, verified against the store's size and sha256 (recorded by
  :func:`rocktop.storage.uri.put_file`) or single-part ETag (MD5), and reused while the
  object's ETag is unchanged; while the store is unreachable, a voice already downloaded and
  verified is served from the cache (with a warning) instead of failing;
- ``models:/`` (the MLflow model registry at ``tracking_uri`` or ``MLFLOW_TRACKING_URI``).

Whatever the source, ``fetch("models:/name/3")`` or ``fetch("models:/name@alias")`` resolves a
registered MLflow model version. See ``storage/layout.py`` for the files a voice consists of.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from rocktop.common.atomic import atomic_write_text
from rocktop.common.hashing import sha256_file
from rocktop.storage import uri as storage
from rocktop.storage.errors import IntegrityError, StorageError, StorageNotFoundError
from rocktop.storage.layout import VoiceEntry, VoiceNotFoundError, check_voice_name, voices_in_tree

logger = logging.getLogger(__name__)

MLFLOW_SCHEME = "models:/"


@dataclass(frozen=True)
class ModelFiles:
    """Local paths of a voice's model (``.safetensors`` or ``.pth``) and optional index."""

    name: str
    model: Path
    index: Path | None


class ModelRegistry:
    """Voices from a local directory, an object-store prefix or the MLflow model registry."""

    def __init__(
        self,
        source: str,
        cache_dir: Path,
        *,
        tracking_uri: str | None = None,
        s3: storage.S3Settings | None = None,
    ) -> None:
        self.source = source
        self.cache_dir = Path(cache_dir)
        self.tracking_uri = tracking_uri
        self._s3 = s3

    def list(self) -> list[str]:
        """Sorted voice names (registered model names for an MLflow source)."""
        if self.source.startswith(MLFLOW_SCHEME):
            from rocktop.storage import mlflow_models

            return mlflow_models.list_models(self.tracking_uri)
        if not storage.exists(self.source, self._s3):
            raise StorageNotFoundError(f"models source {self.source}: not found")
        return sorted(voices_in_tree(storage.find(self.source, self._s3)))

    def fetch(self, name: str) -> ModelFiles:
        """Local files of voice ``name`` (downloaded and verified first when remote)."""
        if name.startswith(MLFLOW_SCHEME) or self.source.startswith(MLFLOW_SCHEME):
            from rocktop.storage import mlflow_models

            ref = name if name.startswith(MLFLOW_SCHEME) else MLFLOW_SCHEME + name
            model, index = mlflow_models.fetch(ref, self.cache_dir / "mlflow", self.tracking_uri)
            return ModelFiles(name=name, model=model, index=index)
        name = check_voice_name(name)
        if not storage.is_remote(self.source):
            entry = self._entry(name)
            root = storage.local_path(self.source)
            return ModelFiles(name, root / entry.model, root / entry.index if entry.index else None)
        try:
            entry = self._entry(name)
            model = self._cached(entry.model)
            index = self._cached(entry.index) if entry.index else None
        except StorageNotFoundError:
            raise
        except StorageError as exc:
            return self._offline(name, exc)
        return ModelFiles(name=name, model=model, index=index)

    def _entry(self, name: str) -> VoiceEntry:
        voices = voices_in_tree(storage.find(self.source, self._s3))
        if name not in voices:
            raise VoiceNotFoundError(f"voice {name!r} not found in {self.source}")
        return voices[name]

    def _cache_root(self) -> Path:
        source_key = hashlib.sha256(self.source.encode()).hexdigest()[:16]
        return self.cache_dir / "remote" / source_key

    def _offline(self, name: str, error: StorageError) -> ModelFiles:
        """The verified cached copy of ``name`` while the store is unreachable, else ``error``."""
        root = self._cache_root()
        files = [] if not root.is_dir() else storage.find(str(root))
        verified = [f for f in files if f + ".meta.json" in files]
        entry = voices_in_tree(verified).get(name)
        if entry is None:
            raise error
        logger.warning("%s; using the cached copy of voice %r", error, name)
        return ModelFiles(name, root / entry.model, root / entry.index if entry.index else None)

    def _cached(self, relative: str) -> Path:
        """Download ``source/relative`` into the cache unless an identical copy is there."""
        remote = storage.join(self.source, relative)
        info = storage.stat(remote, self._s3)
        local = self._cache_root() / relative
        sidecar = local.with_name(local.name + ".meta.json")
        if _cache_hit(local, sidecar, info):
            return local
        logger.info("downloading %s (%d bytes)", remote, info.size)
        storage.get_file(remote, local, self._s3)
        digest = _verify(local, info)
        meta = {"etag": info.etag, "size": info.size, "sha256": digest}
        atomic_write_text(sidecar, json.dumps(meta))
        return local


def _cache_hit(local: Path, sidecar: Path, info: storage.ObjectInfo) -> bool:
    if not (local.is_file() and sidecar.is_file()):
        return False
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(
        meta.get("etag") == info.etag
        and meta.get("size") == info.size == local.stat().st_size
        and (info.sha256 is None or meta.get("sha256") == info.sha256)
    )


def _verify(local: Path, info: storage.ObjectInfo) -> str:
    """Check size, then sha256 (when recorded) or a single-part ETag; returns the sha256."""
    size = local.stat().st_size
    digest = sha256_file(local)
    problem = None
    if size != info.size:
        problem = f"{size} bytes, the store announced {info.size}"
    elif info.sha256 is not None and digest != info.sha256:
        problem = f"sha256 {digest[:12]}..., the store recorded {info.sha256[:12]}..."
    elif info.sha256 is None and info.etag and "-" not in info.etag:
        md5 = _md5_file(local)
        problem = None if md5 == info.etag else f"md5 {md5}, the store's ETag is {info.etag}"
    if problem is not None:
        local.unlink(missing_ok=True)
        raise IntegrityError(f"download of {info.uri} is corrupt: {problem}")
    return digest


def _md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
