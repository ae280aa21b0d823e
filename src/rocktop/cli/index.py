"""``rocktop index``: build RVC-compatible retrieval indexes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from rocktop.cli._console import err_console, print_json
from rocktop.common.errors import RocktopError

app = typer.Typer(help="Build retrieval indexes (RVC added_*.index files).", no_args_is_help=True)


def _load_features(sources: list[Path]) -> list[np.ndarray]:
    files = sorted(p for s in sources for p in (s.rglob("*.npy") if s.is_dir() else [s]))
    if not files:
        raise RocktopError("no .npy feature files found")
    arrays = []
    for path in files:
        array = np.load(path, allow_pickle=False)
        if array.ndim != 2 or not np.isfinite(array).all():
            continue  # RVC skips feature files with NaN
        arrays.append(array.astype(np.float32))
    return arrays


@app.command()
def build(
    features: list[Path] = typer.Argument(..., help="(T, C) .npy feature files or folders."),
    name: str = typer.Option(..., "--name", help="Voice/experiment name for the file name."),
    output: Path = typer.Option(Path("."), "--output", "-o", help="Output folder."),
    version: str | None = typer.Option(None, "--version", help="v1/v2 (default: from C)."),
    seed: int = typer.Option(0, "--seed", help="Shuffle and k-means seed."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Build added_IVF{n}_Flat_nprobe_1_{name}_{v}.index from 50 fps content features."""
    from rocktop.models.index import build_index, n_ivf_for

    arrays = _load_features(features)
    stacked = np.concatenate(arrays)
    version = version or ("v1" if stacked.shape[1] == 256 else "v2")
    path = build_index(stacked, output, name, version, seed=seed)
    result = {"index": str(path), "vectors": len(stacked), "n_ivf": n_ivf_for(len(stacked))}
    if as_json:
        print_json(result)
    else:
        err_console().print(f"{path}: {len(stacked)} vectors")
