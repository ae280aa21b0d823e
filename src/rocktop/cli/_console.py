"""Shared CLI plumbing: stderr console, progress bars, JSON output, logging setup."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rocktop.common.batch import ItemResult
from rocktop.common.errors import RocktopError


def err_console() -> Console:
    """Console on stderr, so stdout stays clean for ``--json`` output."""
    return Console(stderr=True, soft_wrap=True)


def configure_logging(level: str = "WARNING") -> None:
    """Entry points configure logging; libraries only log."""
    logging.basicConfig(
        level=level.upper(),
        format="%(message)s",
        handlers=[RichHandler(console=err_console(), show_path=False)],
        force=True,
    )


@contextlib.contextmanager
def progress_bar(total: int, description: str) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr; yields ``advance(n=1)``."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console(),
        disable=not sys.stderr.isatty() and total <= 1,
    )
    with progress:
        task = progress.add_task(description, total=total)

        def advance(*_: Any, n: int = 1) -> None:
            progress.advance(task, n)

        yield advance


def print_json(value: Any) -> None:
    """Write ``value`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def raise_for_failures(results: Sequence[ItemResult[Any, Any]], noun: str = "inputs") -> None:
    """End a batch command: exit 2 (via ``RocktopError``) when any item failed.

    A single failed item raises its own one-line error; several are listed on stderr, then
    summarised as "K of N <noun> failed".
    """
    failed = [r for r in results if not r.ok]
    if len(results) == 1 and failed:
        raise RocktopError(str(failed[0].error))
    for failure in failed:
        err_console().print(f"failed: {failure.error}", markup=False, highlight=False)
    if failed:
        raise RocktopError(f"{len(failed)} of {len(results)} {noun} failed")
