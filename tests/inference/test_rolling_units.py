"""RollingUnits: reusing older ContentVec units keeps RVC's frame grid exactly."""

from __future__ import annotations

import numpy as np
import pytest

from rocktop.inference.rolling_units import RollingUnits, units_100fps


def _local_encode(wav16: np.ndarray) -> np.ndarray:
    """A stand-in encoder whose unit j depends only on samples [320 j, 320 j + 400), as
    HuBERT's frame grid does: (frames, 2) with the mean and the first sample."""
    frames = (len(wav16) - 400) // 320 + 1
    rows = [wav16[320 * j : 320 * j + 400] for j in range(frames)]
    return np.array([[r.mean(), r[0]] for r in rows], dtype=np.float32)


def _stream(rolling: RollingUnits, signal: np.ndarray, size: int, shift: int) -> list[np.ndarray]:
    return [
        rolling.update(signal[start : start + size])
        for start in range(0, len(signal) - size + 1, shift)
    ]


@pytest.mark.parametrize("shift", [4_000, 3_840, 800])  # 12.5, 12 and 2.5 units per shift
def test_fresh_rows_are_exact_and_older_rows_come_from_earlier_blocks(shift: int) -> None:
    signal = np.random.default_rng(0).standard_normal(40_000).astype(np.float32)
    size, window, warmup = 16_400, 9_600, 1_600
    rolling = RollingUnits(_local_encode, shift=shift, window=window, warmup=warmup)
    keep = (size - window) // 320 * 2 + warmup // 160  # first freshly encoded row
    previous = None
    for k, units in enumerate(_stream(rolling, signal, size, shift)):
        whole = units_100fps(_local_encode, signal[k * shift : k * shift + size])
        assert units.shape == whole.shape == (size // 160, 2)
        if previous is None:
            np.testing.assert_array_equal(units, whole)
        else:
            np.testing.assert_array_equal(units[keep:], whole[keep:])
            np.testing.assert_array_equal(units[:keep], previous[shift // 160 :][:keep])
            if shift % 320 == 0:  # same unit grid every block: equal to re-encoding all
                np.testing.assert_array_equal(units, whole)
        previous = units


def test_window_none_reencodes_everything_and_calls_shrink_with_a_window() -> None:
    seen: list[int] = []

    def encode(wav16: np.ndarray) -> np.ndarray:
        seen.append(len(wav16))
        return _local_encode(wav16)

    signal = np.random.default_rng(1).standard_normal(30_000).astype(np.float32)
    _stream(RollingUnits(encode, shift=4_000, window=None, warmup=0), signal, 16_000, 4_000)
    assert set(seen) == {16_000}
    seen.clear()
    rolling = RollingUnits(encode, shift=4_000, window=8_000, warmup=1_600)
    _stream(rolling, signal, 16_000, 4_000)
    assert seen[0] == 16_000 and max(seen[1:]) <= 8_000 + 320
    rolling.reset()
    rolling.update(signal[:16_000])
    assert seen[-1] == 16_000  # a reset stream starts with the whole buffer again


def test_bad_geometry_is_refused() -> None:
    with pytest.raises(ValueError, match="multiples"):
        RollingUnits(_local_encode, shift=100, window=None, warmup=0)
    with pytest.raises(ValueError, match="cover"):
        RollingUnits(_local_encode, shift=4_000, window=4_800, warmup=1_600)
