"""Crash-safe checkpoints: atomic writes, keep-last-K + best, and picking where to resume.

Lightning's own save is not atomic (perf-reliability.md §B4), so every checkpoint goes
through ``AtomicCheckpointIO`` (temporary file, fsync, rename: ``rocktop.common.atomic``).
A SIGKILL during a save leaves at most a ``.tmp-*`` file, which is never picked for resume.
"""

from __future__ import annotations

import logging
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.plugins.io import TorchCheckpointIO

from rocktop.common.atomic import TMP_PREFIX, atomic_path

log = logging.getLogger(__name__)

LAST = "last.ckpt"


class AtomicCheckpointIO(TorchCheckpointIO):
    """``torch.save`` to a temporary file beside the target, fsync, then rename onto it."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | os.PathLike[str], storage_options: Any = None
    ) -> None:
        with atomic_path(path) as tmp:
            torch.save(checkpoint, tmp)

    def load_checkpoint(
        self, path: str | os.PathLike[str], map_location: Any = None, weights_only: Any = None
    ) -> dict[str, Any]:
        return torch.load(path, map_location=map_location or "cpu", weights_only=True)


def checkpoint_callbacks(
    directory: Path, keep_last: int, monitor: str | None, mode: str = "min"
) -> list[ModelCheckpoint]:
    """Two checkpointers saving after each validation: the last ``keep_last`` by step (plus
    ``last.ckpt``) and, when ``monitor`` is set, the best by that metric."""
    callbacks = [
        ModelCheckpoint(
            dirpath=directory,
            filename="step-{step:08d}",
            monitor="step",
            mode="max",
            save_top_k=keep_last,
            save_last=True,
            auto_insert_metric_name=False,
            save_on_train_epoch_end=False,
        )
    ]
    if monitor:
        name = monitor.replace("/", "_")
        callbacks.append(
            ModelCheckpoint(
                dirpath=directory,
                filename="best-{step:08d}-{" + monitor + ":.4f}",
                monitor=monitor,
                mode=mode,
                save_top_k=1,
                auto_insert_metric_name=False,
                save_on_train_epoch_end=False,
            )
        )
        log.debug("best checkpoint by %s (%s) as %s", monitor, mode, name)
    return callbacks


def checkpoint_step(path: Path) -> int | None:
    """The ``global_step`` of a complete checkpoint; None when it cannot be read."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        return int(data["global_step"])
    except (OSError, RuntimeError, EOFError, KeyError, TypeError, ValueError) as exc:
        log.warning("ignoring unreadable checkpoint %s: %s", path, exc)
    except (pickle.UnpicklingError, zipfile.BadZipFile) as exc:
        log.warning("ignoring unreadable checkpoint %s: %s", path, exc)
    return None


def is_loadable(path: Path) -> bool:
    """True when ``path`` is a complete checkpoint (loads with ``weights_only=True``)."""
    return checkpoint_step(path) is not None


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Delete ``.tmp-*`` files a killed save left in ``directory`` (the run's own folder)."""
    stale = sorted(directory.glob(f"{TMP_PREFIX}*")) if directory.is_dir() else []
    for path in stale:
        log.warning("removing %s left by an interrupted save", path)
        path.unlink(missing_ok=True)
    return stale


def resume_checkpoint(directory: Path) -> Path | None:
    """The readable checkpoint with the highest step (``last.ckpt`` wins ties; a kill between
    a step save and the ``last.ckpt`` update leaves ``last`` behind); None for a fresh run.
    Temporary (``.tmp-*``) files are never chosen."""
    if not directory.is_dir():
        return None
    candidates = [directory / LAST] if (directory / LAST).is_file() else []
    candidates += [p for p in directory.glob("*.ckpt") if not p.name.startswith(TMP_PREFIX)]
    best: tuple[int, Path] | None = None
    for path in dict.fromkeys(candidates):
        step = checkpoint_step(path)
        if step is not None and (best is None or step > best[0]):
            best = (step, path)
    return None if best is None else best[1]
