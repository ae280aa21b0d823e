"""Every path argument is a local path or a URI (``s3://bucket/prefix``, any fsspec protocol).

Local paths stay the embedded default and go through ``rocktop.common.atomic``. Object stores
go through fsspec (s3fs for ``s3://``; the endpoint comes from ``AWS_ENDPOINT_URL_S3`` or
``AWS_ENDPOINT_URL`` so MinIO works, credentials from the usual AWS variables or files).

Atomicity: a local write lands under a temporary name and is renamed. An S3 object becomes
visible only when its single PUT or its multipart upload completes; a failed multipart upload
is aborted (s3fs), so a failed transfer never leaves a partial object under the key. Streams
written with :func:`open_write` are spooled to a local temporary file and uploaded on success
only, because a buffered S3 file would commit what it holds when an exception closes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rocktop.common.atomic import TMP_PREFIX, atomic_open, atomic_path
from rocktop.common.errors import MissingDependencyError, RocktopError
from rocktop.common.hashing import sha256_file
from rocktop.storage.errors import StorageNotFoundError, translated

MIB = 1 << 20
S3_MIN_PART_BYTES = 5 * MIB
SHA256_METADATA_KEY = "sha256"


@dataclass(frozen=True)
class S3Settings:
    """How to reach an S3-compatible store and how to upload to it.

    ``part_size_bytes`` is the multipart part size (S3's minimum is 5 MiB; files smaller than
    two parts go up in one PUT). ``retries`` bounds s3fs's own retry loop so that a dead
    endpoint fails in seconds, not minutes.
    """

    endpoint_url: str | None = None
    part_size_bytes: int = 16 * MIB
    max_concurrency: int = 4
    retries: int = 3
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.part_size_bytes < S3_MIN_PART_BYTES:
            raise ValueError(f"part_size_bytes must be >= {S3_MIN_PART_BYTES} (S3's minimum)")
        if self.max_concurrency < 1 or self.retries < 0:
            raise ValueError("max_concurrency must be >= 1 and retries >= 0")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> S3Settings:
        """Read ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL`` and ``ROCKTOP_S3_PART_SIZE_MB``."""
        env = os.environ if environ is None else environ
        endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL") or None
        raw = env.get("ROCKTOP_S3_PART_SIZE_MB", "16")
        if not raw.strip().isdigit() or int(raw) < S3_MIN_PART_BYTES // MIB:
            raise RocktopError(f"ROCKTOP_S3_PART_SIZE_MB must be a whole number >= 5, got {raw!r}")
        return cls(endpoint_url=endpoint, part_size_bytes=int(raw) * MIB)


@dataclass(frozen=True)
class ObjectInfo:
    """Size in bytes, the store's ETag (None locally) and the sha256 recorded at upload."""

    uri: str
    size: int
    etag: str | None = None
    sha256: str | None = None


def protocol(uri: str | os.PathLike[str]) -> str:
    """``"file"`` for local paths and ``file://`` URIs, else the URI scheme (``"s3"``)."""
    text = os.fspath(uri)
    if "://" not in text:
        return "file"
    return text.split("://", 1)[0].lower()


def is_remote(uri: str | os.PathLike[str]) -> bool:
    """True when ``uri`` is not on the local file system."""
    return protocol(uri) != "file"


def local_path(uri: str | os.PathLike[str]) -> Path:
    """The local path of a plain path or ``file://`` URI."""
    text = os.fspath(uri)
    return Path(text[len("file://") :] if text.startswith("file://") else text)


def join(uri: str | os.PathLike[str], *parts: str) -> str:
    """Append path segments with ``/`` (URIs) or the OS separator (local paths)."""
    if not is_remote(uri):
        return str(local_path(uri).joinpath(*parts))
    return "/".join([os.fspath(uri).rstrip("/"), *(p.strip("/") for p in parts)])


def filesystem(uri: str, settings: S3Settings | None = None) -> tuple[Any, str]:
    """The fsspec file system for ``uri`` and the path inside it (one instance per settings)."""
    try:
        import fsspec
    except ImportError as exc:  # pragma: no cover - fsspec comes with the s3 extra
        raise MissingDependencyError("fsspec", "s3") from exc
    proto = protocol(uri)
    if proto != "s3":
        fs, path = fsspec.core.url_to_fs(uri)
        return fs, path
    try:
        import s3fs
    except ImportError as exc:
        raise MissingDependencyError("s3fs", "s3") from exc
    s3 = settings or S3Settings.from_env()
    fs = s3fs.S3FileSystem(
        endpoint_url=s3.endpoint_url,
        skip_instance_cache=False,  # reuse the client (and its connection pool) per settings
        use_listings_cache=False,
        max_concurrency=s3.max_concurrency,
        config_kwargs={
            "connect_timeout": s3.connect_timeout_s,
            "read_timeout": s3.read_timeout_s,
            "retries": {"max_attempts": 1 + s3.retries, "mode": "standard"},
        },
    )
    fs.retries = s3.retries
    return fs, fs._strip_protocol(uri)


def _as_uri(proto: str, path: str) -> str:
    return path if proto == "file" else f"{proto}://{path.lstrip('/')}"


def exists(uri: str, settings: S3Settings | None = None) -> bool:
    """Whether a file, object or prefix exists at ``uri``."""
    if not is_remote(uri):
        return local_path(uri).exists()
    fs, path = filesystem(uri, settings)
    with translated("checking", uri):
        return bool(fs.exists(path))


def ls(uri: str, settings: S3Settings | None = None) -> list[str]:
    """Sorted URIs of the immediate children of a directory or prefix."""
    if not is_remote(uri):
        base = local_path(uri)
        if not base.is_dir():
            raise StorageNotFoundError(f"listing {uri}: not a directory")
        return sorted(str(child) for child in base.iterdir())
    fs, path = filesystem(uri, settings)
    with translated("listing", uri):
        entries = fs.ls(path, detail=False)
    proto = protocol(uri)
    return sorted(_as_uri(proto, e) for e in entries if e.rstrip("/") != path.rstrip("/"))


def find(uri: str, settings: S3Settings | None = None, *, maxdepth: int | None = 2) -> list[str]:
    """Sorted ``/``-separated paths of the files under ``uri``, relative to it."""
    return sorted(find_sizes(uri, settings, maxdepth=maxdepth))


def find_sizes(
    uri: str, settings: S3Settings | None = None, *, maxdepth: int | None = None
) -> dict[str, int]:
    """Relative ``/``-separated path -> size in bytes of every file under ``uri``.

    ``maxdepth`` counts directory levels (1 = the files directly under ``uri``); None = all.
    One listing request per 1000 objects on S3, not one per file.
    """
    if not is_remote(uri):
        base = local_path(uri)
        if not base.is_dir():
            raise StorageNotFoundError(f"listing {uri}: not a directory")
        sizes = {
            p.relative_to(base).as_posix(): p.stat().st_size
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(TMP_PREFIX)
        }
    else:
        fs, path = filesystem(uri, settings)
        with translated("listing", uri):
            entries = fs.find(path, maxdepth=maxdepth, detail=True)
        root = path.rstrip("/") + "/"
        sizes = {
            name[len(root) :]: int(info.get("size") or 0)
            for name, info in entries.items()
            if name.startswith(root) and info.get("type", "file") == "file"
        }
    if maxdepth is None:
        return sizes
    return {rel: size for rel, size in sizes.items() if rel.count("/") < maxdepth}


def stat(uri: str, settings: S3Settings | None = None) -> ObjectInfo:
    """Size, ETag and the sha256 recorded by :func:`put_file` (S3 user metadata)."""
    if not is_remote(uri):
        path = local_path(uri)
        if not path.is_file():
            raise StorageNotFoundError(f"reading {uri}: not found")
        return ObjectInfo(uri=uri, size=path.stat().st_size)
    fs, path_in_fs = filesystem(uri, settings)
    with translated("reading", uri):
        if protocol(uri) == "s3":  # one HEAD gives size, ETag and user metadata
            bucket, key, _ = fs.split_path(path_in_fs)
            if not key:
                raise StorageNotFoundError(f"reading {uri}: not a file")
            head = fs.call_s3("head_object", Bucket=bucket, Key=key)
            info = {"size": head["ContentLength"], "ETag": head.get("ETag")}
            meta = head.get("Metadata") or {}
        else:
            info, meta = fs.info(path_in_fs), {}
            if info.get("type") == "directory":
                raise StorageNotFoundError(f"reading {uri}: not a file")
    etag = info.get("ETag")
    return ObjectInfo(
        uri=uri,
        size=int(info["size"]),
        etag=etag.strip('"') if isinstance(etag, str) else None,
        sha256=meta.get(SHA256_METADATA_KEY),
    )


@contextlib.contextmanager
def open_read(uri: str, settings: S3Settings | None = None) -> Iterator[IO[bytes]]:
    """A binary file object reading ``uri``."""
    if not is_remote(uri):
        with translated("reading", uri), open(local_path(uri), "rb") as handle:
            yield handle
        return
    fs, path = filesystem(uri, settings)
    with translated("reading", uri), fs.open(path, "rb") as handle:
        yield handle


def read_bytes(uri: str, settings: S3Settings | None = None) -> bytes:
    """The whole content of ``uri``."""
    with open_read(uri, settings) as handle:
        return handle.read()


@contextlib.contextmanager
def open_write(uri: str, settings: S3Settings | None = None) -> Iterator[IO[bytes]]:
    """A binary file object whose content replaces ``uri`` only if the block succeeds."""
    if not is_remote(uri):
        with atomic_open(local_path(uri), "wb") as handle:
            yield handle
        return
    with tempfile.TemporaryDirectory(prefix="rocktop-upload-") as tmp:
        spool = Path(tmp) / "spool"
        with open(spool, "wb") as handle:
            yield handle
        put_file(spool, uri, settings)


def write_bytes(uri: str, data: bytes, settings: S3Settings | None = None) -> None:
    """Write ``data`` to ``uri`` atomically."""
    with open_write(uri, settings) as handle:
        handle.write(data)


ProgressCallback = Callable[[int], None]


def put_file(
    local: str | os.PathLike[str],
    uri: str,
    settings: S3Settings | None = None,
    *,
    on_bytes: ProgressCallback | None = None,
) -> None:
    """Upload a local file to ``uri`` (multipart in ``part_size_bytes`` parts when large).

    The file's sha256 is stored as S3 user metadata so that downloads can be verified end to
    end (multipart ETags are not content hashes). ``on_bytes(n)`` is called as parts land.
    """
    source = Path(local)
    if not source.is_file():
        raise StorageNotFoundError(f"uploading {source}: not a file")
    if not is_remote(uri):
        with atomic_path(local_path(uri)) as tmp:
            shutil.copyfile(source, tmp)
        if on_bytes is not None:
            on_bytes(source.stat().st_size)
        return
    s3 = settings or S3Settings.from_env()
    fs, path = filesystem(uri, s3)
    kwargs: dict[str, Any] = {}
    if protocol(uri) == "s3":
        kwargs = {
            "chunksize": s3.part_size_bytes,
            "max_concurrency": s3.max_concurrency,
            "Metadata": {SHA256_METADATA_KEY: sha256_file(source)},
        }
    if on_bytes is not None:
        kwargs["callback"] = _fsspec_callback(on_bytes)
    with translated("uploading to", uri):
        fs.put_file(str(source), path, **kwargs)


def get_file(uri: str, local: str | os.PathLike[str], settings: S3Settings | None = None) -> None:
    """Download ``uri`` to ``local`` atomically (a failed download leaves nothing)."""
    with atomic_path(local) as tmp:
        if not is_remote(uri):
            with translated("reading", uri):
                shutil.copyfile(local_path(uri), tmp)
            return
        fs, path = filesystem(uri, settings)
        with translated("downloading", uri):
            fs.get_file(path, str(tmp))


@contextlib.contextmanager
def local_copy(uri: str, settings: S3Settings | None = None) -> Iterator[Path]:
    """A real local file with ``uri``'s content, for libraries that need a path.

    Local paths are yielded as they are; remote objects are downloaded to a temporary
    directory (keeping the file name, so suffix-sniffing libraries work) removed on exit.
    """
    if not is_remote(uri):
        path = local_path(uri)
        if not path.exists():
            raise StorageNotFoundError(f"reading {uri}: not found")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="rocktop-copy-") as tmp:
        target = Path(tmp) / (uri.rstrip("/").rsplit("/", 1)[-1] or "object")
        get_file(uri, target, settings)
        yield target


def _fsspec_callback(on_bytes: ProgressCallback) -> Any:
    """An fsspec callback that forwards each increment to ``on_bytes``."""
    from fsspec.callbacks import Callback

    class _Progress(Callback):
        def relative_update(self, inc: int = 1) -> None:
            super().relative_update(inc)
            on_bytes(inc)

    return _Progress()
