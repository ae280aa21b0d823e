"""Deterministic train/val/test split by source recording (no recording in two splits)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from rocktop.common.errors import RocktopError
from rocktop.data.manifest import SPLITS


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"0.9,0.05,0.05"`` -> (0.9, 0.05, 0.05); they must be >= 0 and sum to 1."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise RocktopError(
            f"--split must be three numbers like 0.9,0.05,0.05, got {text!r}"
        ) from None
    if len(values) != 3 or min(values) < 0 or abs(sum(values) - 1.0) > 1e-6:
        raise RocktopError(f"--split {text}: need three shares >= 0 that sum to 1")
    return values[0], values[1], values[2]


def _order(source: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{source}".encode()).hexdigest()


def assign_splits(
    durations: Mapping[str, float], ratios: tuple[float, float, float], seed: int
) -> dict[str, str]:
    """Map each source to a split so split durations approach ``ratios``.

    Sources are visited in a seeded hash order (independent of input order). When there are
    enough sources with a positive duration, every split with a positive share first gets one
    of them (the smallest splits first); the rest go, one by one, to the split furthest below
    its target duration.
    """
    order = sorted(durations, key=lambda s: _order(s, seed))
    total = sum(durations.values())
    targets = {name: share * total for name, share in zip(SPLITS, ratios, strict=True)}
    assigned = dict.fromkeys(SPLITS, 0.0)
    out: dict[str, str] = {}
    wanted = [name for name in reversed(SPLITS) if targets[name] > 0]
    useful = [source for source in order if durations[source] > 0]
    if len(useful) >= len(wanted):
        for name, source in zip(wanted[:-1] if "train" in wanted else wanted, useful, strict=False):
            out[source] = name
            assigned[name] += durations[source]
    for source in order:
        if source in out:
            continue
        name = max(SPLITS, key=lambda s: (targets[s] - assigned[s]) if targets[s] > 0 else -1e300)
        out[source] = name
        assigned[name] += durations[source]
    return out
