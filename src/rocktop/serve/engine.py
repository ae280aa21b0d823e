"""The engine: separate TTS and conversion stages, each a bounded queue and a worker pool.

- A TTS job never waits behind a conversion and conversions run side by side: each stage has
  its own queue and ``workers`` workers; each worker owns one thread (and, on CUDA, its own
  ``torch.cuda.Stream``, entered around every job it runs).
- Queues are bounded: a full queue answers ``QueueFullError`` (429 + Retry-After) at once.
- A job that waited longer than ``queue_timeout_s`` is dropped unstarted (503); a caller that
  waits longer than its timeout gets ``JobTimeoutError`` (504) and its job is cancelled.
- A caller that goes away (client disconnected) cancels its job: a queued job never starts, a
  running one has ``ctx.cancelled`` set and its result is discarded.
- A job that raises anything but a ``RocktopError`` (a bug, CUDA error, injected crash) fails
  its worker: the request gets ``WorkerFailedError`` (503, retryable) and a fresh worker (new
  thread, new stream) replaces it. A job running past ``hang_timeout_s`` abandons its worker
  the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from rocktop.common.errors import RocktopError
from rocktop.serve.errors import (
    JobTimeoutError,
    QueueFullError,
    QueueTimeoutError,
    ShuttingDownError,
    WorkerFailedError,
)
from rocktop.serve.metrics import ServiceMetrics

log = logging.getLogger(__name__)
T = TypeVar("T")
PRIORITY_REALTIME, PRIORITY_NORMAL = 0, 1


class InjectedCrash(RuntimeError):
    """Raised inside a worker by ``Stage.inject_crash`` (fault-injection tests)."""


@dataclass
class WorkerContext:
    """What a job sees: its stage, worker index, CUDA stream (None on CPU), cancel flag."""

    stage: str
    index: int
    stream: Any = None
    cancelled: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Job(Generic[T]):
    fn: Callable[[WorkerContext], T]
    future: asyncio.Future[T]
    queue_deadline: float
    cancelled: threading.Event = field(default_factory=threading.Event)


class _Worker:
    """One worker: a single thread (and a CUDA stream when the device is CUDA)."""

    def __init__(self, stage: str, index: int, generation: int, device: str) -> None:
        self.stage = stage
        self.index = index
        self.name = f"rocktop-{stage}-{index}.{generation}"
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.name)
        self.stream = _new_stream(device)
        self.task: asyncio.Task[None] | None = None

    def run(self, job: _Job[Any], crash: bool) -> Any:
        context = WorkerContext(self.stage, self.index, self.stream, job.cancelled)
        with _stream_scope(self.stream):
            if crash:
                raise InjectedCrash(f"injected crash in {self.name}")
            return job.fn(context)


class Stage:
    """A bounded priority queue served by ``workers`` workers."""

    def __init__(
        self,
        name: str,
        workers: int,
        queue_size: int,
        metrics: ServiceMetrics,
        device: str = "cpu",
        queue_timeout_s: float = 60.0,
        hang_timeout_s: float = 600.0,
        retry_after_s: int = 2,
    ) -> None:
        self.name = name
        self.size = workers
        self.queue_size = queue_size
        self.metrics = metrics
        self.device = device
        self.queue_timeout_s = queue_timeout_s
        self.hang_timeout_s = hang_timeout_s
        self.retry_after_s = retry_after_s
        self.workers: dict[int, _Worker] = {}
        self.running = 0
        self.replaced = 0
        self.completed = 0
        self.service_time_s = 0.0  # exponential average of one job's run time
        self._queue: asyncio.PriorityQueue[tuple[int, int, _Job[Any]]] | None = None
        self._order = itertools.count()
        self._generation = itertools.count()
        self._crashes = 0
        self._open = False

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._queue = asyncio.PriorityQueue(maxsize=self.queue_size)
        self._open = True
        for index in range(self.size):
            self._spawn(index)

    async def stop(self) -> None:
        """Stop taking work, fail queued jobs (503 shutting_down), stop the workers."""
        self._open = False
        while self._queue is not None and not self._queue.empty():
            _, _, job = self._queue.get_nowait()
            _settle(job, exc=ShuttingDownError("the service is shutting down", self.retry_after_s))
        workers = list(self.workers.values())
        for worker in workers:
            if worker.task is not None:
                worker.task.cancel()
        await asyncio.gather(*(w.task for w in workers if w.task), return_exceptions=True)
        for worker in workers:
            worker.executor.shutdown(wait=False, cancel_futures=True)
        self.workers.clear()
        self._publish()

    def _spawn(self, index: int) -> None:
        worker = _Worker(self.name, index, next(self._generation), self.device)
        worker.task = asyncio.get_running_loop().create_task(self._serve(worker), name=worker.name)
        worker.task.add_done_callback(functools.partial(self._on_exit, worker))
        self.workers[index] = worker
        self._publish()

    def _on_exit(self, worker: _Worker, task: asyncio.Task[None]) -> None:
        if self.workers.get(worker.index) is worker:
            del self.workers[worker.index]
        worker.executor.shutdown(wait=False, cancel_futures=True)
        if not self._open:
            self._publish()
            return
        if task.cancelled():
            reason = "cancelled"
        else:
            exc = task.exception()
            reason = f"{type(exc).__name__}: {exc}" if exc else "exited"
        log.error("worker %s failed (%s); replacing it", worker.name, reason)
        self.replaced += 1
        self.metrics.error("worker_failed")
        self._spawn(worker.index)

    # -- submitting --------------------------------------------------------------------------
    async def submit(
        self,
        fn: Callable[[WorkerContext], T],
        timeout_s: float,
        priority: int = PRIORITY_NORMAL,
    ) -> T:
        """Run ``fn(ctx)`` on a worker thread; raises the service errors described above."""
        if not self._open or self._queue is None:
            raise ShuttingDownError("the service is shutting down", self.retry_after_s)
        loop = asyncio.get_running_loop()
        job: _Job[T] = _Job(fn, loop.create_future(), loop.time() + self.queue_timeout_s)
        try:
            self._queue.put_nowait((priority, next(self._order), job))
        except asyncio.QueueFull:
            self.metrics.error("queue_full")
            raise QueueFullError(
                f"the {self.name} queue is full ({self.queue_size} waiting)", self._retry_after()
            ) from None
        self._publish()
        try:
            return await asyncio.wait_for(asyncio.shield(job.future), timeout_s)
        except TimeoutError:
            self.metrics.error("timeout")
            raise JobTimeoutError(f"{self.name} did not finish within {timeout_s:g} s") from None
        finally:
            if not job.future.done():
                job.cancelled.set()
                job.future.cancel()

    def _retry_after(self) -> int:
        waiting = self._queue.qsize() if self._queue else 0
        estimate = self.service_time_s * (waiting + 1) / max(len(self.workers), 1)
        return max(self.retry_after_s, min(math.ceil(estimate), 60))

    def inject_crash(self, count: int = 1) -> None:
        """Make the next ``count`` jobs crash their workers (fault-injection tests)."""
        self._crashes += count

    # -- serving -----------------------------------------------------------------------------
    async def _serve(self, worker: _Worker) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            _, _, job = await self._queue.get()
            self._publish()
            if job.future.done():
                continue  # the caller went away or timed out while this job waited
            if loop.time() > job.queue_deadline:
                self.metrics.error("queue_timeout")
                job.future.set_exception(
                    QueueTimeoutError(
                        f"waited over {self.queue_timeout_s:g} s in the {self.name} queue",
                        self.retry_after_s,
                    )
                )
                continue
            await self._run(worker, job)

    async def _run(self, worker: _Worker, job: _Job[Any]) -> None:
        loop = asyncio.get_running_loop()
        crash = self._crashes > 0
        self._crashes -= int(crash)
        self.running += 1
        self._publish()
        started = time.perf_counter()
        try:
            pending = loop.run_in_executor(worker.executor, worker.run, job, crash)
            result = await asyncio.wait_for(asyncio.shield(pending), self.hang_timeout_s)
        except asyncio.CancelledError:
            _settle(job, exc=ShuttingDownError("the service is shutting down", self.retry_after_s))
            raise
        except RocktopError as exc:
            _settle(job, exc=exc)
        except Exception as exc:
            _settle(
                job,
                exc=WorkerFailedError(
                    f"the {self.name} worker failed and was replaced; retry", self.retry_after_s
                ),
            )
            raise RuntimeError(f"job failed in {worker.name}") from exc
        else:
            _settle(job, result=result)
        finally:
            elapsed = time.perf_counter() - started
            self.running -= 1
            self.completed += 1
            self.service_time_s = 0.8 * self.service_time_s + 0.2 * elapsed
            self._publish()

    def _publish(self) -> None:
        depth = self._queue.qsize() if self._queue else 0
        self.metrics.queue_depth.labels(self.name).set(depth)
        self.metrics.inflight.labels(self.name).set(self.running)
        self.metrics.workers.labels(self.name).set(len(self.workers))

    def status(self) -> dict[str, Any]:
        """Numbers for ``/status``."""
        return {
            "workers": len(self.workers),
            "configured_workers": self.size,
            "queued": self._queue.qsize() if self._queue else 0,
            "queue_size": self.queue_size,
            "running": self.running,
            "completed": self.completed,
            "replaced_workers": self.replaced,
            "mean_job_s": round(self.service_time_s, 4),
        }

    @property
    def healthy(self) -> bool:
        return self._open and len(self.workers) == self.size


class Engine:
    """The ``tts`` and ``convert`` stages, started and stopped together."""

    def __init__(self, stages: dict[str, Stage]) -> None:
        self.stages = stages

    async def start(self) -> None:
        for stage in self.stages.values():
            await stage.start()

    async def stop(self) -> None:
        for stage in self.stages.values():
            await stage.stop()

    def __getitem__(self, name: str) -> Stage:
        return self.stages[name]

    @property
    def healthy(self) -> bool:
        return all(stage.healthy for stage in self.stages.values())


def _settle(job: _Job[Any], result: Any = None, exc: BaseException | None = None) -> None:
    if job.future.done():
        return
    if exc is not None:
        job.future.set_exception(exc)
    else:
        job.future.set_result(result)


def _new_stream(device: str) -> Any:
    if not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.Stream(device=torch.device(device))


@contextlib.contextmanager
def _stream_scope(stream: Any) -> Iterator[None]:
    """Make ``stream`` current on this thread for the job (no-op on CPU), then sync it."""
    if stream is None:
        yield
        return
    import torch

    with torch.cuda.stream(stream):
        yield
    stream.synchronize()
