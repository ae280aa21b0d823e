"""The engine's guarantees, on plain blocking jobs (no HTTP): isolation, bounds, recovery."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from rocktop.common.errors import RocktopError
from rocktop.serve.engine import Engine, Stage, WorkerContext
from rocktop.serve.errors import (
    JobTimeoutError,
    QueueFullError,
    QueueTimeoutError,
    ShuttingDownError,
    WorkerFailedError,
)
from rocktop.serve.metrics import ServiceMetrics


def _engine(convert_workers: int = 2, queue_size: int = 4, **kwargs: float) -> Engine:
    metrics = ServiceMetrics()
    return Engine(
        {
            "tts": Stage("tts", 1, queue_size, metrics, **kwargs),  # type: ignore[arg-type]
            "convert": Stage("convert", convert_workers, queue_size, metrics, **kwargs),  # type: ignore[arg-type]
        }
    )


def _sleep(seconds: float, value: object = None):  # type: ignore[no-untyped-def]
    def job(ctx: WorkerContext) -> object:
        time.sleep(seconds)
        return value if value is not None else ctx.index

    return job


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_tts_never_waits_for_conversions() -> None:
    """Conversions hold every convert worker until speech has finished: only a TTS stage
    that runs beside them can finish first (a shared queue would deadlock and time out)."""

    async def main() -> tuple[object, bool]:
        engine = _engine(convert_workers=2)
        await engine.start()
        release = threading.Event()

        def held(ctx: WorkerContext) -> bool:
            return release.wait(timeout=20)

        busy = [asyncio.create_task(engine["convert"].submit(held, 30)) for _ in range(4)]
        await asyncio.sleep(0.05)
        spoken = await engine["tts"].submit(_sleep(0.01, "spoken"), 10)
        still_held = not release.is_set()
        release.set()
        assert all(await asyncio.gather(*busy))
        await engine.stop()
        return spoken, still_held

    assert run(main()) == ("spoken", True)


def test_conversions_run_side_by_side_on_separate_threads() -> None:
    """Three jobs meet at a three-party barrier: it only opens if all run at once."""

    async def main() -> set[str]:
        engine = _engine(convert_workers=3)
        await engine.start()
        names: set[str] = set()
        barrier = threading.Barrier(3, timeout=20)

        def job(ctx: WorkerContext) -> None:
            names.add(threading.current_thread().name)
            barrier.wait()  # BrokenBarrierError if the jobs ran one after another

        await asyncio.gather(*(engine["convert"].submit(job, 30) for _ in range(3)))
        await engine.stop()
        return names

    assert len(run(main())) == 3


def test_full_queue_refuses_at_once_with_retry_after() -> None:
    async def main() -> QueueFullError:
        engine = _engine(convert_workers=1, queue_size=2)
        await engine.start()
        stage = engine["convert"]
        held = []
        for _ in range(3):  # one running, two queued
            held.append(asyncio.create_task(stage.submit(_sleep(0.3), 5)))
            await asyncio.sleep(0.02)
        with pytest.raises(QueueFullError) as refused:
            await stage.submit(_sleep(0), 5)
        await asyncio.gather(*held)
        await engine.stop()
        return refused.value

    error = run(main())
    assert error.http_status == 429 and error.retry_after_s and error.retry_after_s >= 1


def test_timeout_cancels_the_queued_job() -> None:
    async def main() -> list[str]:
        engine = _engine(convert_workers=1)
        await engine.start()
        ran: list[str] = []
        blocker = asyncio.create_task(engine["convert"].submit(_sleep(0.4), 5))
        await asyncio.sleep(0.02)
        with pytest.raises(JobTimeoutError):
            await engine["convert"].submit(lambda ctx: ran.append("late"), 0.1)
        await blocker
        await asyncio.sleep(0.1)
        await engine.stop()
        return ran

    assert run(main()) == []  # the timed-out job never started


def test_disconnected_caller_cancels_its_job() -> None:
    async def main() -> tuple[list[str], bool]:
        engine = _engine(convert_workers=1)
        await engine.start()
        ran: list[str] = []
        flags: list[threading.Event] = []
        blocker = asyncio.create_task(engine["convert"].submit(_sleep(0.3), 5))

        def running(ctx: WorkerContext) -> None:
            flags.append(ctx.cancelled)
            time.sleep(0.3)

        await asyncio.sleep(0.02)
        queued = asyncio.create_task(engine["convert"].submit(lambda c: ran.append("x"), 5))
        await asyncio.sleep(0.02)
        queued.cancel()
        await blocker
        running_task = asyncio.create_task(engine["convert"].submit(running, 5))
        await asyncio.sleep(0.1)
        running_task.cancel()
        await asyncio.sleep(0.05)
        cancelled_flag = flags[0].is_set()
        await asyncio.sleep(0.3)
        await engine.stop()
        return ran, cancelled_flag

    ran, flag = run(main())
    assert ran == []
    assert flag  # a running job sees ctx.cancelled


def test_user_errors_pass_through_and_keep_the_worker() -> None:
    async def main() -> int:
        engine = _engine(convert_workers=1)
        await engine.start()

        def bad(ctx: WorkerContext) -> None:
            raise RocktopError("index_rate must be within 0..1")

        with pytest.raises(RocktopError, match="index_rate"):
            await engine["convert"].submit(bad, 5)
        replaced = engine["convert"].replaced
        await engine.stop()
        return replaced

    assert run(main()) == 0


@pytest.mark.parametrize("how", ["raises", "injected"])
def test_crashing_worker_is_replaced_and_request_gets_503(how: str) -> None:
    async def main() -> tuple[WorkerFailedError, int, bool, object]:
        engine = _engine(convert_workers=2)
        await engine.start()
        stage = engine["convert"]

        def boom(ctx: WorkerContext) -> None:
            raise RuntimeError("CUDA error: an illegal memory access")

        if how == "injected":
            stage.inject_crash()
        with pytest.raises(WorkerFailedError) as failed:
            await stage.submit(boom if how == "raises" else _sleep(0), 5)
        await asyncio.sleep(0.05)
        after = await stage.submit(_sleep(0, "fine"), 5)
        result = (failed.value, stage.replaced, stage.healthy, after)
        await engine.stop()
        return result

    error, replaced, healthy, after = run(main())
    assert error.http_status == 503 and error.code == "worker_failed" and error.retryable
    assert replaced == 1 and healthy and after == "fine"


def test_hung_worker_is_abandoned_and_replaced() -> None:
    async def main() -> tuple[int, object]:
        engine = _engine(convert_workers=1, hang_timeout_s=0.2)
        await engine.start()
        stage = engine["convert"]
        with pytest.raises(WorkerFailedError):
            await stage.submit(_sleep(1.0), 5)
        after = await stage.submit(_sleep(0, "fresh"), 5)
        result = (stage.replaced, after)
        await engine.stop()
        return result

    assert run(main()) == (1, "fresh")


def test_queue_timeout_drops_unstarted_jobs() -> None:
    async def main() -> None:
        engine = _engine(convert_workers=1, queue_timeout_s=0.1)
        await engine.start()
        blocker = asyncio.create_task(engine["convert"].submit(_sleep(0.3), 5))
        await asyncio.sleep(0.02)
        with pytest.raises(QueueTimeoutError):
            await engine["convert"].submit(_sleep(0), 5)
        await blocker
        await engine.stop()
        with pytest.raises(ShuttingDownError):
            await engine["convert"].submit(_sleep(0), 5)

    run(main())


def test_metrics_follow_the_queue() -> None:
    async def main() -> tuple[float, float, float]:
        engine = _engine(convert_workers=1, queue_size=8)
        await engine.start()
        stage = engine["convert"]
        held = [asyncio.create_task(stage.submit(_sleep(0.2), 5)) for _ in range(4)]
        await asyncio.sleep(0.05)
        metrics = stage.metrics
        depth = metrics.queue_depth.labels("convert")._value.get()
        inflight = metrics.inflight.labels("convert")._value.get()
        workers = metrics.workers.labels("convert")._value.get()
        await asyncio.gather(*held)
        await engine.stop()
        return depth, inflight, workers

    assert run(main()) == (3, 1, 1)


@pytest.mark.gpu
def test_each_cuda_worker_has_its_own_stream() -> None:
    import torch

    async def main() -> set[int]:
        metrics = ServiceMetrics()
        stage = Stage("convert", 3, 4, metrics, device="cuda")
        await stage.start()

        def job(ctx: WorkerContext) -> int:
            assert torch.cuda.current_stream() == ctx.stream
            return int(ctx.stream.cuda_stream)

        streams = await asyncio.gather(*(stage.submit(job, 30) for _ in range(9)))
        await stage.stop()
        return set(streams)

    assert len(run(main())) == 3


def test_stop_fails_queued_and_running_jobs_cleanly() -> None:
    async def main() -> list[BaseException | object]:
        engine = _engine(convert_workers=1)
        await engine.start()
        running = asyncio.create_task(engine["convert"].submit(_sleep(0.5), 5))
        await asyncio.sleep(0.05)
        queued = asyncio.create_task(engine["convert"].submit(_sleep(0), 5))
        await asyncio.sleep(0.02)
        await engine.stop()
        return list(await asyncio.gather(running, queued, return_exceptions=True))

    results = run(main())
    assert all(isinstance(r, ShuttingDownError) for r in results), results
