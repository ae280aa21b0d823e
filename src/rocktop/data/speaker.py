"""Speaker verification: cosine similarity of clip embeddings to a reference or the dominant
speaker cluster of the dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rocktop.audio.limits import DecodeLimits
from rocktop.common.errors import RocktopError
from rocktop.common.files import find_audio
from rocktop.data.ingest import load_prepared
from rocktop.data.settings import PrepSettings


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def reference_embedding(
    ref: Path, encoder: Any, prep: PrepSettings, limits: DecodeLimits
) -> np.ndarray:
    """Unit-norm mean embedding of ``ref`` (a file, or every audio file in a folder): ``(256,)``."""
    files = find_audio(ref)
    if not files:
        raise RocktopError(f"--spk-ref {ref}: no audio files found")
    embeddings = []
    for path in files:
        prepared = load_prepared(path, prep, limits)
        embeddings.append(encoder.embed(prepared.mono, prepared.sample_rate))
    return _unit(np.mean(np.stack(embeddings), axis=0)).astype(np.float32)


def dominant_centroid(embeddings: np.ndarray, threshold: float) -> np.ndarray:
    """Centroid of the largest group of mutually similar clips: ``(dim,)`` unit norm.

    The clip with the most neighbours at cosine >= ``threshold`` seeds the group (ties: the
    first); the centroid of its neighbours is refined once over every clip within
    ``threshold`` of it. Deterministic for a given row order.
    """
    if embeddings.shape[0] == 0:
        return np.zeros(embeddings.shape[1], dtype=np.float32)
    unit = np.stack([_unit(e) for e in embeddings.astype(np.float64)])
    neighbours = unit @ unit.T >= threshold
    seed = int(np.argmax(neighbours.sum(axis=1)))
    centroid = _unit(unit[neighbours[seed]].mean(axis=0))
    members = unit @ centroid >= threshold
    if members.any():
        centroid = _unit(unit[members].mean(axis=0))
    return centroid.astype(np.float32)


def similarities(embeddings: np.ndarray, centroid: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of ``embeddings`` ``(n, dim)`` to ``centroid``: ``(n,)``."""
    if embeddings.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    unit = np.stack([_unit(e) for e in embeddings.astype(np.float64)])
    return unit @ _unit(centroid.astype(np.float64))
