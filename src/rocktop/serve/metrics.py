"""Prometheus metrics on a per-app ``CollectorRegistry`` (no global state).

The names are a contract with deploy/ (dashboards, alerts, HPA): change them only together.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
RTF_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10)
LOAD_BUCKETS_S = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
STAGES = ("tts", "convert")


class ServiceMetrics:
    """Every metric the service exports, registered on its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "rocktop_requests",
            "HTTP requests by route and status.",
            ["endpoint", "status"],
            registry=r,
        )
        self.request_duration = Histogram(
            "rocktop_request_duration_seconds",
            "Request wall time, seconds.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS_S,
            registry=r,
        )
        self.queue_depth = Gauge(
            "rocktop_queue_depth", "Jobs waiting per stage.", ["stage"], registry=r
        )
        self.inflight = Gauge("rocktop_inflight", "Jobs running per stage.", ["stage"], registry=r)
        self.realtime_factor = Histogram(
            "rocktop_realtime_factor",
            "Processing time / audio duration.",
            ["endpoint"],
            buckets=RTF_BUCKETS,
            registry=r,
        )
        self.model_load_seconds = Histogram(
            "rocktop_model_load_seconds",
            "Voice model load time, seconds.",
            buckets=LOAD_BUCKETS_S,
            registry=r,
        )
        self.errors = Counter("rocktop_errors", "Errors by stable code.", ["code"], registry=r)
        self.gpu_memory_bytes = Gauge(
            "rocktop_gpu_memory_bytes", "GPU memory allocated by torch.", ["device"], registry=r
        )
        self.workers = Gauge("rocktop_workers", "Live workers per stage.", ["stage"], registry=r)
        for stage in STAGES:
            self.queue_depth.labels(stage).set(0)
            self.inflight.labels(stage).set(0)
            self.workers.labels(stage).set(0)

    def observe_request(self, endpoint: str, status: int, duration_s: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        self.request_duration.labels(endpoint).observe(duration_s)

    def observe_rtf(self, endpoint: str, seconds: float, audio_s: float) -> None:
        if audio_s > 0:
            self.realtime_factor.labels(endpoint).observe(seconds / audio_s)

    def error(self, code: str) -> None:
        self.errors.labels(code).inc()

    def update_gpu_memory(self, device: str) -> None:
        """Refresh ``rocktop_gpu_memory_bytes`` (no-op on CPU)."""
        if not device.startswith("cuda"):
            return
        import torch

        if not torch.cuda.is_available():
            return
        for index in range(torch.cuda.device_count()):
            self.gpu_memory_bytes.labels(f"cuda:{index}").set(torch.cuda.memory_allocated(index))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
