"""Split by source: deterministic, seeded, every source in exactly one split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rocktop.common.errors import RocktopError
from rocktop.data.split import assign_splits, parse_ratios

durations_st = st.dictionaries(
    st.text("abcdefghij/._", min_size=1, max_size=12), st.floats(0.1, 600.0), max_size=40
)


@given(durations_st, st.integers(0, 5))
def test_every_source_gets_one_split_independent_of_order(durations, seed) -> None:  # type: ignore[no-untyped-def]
    splits = assign_splits(durations, (0.9, 0.05, 0.05), seed)
    assert set(splits) == set(durations)
    assert set(splits.values()) <= {"train", "val", "test"}
    reordered = dict(reversed(list(durations.items())))
    assert assign_splits(reordered, (0.9, 0.05, 0.05), seed) == splits


def test_small_sets_still_fill_val_and_test_and_seed_changes_the_draw() -> None:
    durations = {f"take{i:02d}.wav": 60.0 for i in range(20)}
    splits = assign_splits(durations, (0.9, 0.05, 0.05), seed=0)
    counts = {name: list(splits.values()).count(name) for name in ("train", "val", "test")}
    assert counts == {"train": 18, "val": 1, "test": 1}
    other = assign_splits(durations, (0.9, 0.05, 0.05), seed=1)
    assert other != splits


def test_ratios_are_parsed_and_checked() -> None:
    assert parse_ratios("0.8,0.1,0.1") == (0.8, 0.1, 0.1)
    for bad in ("0.9,0.1", "a,b,c", "0.9,0.2,0.1", "-0.1,0.6,0.5"):
        with pytest.raises(RocktopError):
            parse_ratios(bad)


def test_val_and_test_are_seeded_with_sources_that_have_usable_audio() -> None:
    durations = {f"take{i:02d}.wav": 60.0 for i in range(6)} | {
        f"bad{i}.wav": 0.0 for i in range(6)
    }
    for seed in range(5):
        splits = assign_splits(durations, (0.8, 0.1, 0.1), seed)
        for name in ("val", "test"):
            assert any(durations[s] > 0 for s, split in splits.items() if split == name)
