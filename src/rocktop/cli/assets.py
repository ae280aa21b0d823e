"""``rocktop assets``: list, fetch and verify downloadable weights."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rocktop.cli._console import err_console, print_json
from rocktop.common.errors import RocktopError

app = typer.Typer(
    help="Model weights: list, fetch (resumable, verified), verify.", no_args_is_help=True
)

NAMES = typer.Argument(None, help="Asset names or patterns (default: all).")
DIR = typer.Option(
    None, "--dir", help="Assets folder [$ROCKTOP_ASSETS_DIR or ~/.cache/rocktop/assets]."
)


def _root(directory: Path | None) -> Path:
    from rocktop.features.assets.paths import default_assets_dir

    return directory or default_assets_dir()


@app.command("list")
def list_(
    names: list[str] | None = NAMES,
    directory: Path | None = DIR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every known asset, its files, sha256 (or that none is published) and local state."""
    from rocktop.features.assets.catalog import default_catalog
    from rocktop.features.assets.manager import select, status

    rows = [s for a in select(names or [], default_catalog()) for s in status(a, _root(directory))]
    if as_json:
        print_json([row.__dict__ for row in rows])
        return
    table = Table("file", "state", "sha256")
    for row in rows:
        sha = row.expected_sha256[:12] + "…" if row.expected_sha256 else "unknown"
        table.add_row(row.path, row.state, f"{sha} ({row.note})" if row.note else sha)
    err_console().print(table)


@app.command()
def fetch(
    names: list[str] = typer.Argument(..., help="Asset names or patterns, e.g. rmvpe hubert_base."),
    directory: Path | None = DIR,
    mirror: str | None = typer.Option(None, "--mirror", help="Base URL [$ROCKTOP_ASSETS_MIRROR]."),
) -> None:
    """Download (resuming partial files), verify sha256, install atomically."""
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    from rocktop.features.assets.catalog import AssetFile, default_catalog
    from rocktop.features.assets.manager import fetch as fetch_assets
    from rocktop.features.assets.manager import select

    console = err_console()
    with Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn(),
                  console=console) as progress:  # fmt: skip
        task = progress.add_task("assets", total=None)

        def on_file(file: AssetFile) -> None:
            progress.reset(task, total=file.size, description=file.path)

        results = fetch_assets(
            select(names, default_catalog()),
            _root(directory),
            mirror,
            on_file=on_file,
            on_bytes=lambda n: progress.advance(task, n),
        )
    for row in results:
        extra = f" (no published sha256; got {row.sha256})" if row.state == "unverified" else ""
        console.print(f"{row.path}: {row.state}{extra}", highlight=False)


@app.command()
def verify(
    names: list[str] | None = NAMES,
    directory: Path | None = DIR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Hash installed files against the catalog; exit 2 on a mismatch."""
    from rocktop.features.assets.catalog import default_catalog
    from rocktop.features.assets.manager import select, status

    assets = select(names or [], default_catalog())
    rows = [s for a in assets for s in status(a, _root(directory), check_hash=True)]
    rows = [r for r in rows if names or r.state not in ("missing", "partial")]
    if as_json:
        print_json([row.__dict__ for row in rows])
    else:
        for row in rows:
            err_console().print(f"{row.path}: {row.state}", highlight=False)
    bad = [r.path for r in rows if r.state == "mismatch"]
    if bad:
        raise RocktopError(f"sha256 mismatch: {', '.join(bad)}; delete and fetch again")
