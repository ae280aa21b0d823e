"""FeatureCache: keys, provenance, atomicity, recovery, and two processes on one key."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from rocktop.features.cache import FeatureCache, audio_digest, cache_key


def _key(**overrides: object) -> str:
    args: dict = {
        "audio_sha256": "a" * 64,
        "extractor": "rmvpe",
        "params": {"threshold": 0.03},
        "weights_sha256": "b" * 64,
    } | overrides
    return cache_key(**args)


def test_key_depends_on_every_part() -> None:
    base = _key()
    assert len(base) == 64
    assert _key() == base
    assert _key(audio_sha256="c" * 64) != base
    assert _key(extractor="harvest") != base
    assert _key(params={"threshold": 0.05}) != base
    assert _key(weights_sha256=None) != base
    assert _key(params={"b": 1, "a": 2}) == _key(params={"a": 2, "b": 1})


def test_audio_digest_depends_on_samples_and_rate() -> None:
    wav = np.linspace(-1, 1, 100, dtype=np.float32)
    assert audio_digest(wav, 16_000) == audio_digest(wav.astype(np.float64), 16_000)
    assert audio_digest(wav, 16_000) != audio_digest(wav, 48_000)
    changed = wav.copy()
    changed[3] += 1e-6
    assert audio_digest(changed, 16_000) != audio_digest(wav, 16_000)


def test_roundtrip_with_provenance(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    key = _key()
    assert cache.get(key) is None and not cache.contains(key)
    value = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = cache.put(key, value, {"extractor": "rmvpe", "source": "clip.wav"})
    assert path == tmp_path / key[:2] / f"{key}.npy"
    np.testing.assert_array_equal(cache.get(key), value)
    meta = cache.provenance(key)
    assert meta is not None
    assert meta["extractor"] == "rmvpe" and meta["shape"] == [3, 4] and meta["dtype"] == "<f4"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_get_or_compute_computes_once(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    calls = []

    def compute() -> np.ndarray:
        calls.append(1)
        return np.ones(5)

    first, hit1 = cache.get_or_compute(_key(), compute, {})
    second, hit2 = cache.get_or_compute(_key(), compute, {})
    assert (hit1, hit2) == (False, True) and len(calls) == 1
    np.testing.assert_array_equal(first, second)


def test_incomplete_or_corrupt_entries_are_misses(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    key = _key()
    path = cache.put(key, np.ones(3), {})
    path.with_suffix(".json").unlink()  # writer killed before the provenance record
    assert cache.get(key) is None
    cache.put(key, np.ones(3), {})
    path.write_bytes(b"garbage")  # damaged on disk
    assert cache.get(key) is None
    value, hit = cache.get_or_compute(key, lambda: np.zeros(2), {})
    assert not hit and cache.get(key) is not None


def test_bad_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        FeatureCache(tmp_path).path("../../etc/passwd")


def _writer(root: str, key: str, rounds: int) -> None:
    cache = FeatureCache(root)
    value = np.arange(200_000, dtype=np.float32)
    for _ in range(rounds):
        cache.put(key, value, {"writer": "test"})
        got = cache.get(key)
        assert got is not None and np.array_equal(got, value)


def test_two_processes_writing_the_same_key(tmp_path: Path) -> None:
    key = _key()
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_writer, args=(str(tmp_path), key, 15)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    np.testing.assert_array_equal(
        FeatureCache(tmp_path).get(key), np.arange(200_000, dtype=np.float32)
    )
    assert not list(tmp_path.rglob(".tmp-*"))
