"""Typed storage errors: one line naming the URI, the action and the cause."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rocktop.common.errors import RocktopError

_MAX_CAUSE = 200


class StorageError(RocktopError):
    """A read, write or listing on a local path or object store failed."""

    http_status = 502
    code = "storage_error"


class StorageNotFoundError(StorageError):
    """The URI names nothing (no file, no object, no bucket)."""

    http_status = 404
    code = "not_found"


class IntegrityError(StorageError):
    """A downloaded file does not match the size or checksum the store announced."""

    code = "integrity_error"


def one_line(exc: BaseException) -> str:
    """``Type: message`` with whitespace collapsed and the length bounded."""
    text = " ".join(str(exc).split()) or "no details"
    if len(text) > _MAX_CAUSE:
        text = text[: _MAX_CAUSE - 3] + "..."
    return f"{type(exc).__name__}: {text}"


def _transport_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, TimeoutError]
    with contextlib.suppress(ImportError):
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    with contextlib.suppress(ImportError):
        from aiohttp import ClientError as AiohttpClientError

        errors.append(AiohttpClientError)
    return tuple(errors)


@contextlib.contextmanager
def translated(action: str, uri: str) -> Iterator[None]:
    """Turn transport and file errors raised inside into one-line ``StorageError``s."""
    try:
        yield
    except StorageError:
        raise
    except FileNotFoundError as exc:
        raise StorageNotFoundError(f"{action} {uri}: not found") from exc
    except _transport_errors() as exc:
        raise StorageError(f"{action} {uri} failed: {one_line(exc)}") from exc
