"""Where assets live on disk, and the one error every component raises when one is missing."""

from __future__ import annotations

import os
from pathlib import Path

from rocktop.common.errors import RocktopError

ASSETS_DIR_ENV = "ROCKTOP_ASSETS_DIR"


class MissingAssetError(RocktopError):
    """A weights file is not on disk; the message names it and the command that fetches it."""

    http_status = 503
    code = "missing_asset"

    def __init__(self, path: Path, asset: str) -> None:
        super().__init__(
            f"{path}: weights file not found; fetch it with `rocktop assets fetch {asset}`"
        )
        self.path = path
        self.asset = asset


def default_assets_dir() -> Path:
    """``$ROCKTOP_ASSETS_DIR`` or ``~/.cache/rocktop/assets`` (resolved at call time)."""
    configured = os.environ.get(ASSETS_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "rocktop" / "assets"


def require_asset(relative: str, asset: str, weights_dir: str | os.PathLike[str] | None) -> Path:
    """Path of ``relative`` inside ``weights_dir`` (default assets dir); raise if it is absent."""
    root = Path(weights_dir) if weights_dir is not None else default_assets_dir()
    path = root / relative
    if not path.exists():
        raise MissingAssetError(path, asset)
    return path
