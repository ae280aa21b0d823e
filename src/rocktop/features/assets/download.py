"""Resumable HTTP(S) downloads with sha256 verification and atomic install.

Bytes go to ``<dest>.part``; an interrupted download keeps it and the next call asks the server
for the rest (``Range: bytes=N-``). Only a file whose sha256 matches is renamed onto ``dest``;
a mismatch deletes the partial file and installs nothing.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from rocktop.common.atomic import _fsync_dir
from rocktop.common.errors import RocktopError
from rocktop.features.assets.catalog import MIRROR_ENV

log = logging.getLogger(__name__)
CHUNK = 1 << 20
USER_AGENT = "rocktop-assets/1"


class DownloadError(RocktopError):
    http_status = 502
    code = "download_failed"


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _hash_existing(path: Path) -> tuple[hashlib._Hash, int]:
    digest = hashlib.sha256()
    size = 0
    if path.exists():
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(CHUNK), b""):
                digest.update(block)
                size += len(block)
    return digest, size


def _open(url: str, offset: int, timeout_s: float) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        return urllib.request.urlopen(request, timeout=timeout_s)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            raise  # the part may already be complete; the caller checks
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        host = urlsplit(url).netloc
        raise DownloadError(
            f"cannot reach {host} ({reason}); check the network, or use --mirror URL "
            f"(or ${MIRROR_ENV})"
        ) from None


def _stream(
    url: str, part: Path, timeout_s: float, on_bytes: Callable[[int], None] | None
) -> hashlib._Hash:
    digest, offset = _hash_existing(part)
    try:
        response = _open(url, offset, timeout_s)
    except urllib.error.HTTPError:  # 416: nothing left to fetch
        return digest
    with response:
        if offset and response.status != 206:  # server ignored Range: start over
            log.info("%s: server does not resume; restarting", url)
            digest, offset = hashlib.sha256(), 0
        announced = response.headers.get("Content-Length")
        received = 0
        with open(part, "ab" if offset else "wb") as handle:
            try:
                for block in iter(lambda: response.read(CHUNK), b""):
                    handle.write(block)
                    digest.update(block)
                    received += len(block)
                    if on_bytes:
                        on_bytes(len(block))
            except (http.client.IncompleteRead, OSError, TimeoutError) as exc:
                handle.flush()
                raise _interrupted(url, part, type(exc).__name__) from None
            handle.flush()
            os.fsync(handle.fileno())
    if announced is not None and received < int(announced):
        raise _interrupted(url, part, f"{received} of {announced} bytes")
    return digest


def _interrupted(url: str, part: Path, why: str) -> DownloadError:
    return DownloadError(
        f"{url}: download interrupted after {part.stat().st_size} bytes ({why}); "
        "run the command again to resume"
    )


def download(
    url: str,
    dest: Path,
    sha256: str | None,
    size: int | None = None,
    timeout_s: float = 60.0,
    on_bytes: Callable[[int], None] | None = None,
) -> str:
    """Fetch ``url`` to ``dest`` (resuming ``dest.part``), verify, install; returns the sha256.

    Raises ``DownloadError`` (one line) when offline, on HTTP errors, on interruption (the
    partial file is kept for the next attempt) and on checksum or size mismatch (the partial
    file is deleted and nothing is installed).
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(f"{url}: only http(s) URLs are fetched")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    digest = _stream(url, part, timeout_s, on_bytes).hexdigest()
    got_size = part.stat().st_size if part.exists() else 0
    if (sha256 and digest != sha256.lower()) or (size is not None and got_size != size):
        part.unlink(missing_ok=True)
        expected = sha256 or f"{size} bytes"
        raise DownloadError(
            f"{dest.name}: checksum mismatch (got {digest}, {got_size} bytes; "
            f"expected {expected}); nothing installed"
        )
    os.replace(part, dest)
    _fsync_dir(dest.parent)
    return digest
