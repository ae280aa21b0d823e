"""Atomic writes: all-or-nothing, no leftovers, normal permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rocktop.common.atomic import TMP_PREFIX, atomic_open, atomic_write_text


def test_write_replaces_whole_file_with_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert not [p for p in target.parent.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_failed_write_leaves_previous_content_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "kept")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write("partial")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
