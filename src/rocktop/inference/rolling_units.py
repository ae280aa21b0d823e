"""Content units for a rolling streaming buffer, recomputing only the newest window.

Every streaming block shifts the input buffer by one block. RVC re-encodes the whole buffer
(2.5 s of context and more) with ContentVec each time, although only the newest frames feed
the decoder. ``RollingUnits`` keeps the units of older frames from earlier blocks and encodes
only the newest ``window`` samples; the first ``warmup`` samples of that window serve as
left context and are not kept (HuBERT's first frames in a window lack it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rocktop.inference.dsp import WINDOW

CONTENT_HOP = 2 * WINDOW  # ContentVec: one unit per 320 samples at 16 kHz (50 fps)

Encode = Callable[[np.ndarray], np.ndarray]


def units_100fps(encode: Encode, wav16: np.ndarray) -> np.ndarray:
    """RVC's phone rows: units ``(len // 320ish, C)`` at 50 fps with the last frame repeated,
    each row doubled -> ``(len(wav16) // 160, C)`` at 100 fps."""
    feats = encode(wav16)
    feats = np.concatenate([feats, feats[-1:]])
    return np.repeat(feats, 2, axis=0)[: len(wav16) // WINDOW]


class RollingUnits:
    """``update(wav16)`` -> ``(len(wav16) // 160, C)`` raw units at 100 fps for a buffer that
    moved by ``shift`` samples (16 kHz) since the last call.

    Args:
        encode: mono 16 kHz ``(samples,)`` -> ``(frames, C)`` units at 50 fps.
        shift: samples the buffer moves per call (a multiple of 160).
        window: samples encoded per call; None encodes the whole buffer every time (RVC).
        warmup: leading samples of each window used as context only (multiple of 160).
    """

    def __init__(self, encode: Encode, shift: int, window: int | None, warmup: int) -> None:
        if shift % WINDOW or warmup % WINDOW:
            raise ValueError("shift and warmup must be multiples of 160 samples")
        if window is not None and window - warmup < shift:
            raise ValueError("the kept part of the window must cover at least one shift")
        self._encode = encode
        self._shift = shift // WINDOW
        self._window = window
        self._warmup = warmup // WINDOW
        self._units: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the cached units (a new stream)."""
        self._units = None

    def update(self, wav16: np.ndarray) -> np.ndarray:
        size = len(wav16)
        if self._units is None or self._window is None or self._window >= size:
            self._units = units_100fps(self._encode, wav16)
            return self._units
        start = (size - self._window) // CONTENT_HOP * CONTENT_HOP
        new = units_100fps(self._encode, wav16[start:])
        first = start // WINDOW  # 100-fps row where the window's units begin
        units = np.empty_like(self._units)
        units[: len(units) - self._shift] = self._units[self._shift :]
        keep = first + self._warmup
        units[keep:] = new[self._warmup : self._warmup + len(units) - keep]
        self._units = units
        return units
