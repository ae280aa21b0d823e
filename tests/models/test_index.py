"""Retrieval index: RVC's n_ivf, naming, (1/score)^2 weights, and refusals (spec §6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rocktop.models import index as index_module
from rocktop.models.index import (
    IndexFileError,
    RetrievalIndex,
    blend_neighbours,
    build_index,
    index_file_name,
    n_ivf_for,
)


def test_n_ivf_formula_golden() -> None:
    assert n_ivf_for(100_000) == 2564
    assert n_ivf_for(10_000) == 256
    assert n_ivf_for(1_000) == 25  # N // 39 wins for small sets
    assert index_file_name("alice", 256, "v2") == "added_IVF256_Flat_nprobe_1_alice_v2.index"


def test_weights_are_inverse_squared_scores_golden() -> None:
    vectors = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 20.0]], dtype=np.float32)
    score = np.array([[1.0, 2.0, 4.0]], dtype=np.float32)  # squared L2 distances
    ix = np.array([[0, 1, 2]])
    # weights (1/1)^2, (1/2)^2, (1/4)^2 = 1, 0.25, 0.0625 -> normalised by 1.3125
    expected = (0.25 * vectors[1] + 0.0625 * vectors[2]) / 1.3125
    np.testing.assert_allclose(blend_neighbours(vectors, score, ix)[0], expected, rtol=1e-6)


def test_missing_neighbours_weigh_nothing() -> None:
    vectors = np.array([[1.0], [5.0]], dtype=np.float32)
    score = np.array([[1.0, 3.4e38]], dtype=np.float32)
    ix = np.array([[1, -1]])
    np.testing.assert_allclose(blend_neighbours(vectors, score, ix), [[5.0]])


def _features(n: int = 2_000, dim: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def test_build_load_and_retrieve(tmp_path: Path) -> None:
    features = _features()
    path = build_index(features, tmp_path, "tiny", "v2")
    assert path.name == f"added_IVF{n_ivf_for(2_000)}_Flat_nprobe_1_tiny_v2.index"
    index = RetrievalIndex.load(path)
    assert len(index) == 2_000 and index.dim == 16
    import faiss

    assert faiss.extract_index_ivf(index.index).nprobe == 1
    # A training vector's own retrieval is dominated by itself (distance ~0).
    retrieved = index.retrieve(features[:5])
    np.testing.assert_allclose(retrieved, features[:5], atol=1e-3)
    assert sorted(map(tuple, index.vectors.round(5))) == sorted(map(tuple, features.round(5)))


def test_kmeans_above_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "KMEANS_THRESHOLD", 1_000)
    monkeypatch.setattr(index_module, "KMEANS_CLUSTERS", 100)
    path = build_index(_features(1_500), tmp_path, "km", "v1")
    assert len(RetrievalIndex.load(path)) == 100
    assert path.name.startswith("added_IVF2_")  # n_ivf from the 100 centroids: 100 // 39


def test_trained_index_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = build_index(_features(), tmp_path, "tiny", "v2")
    trained = path.with_name(path.name.replace("added_", "trained_"))
    trained.write_bytes(path.read_bytes())
    with pytest.raises(IndexFileError, match="RVC #532"):
        RetrievalIndex.load(trained)


def test_dimension_check_and_bad_files(tmp_path: Path) -> None:
    index = RetrievalIndex.load(build_index(_features(), tmp_path, "tiny", "v2"))
    index.check_dim(16)
    with pytest.raises(IndexFileError, match="768"):
        index.check_dim(768)
    bad = tmp_path / "added_bad.index"
    bad.write_bytes(b"not an index at all")
    with pytest.raises(IndexFileError, match="not a faiss index"):
        RetrievalIndex.load(bad)
    with pytest.raises(IndexFileError, match="N >= 39"):
        build_index(_features(10), tmp_path, "few", "v2")
    nan = _features()
    nan[3, 2] = np.nan
    with pytest.raises(IndexFileError, match="NaN"):
        build_index(nan, tmp_path, "nan", "v2")
