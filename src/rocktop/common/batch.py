"""Run one function over many independent items, in worker processes, with a progress hook.

Used by every batch command (audio prep, convert, data build, feature extraction). Failures of
one item are collected, never raised, so a batch always finishes and reports.
"""

from __future__ import annotations

import concurrent.futures as futures
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rocktop.common.errors import RocktopError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class ItemResult(Generic[T, R]):
    """The outcome of one item: ``value`` on success, ``error`` (one line) on failure."""

    item: T
    value: R | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RocktopError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _run_one(fn: Callable[[T], R], item: T) -> ItemResult[T, R]:
    try:
        return ItemResult(item=item, value=fn(item))
    except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
        return ItemResult(item=item, error=_describe(exc))


def run_batch(
    fn: Callable[[T], R],
    items: Iterable[T],
    workers: int = 1,
    on_done: Callable[[ItemResult[T, R]], None] | None = None,
    start_method: str | None = None,
) -> list[ItemResult[T, R]]:
    """Apply ``fn`` to every item and return results in input order.

    Args:
        fn: a picklable top-level function (or ``functools.partial``) when ``workers > 1``.
        items: the work items.
        workers: 1 runs in this process; more use a process pool of that size.
        on_done: called in this process as each item finishes (e.g. to advance a progress bar).
        start_method: multiprocessing start method for the pool (``"spawn"`` for work that
            uses torch: forking a process whose torch thread pool is running can deadlock);
            ``None`` keeps the platform default.
    """
    todo: Sequence[T] = list(items)
    results: dict[int, ItemResult[T, R]] = {}
    if workers <= 1:
        for index, item in enumerate(todo):
            results[index] = _run_one(fn, item)
            if on_done:
                on_done(results[index])
    else:
        import multiprocessing

        context = multiprocessing.get_context(start_method) if start_method else None
        with futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending = {pool.submit(_run_one, fn, item): i for i, item in enumerate(todo)}
            for future in futures.as_completed(pending):
                results[pending[future]] = future.result()
                if on_done:
                    on_done(results[pending[future]])
    return [results[i] for i in range(len(todo))]


def parse_shard(spec: str | None) -> tuple[int, int]:
    """Parse ``"i/N"`` (0-based i) into ``(i, N)``; ``None`` means the whole job ``(0, 1)``."""
    if spec is None:
        return 0, 1
    try:
        index_text, count_text = spec.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise RocktopError(f"--shard must look like i/N (e.g. 0/4), got {spec!r}") from None
    if count < 1 or not 0 <= index < count:
        raise RocktopError(f"--shard {spec}: need 0 <= i < N and N >= 1")
    return index, count


def take_shard(items: Sequence[T], shard: tuple[int, int], key: Callable[[T], str]) -> list[T]:
    """Deterministic subset of ``items`` for shard ``(i, N)``: stable by ``key``, not by order."""
    import hashlib

    index, count = shard
    if count == 1:
        return list(items)

    def bucket(item: T) -> int:
        return int(hashlib.sha256(key(item).encode()).hexdigest()[:8], 16) % count

    return [item for item in items if bucket(item) == index]
