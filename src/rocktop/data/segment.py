"""Plan clips from speech intervals: merge short neighbours, cut long speech at quiet points.

The planner is a pure function on integer sample positions, so its invariant can be
property-tested: clips are sorted, disjoint, inside the file, no longer than ``max_s``, and
every speech sample lies in exactly one clip.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from rocktop.data.settings import SegmentSettings

Interval = tuple[int, int]  # [start, end) in samples


def energy_envelope(samples: np.ndarray, hop: int, smooth_frames: int = 5) -> np.ndarray:
    """Mean-square energy per ``hop``-sample frame, smoothed: float64 ``(ceil(n / hop),)``."""
    n = samples.shape[-1]
    frames = -(-n // hop)
    padded = np.zeros(frames * hop, dtype=np.float64)
    padded[:n] = samples
    power = np.mean(padded.reshape(frames, hop) ** 2, axis=1)
    return ndimage.uniform_filter1d(power, size=max(smooth_frames, 1), mode="nearest")


def normalize_intervals(speech: Sequence[Interval], total: int) -> list[Interval]:
    """Clamp to ``[0, total)``, drop empty ones, sort and merge overlapping or touching ones."""
    clamped = sorted((max(0, s), min(total, e)) for s, e in speech if min(total, e) > max(0, s))
    merged: list[Interval] = []
    for start, end in clamped:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _quietest(lo: int, hi: int, energy: np.ndarray, hop: int) -> int:
    """Sample in ``[lo, hi]`` at the centre of the lowest-energy frame (``lo`` if none fits)."""
    first, last = -(-lo // hop), (hi - hop // 2) // hop
    if last < first or first >= len(energy):
        return lo
    last = min(last, len(energy) - 1)
    frame = first + int(np.argmin(energy[first : last + 1]))
    return min(max(frame * hop + hop // 2, lo), hi)


def split_long(
    start: int, end: int, energy: np.ndarray, hop: int, core_min: int, core_max: int
) -> list[Interval]:
    """Cut ``[start, end)`` into pieces of at most ``core_max`` samples at its quietest points.

    Each cut lies where both sides can still be at least ``core_min`` long when possible.
    """
    pieces: list[Interval] = []
    while end - start > core_max:
        lo, hi = start + max(core_min, 1), min(start + core_max, end - core_min)
        if hi < lo:  # cannot keep both sides >= core_min: only keep both <= core_max
            lo, hi = max(start + 1, end - core_max), start + core_max
        cut = _quietest(lo, hi, energy, hop)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def merge_neighbours(
    pieces: list[Interval], core_min: int, core_max: int, join_gap: int
) -> list[Interval]:
    """Join neighbours while the result fits in ``core_max``: always across gaps up to
    ``join_gap``, across any gap when either side is shorter than ``core_min``."""
    groups: list[Interval] = []
    for start, end in pieces:
        if groups:
            g_start, g_end = groups[-1]
            fits = end - g_start <= core_max
            short = g_end - g_start < core_min or end - start < core_min
            if fits and (start - g_end <= join_gap or short):
                groups[-1] = (g_start, end)
                continue
        groups.append((start, end))
    return groups


def add_margins(groups: list[Interval], total: int, margin: int) -> list[Interval]:
    """Widen each group by up to ``margin`` samples of the silence around it.

    Two neighbours share the gap between them (at most half each), so clips never overlap.
    """
    clips: list[Interval] = []
    for index, (start, end) in enumerate(groups):
        gap_before = start if index == 0 else start - groups[index - 1][1]
        left = min(margin, gap_before if index == 0 else gap_before // 2)
        if index + 1 < len(groups):
            gap_after = groups[index + 1][0] - end
            right = min(margin, gap_after - gap_after // 2)
        else:
            right = min(margin, total - end)
        clips.append((start - left, end + right))
    return clips


def plan_clips(
    speech: Sequence[Interval],
    total: int,
    energy: np.ndarray,
    hop: int,
    sample_rate: int,
    settings: SegmentSettings,
) -> list[Interval]:
    """Clips ``[start, end)`` (samples) covering all speech once, ``<= max_s`` long each.

    Args:
        speech: VAD speech intervals, samples at ``sample_rate``.
        total: length of the file, samples.
        energy: ``energy_envelope`` of the file (one value per ``hop`` samples).
        hop: samples per energy frame.
        sample_rate: Hz.
        settings: clip lengths and margins.
    """
    if settings.min_s > settings.max_s:
        raise ValueError(f"min_s {settings.min_s} is longer than max_s {settings.max_s}")
    margin = int(round(settings.margin_s * sample_rate))
    core_max = max(int(settings.max_s * sample_rate) - 2 * margin, 1)
    core_min = min(max(int(settings.min_s * sample_rate) - 2 * margin, 0), core_max)
    pieces: list[Interval] = []
    for start, end in normalize_intervals(speech, total):
        pieces.extend(split_long(start, end, energy, hop, core_min, core_max))
    join_gap = int(settings.max_join_gap_s * sample_rate)
    return add_margins(merge_neighbours(pieces, core_min, core_max, join_gap), total, margin)
