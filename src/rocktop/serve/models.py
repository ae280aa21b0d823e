"""Voice models by name from one directory, with an LRU bound on how many stay loaded.

A request only ever gives a *name*; the name must be one the directory listing produced, so no
request string is joined into a path. Layouts recognised in ``models_dir``:

- ``NAME.safetensors`` (native) or ``NAME.pth`` (RVC), with ``NAME.index`` (or RVC's
  ``added_*NAME*.index``) beside it if any;
- ``NAME/`` holding exactly one ``.safetensors`` or ``.pth`` and at most one ``.index``
  (``trained_*`` indexes, which hold no vectors, are ignored).

Symlinks that lead out of the directory are ignored.

Loading replaces an entry atomically (hot swap): jobs holding the old converter finish with it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rocktop.common.errors import RocktopError
from rocktop.serve.errors import ModelLoadError, ModelNotFoundError
from rocktop.serve.metrics import ServiceMetrics

log = logging.getLogger(__name__)
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
_NAME = re.compile(NAME_PATTERN)
MODEL_SUFFIXES = (".safetensors", ".pth")

Loader = Callable[[Path, Path | None], Any]


@dataclass(frozen=True)
class ModelEntry:
    """A voice found in the models directory."""

    name: str
    model_path: Path
    index_path: Path | None
    format: str  # "safetensors" | "pth"
    size_bytes: int
    mtime_ns: int


@dataclass
class LoadedModel:
    """A loaded voice: its converter and where it came from."""

    entry: ModelEntry
    converter: Any
    load_seconds: float
    loaded_at: float
    uses: int = 0


def scan(models_dir: Path) -> dict[str, ModelEntry]:
    """List the voices in ``models_dir`` (name -> entry); unreadable or odd names are skipped."""
    found: dict[str, ModelEntry] = {}
    try:
        items = sorted(os.scandir(models_dir), key=lambda item: item.name)
    except OSError:
        return found
    root = models_dir.resolve()
    for item in items:
        if not Path(item.path).resolve().is_relative_to(root):
            continue  # a symlink leading out of the models directory
        if item.is_dir(follow_symlinks=False):
            entry = _scan_folder(Path(item.path))
        elif item.is_file() and item.name.endswith(MODEL_SUFFIXES):
            entry = _entry(Path(item.path), Path(item.path).stem, _sibling_index(Path(item.path)))
        else:
            continue
        if entry is not None and _NAME.match(entry.name) and entry.name not in found:
            found[entry.name] = entry
    return found


def _sibling_index(model_path: Path) -> Path | None:
    """``NAME.index``, else RVC's rule: an ``*.index`` naming the model, not ``trained_*``."""
    index = model_path.with_suffix(".index")
    if index.is_file():
        return index
    for candidate in sorted(model_path.parent.glob("*.index")):
        name = candidate.name
        if model_path.stem in name and "trained" not in name and candidate.is_file():
            return candidate
    return None


def _scan_folder(folder: Path) -> ModelEntry | None:
    try:
        files = [p for p in folder.iterdir() if p.is_file()]
    except OSError:
        return None
    models = [p for p in files if p.suffix in MODEL_SUFFIXES]
    indexes = [p for p in files if p.suffix == ".index" and "trained" not in p.name]
    if len(models) != 1 or len(indexes) > 1:
        return None
    return _entry(models[0], folder.name, indexes[0] if indexes else None)


def _entry(path: Path, name: str, index: Path | None) -> ModelEntry | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    fmt = "safetensors" if path.suffix == ".safetensors" else "pth"
    return ModelEntry(name, path, index, fmt, stat.st_size, stat.st_mtime_ns)


class ModelRegistry:
    """Name -> loaded converter, at most ``max_loaded`` at once (least recently used leaves)."""

    def __init__(
        self, models_dir: Path, loader: Loader, max_loaded: int, metrics: ServiceMetrics
    ) -> None:
        self.models_dir = models_dir
        self.loader = loader
        self.max_loaded = max_loaded
        self.metrics = metrics
        self._loaded: OrderedDict[str, LoadedModel] = OrderedDict()
        self._lock = threading.Lock()
        self._load_locks: dict[str, threading.Lock] = {}

    def available(self) -> dict[str, ModelEntry]:
        return scan(self.models_dir)

    def resolve(self, name: str) -> ModelEntry:
        """The entry for ``name``, which must be in the directory listing."""
        entry = self.available().get(name) if _NAME.match(name) else None
        if entry is None:
            raise ModelNotFoundError(f"voice model {name!r} is not in the models directory")
        return entry

    def loaded(self) -> list[LoadedModel]:
        with self._lock:
            return list(self._loaded.values())

    def is_loaded(self, name: str) -> bool:
        with self._lock:
            return name in self._loaded

    def get(self, name: str) -> LoadedModel:
        """The loaded model ``name``, loading it first if needed (blocking: call off-loop)."""
        with self._lock:
            model = self._loaded.get(name)
            if model is not None:
                self._loaded.move_to_end(name)
                model.uses += 1
                return model
        return self.load(name, reload=False)

    def load(self, name: str, reload: bool = True) -> LoadedModel:
        """Load ``name`` (again when ``reload``: hot swap), evicting the LRU one if full."""
        entry = self.resolve(name)
        with self._lock:
            name_lock = self._load_locks.setdefault(name, threading.Lock())
        with name_lock:
            with self._lock:
                current = self._loaded.get(name)
            if current is not None and (not reload or current.entry == entry):
                return current
            model = self._load_entry(entry)
            with self._lock:
                self._loaded[name] = model
                self._loaded.move_to_end(name)
                while len(self._loaded) > self.max_loaded:
                    evicted, _ = self._loaded.popitem(last=False)
                    log.info("unloaded voice %s (LRU, limit %d)", evicted, self.max_loaded)
            return model

    def _load_entry(self, entry: ModelEntry) -> LoadedModel:
        started = time.perf_counter()
        try:
            converter = self.loader(entry.model_path, entry.index_path)
        except RocktopError as exc:
            raise ModelLoadError(f"voice model {entry.name!r} cannot be loaded: {exc}") from None
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelLoadError(
                f"voice model {entry.name!r} cannot be loaded: {type(exc).__name__}: {exc}"
            ) from None
        seconds = time.perf_counter() - started
        self.metrics.model_load_seconds.observe(seconds)
        log.info("loaded voice %s in %.2f s", entry.name, seconds)
        return LoadedModel(entry, converter, seconds, time.time())

    def unload(self, name: str) -> bool:
        """Drop ``name`` from memory; False if it was not loaded."""
        with self._lock:
            return self._loaded.pop(name, None) is not None


def pipeline_loader(device: str, dtype: str, weights_dir: Path | None = None) -> Loader:
    """The real loader: ``load_converter`` on ``device``/``dtype`` with assets ``weights_dir``."""

    def load(model_path: Path, index_path: Path | None) -> Any:
        from rocktop.inference.loading import load_converter

        return load_converter(
            model_path, index_path, device=device, dtype=dtype, weights_dir=weights_dir
        )

    return load
