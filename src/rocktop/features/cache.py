"""A content-addressed feature store: compute each (audio, extractor, params, weights) once.

Layout: ``root/<key[:2]>/<key>.npy`` (the array) and ``<key>.json`` (its provenance). Both are
written atomically (temp file, fsync, rename), the ``.json`` last, so an entry counts only once
complete. Parallel workers and shards may write the same key: every writer produces identical
bytes and ``os.replace`` is atomic, so readers see one whole file or none.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rocktop.common.atomic import atomic_path, atomic_write_text
from rocktop.common.hashing import sha256_array

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1


def cache_key(
    audio_sha256: str,
    extractor: str,
    params: Mapping[str, Any],
    weights_sha256: str | None,
) -> str:
    """Hex sha256 over the audio hash, extractor name, its parameters and its weights hash."""
    record = {
        "schema": SCHEMA_VERSION,
        "audio": audio_sha256,
        "extractor": extractor,
        "params": dict(params),
        "weights": weights_sha256,
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def audio_digest(wav: np.ndarray, sample_rate: int) -> str:
    """sha256 of float32 samples (dtype, shape, bytes) and their rate."""
    samples = sha256_array(np.asarray(wav, dtype=np.float32))
    return hashlib.sha256(f"{samples}|{int(sample_rate)}".encode()).hexdigest()


class FeatureCache:
    """Arrays stored by key with provenance; safe to share between processes and machines."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where the array for ``key`` lives (``.npy``; provenance beside it as ``.json``)."""
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"cache key must be 64 hex characters, got {key!r}")
        return self.root / key[:2] / f"{key}.npy"

    def provenance(self, key: str) -> dict[str, Any] | None:
        """The provenance record of a complete entry, else ``None``."""
        meta = self.path(key).with_suffix(".json")
        try:
            return dict(json.loads(meta.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def contains(self, key: str) -> bool:
        return self.provenance(key) is not None and self.path(key).exists()

    def get(self, key: str) -> np.ndarray | None:
        """The stored array, or ``None`` when absent, incomplete or unreadable."""
        if self.provenance(key) is None:
            return None
        try:
            return np.load(self.path(key), allow_pickle=False)
        except (OSError, ValueError) as exc:
            log.warning("feature cache entry %s unreadable (%s); recomputing", key, exc)
            return None

    def put(self, key: str, value: np.ndarray, provenance: Mapping[str, Any]) -> Path:
        """Store ``value`` (never pickled) and its provenance atomically; returns the path."""
        array = np.ascontiguousarray(value)
        target = self.path(key)
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as handle:
                np.save(handle, array, allow_pickle=False)
        record = {
            "key": key,
            "shape": list(array.shape),
            "dtype": array.dtype.str,
            "sha256": sha256_array(array),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        } | dict(provenance)
        atomic_write_text(target.with_suffix(".json"), json.dumps(record, sort_keys=True))
        return target

    def get_or_compute(
        self, key: str, compute: Callable[[], np.ndarray], provenance: Mapping[str, Any]
    ) -> tuple[np.ndarray, bool]:
        """``(array, hit)``: the stored array, or ``compute()`` stored now (``hit`` False)."""
        cached = self.get(key)
        if cached is not None:
            return cached, True
        value = compute()
        self.put(key, value, provenance)
        return value, False
