"""The C allocator settings that keep inference fast and lean: reuse freed heap memory
within a stage, hand it back between stages.

glibc serves allocations above a dynamic threshold (at most 32 MiB) with fresh ``mmap``
pages and unmaps them on free, so every decoder window's 8-34 MB activations were
page-faulted and zeroed again. Measured on a 60 s conversion (real-size random models,
2-core VM, runs within the same hour): bf16 wall 57.5 s -> 42.6 s, fp32 100-115 s -> 72.5 s,
bf16 peak RSS 2.03 -> 2.24 GB; decoder alone, back to back: 24.8 s -> 18.4 s. Called by the
CLI and the service at startup, never at import.

Kept memory is fragmented by tensor size, so stages with different shapes (RMVPE,
ContentVec, the decoder's windows) would each add their own high-water mark on top of the
last; ``release_free_memory()`` between stages returns the free pages to the system.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # <malloc.h>
M_MMAP_THRESHOLD = -3
KEEP_BELOW_BYTES = 256 * 1024 * 1024


def keep_freed_memory(threshold: int = KEEP_BELOW_BYTES) -> bool:
    """Serve allocations below ``threshold`` bytes from the heap and keep up to ``threshold``
    of freed memory at its top, instead of mapping and unmapping it each time.

    Returns True when glibc accepted both settings; False on other C libraries (no change).
    """
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold)) and bool(mallopt(M_TRIM_THRESHOLD, threshold))


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return free heap pages to the system (glibc ``malloc_trim(0)``); a few milliseconds.

    Returns True when memory was released; False when none was, or not on glibc.
    """
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return bool(trim(0))
