"""The glibc allocator setting: accepted on Linux/glibc, a no-op elsewhere."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from rocktop.common import allocator


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_accepts_the_thresholds() -> None:
    assert allocator.keep_freed_memory() is True


def test_other_platforms_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False


RELEASE_SCRIPT = """
import numpy as np
from rocktop.common import allocator

def rss_mb():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmRSS"))
    return int(line.split()[1]) / 1024

allocator.keep_freed_memory()
blocks = [np.ones(1 << 18) for _ in range(400)]  # 400 x 2 MiB on the heap
keeper = np.ones(1 << 17)  # on the heap above them: the freed blocks are not its top
del blocks
kept = rss_mb()
released = allocator.release_free_memory()
print(released, kept - rss_mb())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_release_hands_kept_memory_back() -> None:
    done = subprocess.run(
        [sys.executable, "-c", RELEASE_SCRIPT], capture_output=True, text=True, check=True
    )
    released, freed_mb = done.stdout.split()
    assert released == "True" and float(freed_mb) > 600, done.stdout


def test_release_is_a_no_op_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.release_free_memory() is False
