"""Servers for the storage tests: moto's S3 server in this process, on 127.0.0.1.

moto keeps its state in this process, so the server can be stopped mid-transfer and started
again on the same port with the bucket intact, the way a real S3/MinIO restart behaves.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from rocktop.storage import uri as storage

MIB = storage.MIB


@dataclass
class S3Server:
    """A moto S3 server on 127.0.0.1 that the test may stop and restart on the same port."""

    port: int
    server: object

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, **overrides: object) -> storage.S3Settings:
        values: dict[str, object] = {
            "endpoint_url": self.endpoint,
            "part_size_bytes": 5 * MIB,
            "retries": 1,
            "connect_timeout_s": 2.0,
            "read_timeout_s": 20.0,
        }
        values.update(overrides)
        return storage.S3Settings(**values)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.server.stop()  # type: ignore[attr-defined]

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        }.items():
            patch.setenv(key, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        handle = S3Server(port=server.get_host_and_port()[1], server=server)
        try:
            yield handle
        finally:
            handle.stop()


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    """A fresh bucket; returns its ``s3://`` URI."""
    name = f"rocktop-{uuid.uuid4().hex[:12]}"
    fs, _ = storage.filesystem(f"s3://{name}", s3_server.settings())
    fs.mkdir(name)
    return f"s3://{name}"
