"""``rocktop data review``: a small local web app (stdlib ``http.server``, 127.0.0.1 only).

Routes: ``GET /`` page, ``GET /api/clips`` records, ``GET /audio/<id>`` WAV,
``GET /img/<id>/wave.png|spec.png``, ``POST /api/clips/<id>`` with
``{"decision": "approved"|"rejected"|null}`` or ``{"trim": [start_s, end_s]}``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from rocktop.common.errors import RocktopError
from rocktop.data.review.store import ReviewStore

logger = logging.getLogger(__name__)
HOST = "127.0.0.1"
MAX_BODY = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    server: ReviewHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s " + format, self.address_string(), *args)

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            logger.debug("client went away during %s", self.path)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _not_found(self) -> None:
        self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        return host in ("127.0.0.1", "localhost")

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if not self._host_ok():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "bad host"})
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/")[1:]]
        store = self.server.store
        if parts in ([""], ["index.html"]):
            return self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
        if parts == ["api", "clips"]:
            return self._json(HTTPStatus.OK, [r.to_dict() for r in store.records()])
        if len(parts) == 2 and parts[0] == "audio":
            path = store.clip_file(parts[1])
            if path is None:
                return self._not_found()
            return self._audio(path.read_bytes())
        if len(parts) == 3 and parts[0] == "img" and parts[2] in ("wave.png", "spec.png"):
            return self._image(parts[1], parts[2])
        return self._not_found()

    def _audio(self, data: bytes) -> None:
        """The WAV, or the byte range asked for (``Range: bytes=a-b``) so players can seek."""
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range") or "")
        if not match or not data or not any(match.groups()):
            return self._send(HTTPStatus.OK, data, "audio/wav", {"Accept-Ranges": "bytes"})
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
        else:
            start, end = max(len(data) - int(last), 0), len(data) - 1
        if start > end:
            headers = {"Content-Range": f"bytes */{len(data)}"}
            return self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", "audio/wav", headers)
        headers = {"Accept-Ranges": "bytes", "Content-Range": f"bytes {start}-{end}/{len(data)}"}
        self._send(HTTPStatus.PARTIAL_CONTENT, data[start : end + 1], "audio/wav", headers)

    def _image(self, clip_id: str, kind: str) -> None:
        from rocktop.audio import io
        from rocktop.data import plots

        path = self.server.store.clip_file(clip_id)
        if path is None:
            return self._not_found()
        audio = io.load(path)
        draw = plots.waveform_png if kind == "wave.png" else plots.spectrogram_png
        self._send(HTTPStatus.OK, draw(audio.mono(), audio.sample_rate), "image/png")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        parts = urlsplit(self.path).path.split("/")[1:]
        length = int(self.headers.get("Content-Length") or 0)
        if not self._host_ok() or len(parts) != 3 or parts[:2] != ["api", "clips"]:
            return self._not_found()
        if length > MAX_BODY:
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "body too large"})
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            record = self._apply(unquote(parts[2]), body)
        except KeyError:
            return self._not_found()
        except (ValueError, TypeError, RocktopError) as exc:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
        self._json(HTTPStatus.OK, record)

    def _apply(self, clip_id: str, body: dict[str, Any]) -> dict[str, Any]:
        store = self.server.store
        if "trim" in body:
            start, end = body["trim"]
            return store.trim(clip_id, float(start), float(end)).to_dict()
        if "decision" in body:
            return store.decide(clip_id, body["decision"]).to_dict()
        raise ValueError("body needs 'decision' or 'trim'")


class ReviewHTTPServer(ThreadingHTTPServer):
    """The reviewer's HTTP server, bound to 127.0.0.1 only."""

    daemon_threads = True

    def __init__(self, data_dir: Path, port: int = 0) -> None:
        self.store = ReviewStore(data_dir)
        self.page = resources.files("rocktop.data.review").joinpath("page.html").read_bytes()
        super().__init__((HOST, port), _Handler)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def start_background(self) -> threading.Thread:
        """Serve in a daemon thread (tests); stop with ``shutdown()``."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread


def serve(data_dir: Path, port: int, ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted."""
    with ReviewHTTPServer(data_dir, port) as server:
        if ready:
            ready(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
