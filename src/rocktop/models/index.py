"""The retrieval index (rvc-spec §6): build RVC-compatible faiss IVF-Flat files, read them, and
blend content features with their nearest training features.
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from rocktop.common.atomic import atomic_path
from rocktop.common.errors import RocktopError

logger = logging.getLogger(__name__)

KMEANS_THRESHOLD = 200_000  # above this many vectors, index k-means centroids instead
KMEANS_CLUSTERS = 10_000
ADD_BATCH = 8192
SEARCH_K = 8
MIN_VECTORS = 39  # n_ivf = N // 39 must be >= 1


class IndexFileError(RocktopError):
    """An index that cannot be used (wrong kind, wrong dimension, unreadable)."""

    code = "bad_index"


def n_ivf_for(num_vectors: int) -> int:
    """RVC's inverted-list count: ``min(int(16 * sqrt(N)), N // 39)``."""
    return min(int(16 * math.sqrt(num_vectors)), num_vectors // 39)


def index_file_name(name: str, n_ivf: int, version: str) -> str:
    """RVC's file name for a usable index: ``added_IVF{n}_Flat_nprobe_1_{name}_{v}.index``."""
    return f"added_IVF{n_ivf}_Flat_nprobe_1_{name}_{version}.index"


def _kmeans_centroids(vectors: np.ndarray, seed: int, n_cpu: int) -> np.ndarray:
    """10k centroids: scikit-learn MiniBatchKMeans as RVC, else faiss k-means."""
    try:
        from sklearn.cluster import MiniBatchKMeans
    except ImportError:
        import faiss

        kmeans = faiss.Kmeans(vectors.shape[1], KMEANS_CLUSTERS, niter=20, seed=seed)
        kmeans.train(vectors)
        return np.asarray(kmeans.centroids, dtype=np.float32)
    kmeans = MiniBatchKMeans(
        n_clusters=KMEANS_CLUSTERS,
        batch_size=256 * n_cpu,
        compute_labels=False,
        init="random",
        random_state=seed,
    )
    return np.asarray(kmeans.fit(vectors).cluster_centers_, dtype=np.float32)


def build_index(
    features: np.ndarray,
    output_dir: Path,
    name: str,
    version: str,
    seed: int = 0,
    n_cpu: int | None = None,
) -> Path:
    """Build and write an RVC index from 50 fps content features.

    Args:
        features: float32 ``(N, C)`` training features (C = 256 for v1, 768 for v2).
        output_dir: folder for the ``added_*.index`` file.
        name: experiment/voice name used in the file name.
        version: ``"v1"`` or ``"v2"``.
        seed: shuffling and k-means seed (RVC shuffles unseeded).

    Returns:
        The written index path.
    """
    vectors = np.ascontiguousarray(features, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] < MIN_VECTORS:
        raise IndexFileError(
            f"index for {name!r}: need (N, C) features with N >= {MIN_VECTORS}, got {vectors.shape}"
        )
    if not np.isfinite(vectors).all():
        raise IndexFileError(f"index for {name!r}: features contain NaN or Inf")
    vectors = vectors[np.random.default_rng(seed).permutation(len(vectors))]
    if len(vectors) > KMEANS_THRESHOLD:
        logger.info("k-means: %d vectors -> %d centroids", len(vectors), KMEANS_CLUSTERS)
        vectors = _kmeans_centroids(vectors, seed, n_cpu or os.cpu_count() or 1)
    index = _train_ivf(vectors)
    path = output_dir / index_file_name(name, n_ivf_for(len(vectors)), version)
    import faiss

    with atomic_path(path) as tmp:
        faiss.write_index(index, str(tmp))
    return path


def _train_ivf(vectors: np.ndarray) -> Any:
    import faiss

    n_ivf = n_ivf_for(len(vectors))
    index = faiss.index_factory(vectors.shape[1], f"IVF{n_ivf},Flat")
    faiss.extract_index_ivf(index).nprobe = 1
    index.train(vectors)
    for start in range(0, len(vectors), ADD_BATCH):
        index.add(vectors[start : start + ADD_BATCH])
    return index


class RetrievalIndex:
    """A loaded ``added_*.index``: the faiss index and its vector table (``reconstruct_n``)."""

    def __init__(self, index: Any, source: str = "index") -> None:
        self.index = index
        self.source = source
        if index.ntotal == 0:
            raise IndexFileError(f"{source}: the index holds no vectors (a trained_* file?)")
        self.vectors = np.asarray(index.reconstruct_n(0, index.ntotal), dtype=np.float32)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def load(cls, path: str | Path) -> RetrievalIndex:
        """Read an RVC/rocktop index; ``trained_*`` files are refused with RVC #532's reason."""
        import faiss

        path = Path(path)
        if path.name.startswith("trained"):
            raise IndexFileError(
                f"{path}: a trained_* index holds only cluster centres, no vectors, so it cannot "
                "retrieve (RVC #532); use the added_* index beside it"
            )
        if not path.is_file():
            raise IndexFileError(f"{path}: no such index file")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[-1][:160] if str(exc) else "unreadable"
            raise IndexFileError(f"{path}: not a faiss index ({first})") from None
        return cls(index, str(path))

    def check_dim(self, dim: int) -> None:
        """Refuse an index built for a different content dimension (v1 256 vs v2 768)."""
        if self.dim != dim:
            raise IndexFileError(
                f"{self.source}: index has {self.dim}-d vectors, the voice needs {dim}-d "
                "(v1 voices use 256, v2 voices 768)"
            )

    def retrieve(self, features: np.ndarray, k: int = SEARCH_K) -> np.ndarray:
        """Weighted mean of the ``k`` nearest training vectors for every frame.

        ``features`` float32 ``(T, C)`` -> ``(T, C)``. Weights are ``(1/score)^2`` normalised
        per frame, where faiss's ``score`` is the squared L2 distance (spec §6).
        """
        query = np.ascontiguousarray(features, dtype=np.float32)
        score, ix = self.index.search(query, k)
        return blend_neighbours(self.vectors, score, ix)


def blend_neighbours(vectors: np.ndarray, score: np.ndarray, ix: np.ndarray) -> np.ndarray:
    """``sum_k vectors[ix] * w`` with ``w = (1/score)^2 / sum(...)``; missing (-1) rows weigh 0.

    Exact matches (score 0) are clamped to 1e-12 instead of RVC's division by zero.
    """
    with np.errstate(over="ignore"):
        weight = np.square(1.0 / np.maximum(score.astype(np.float64), 1e-12))
    weight[ix < 0] = 0.0
    weight /= np.maximum(weight.sum(axis=1, keepdims=True), np.finfo(np.float64).tiny)
    rows = vectors[np.maximum(ix, 0)]
    return np.einsum("tkc,tk->tc", rows, weight).astype(np.float32)
