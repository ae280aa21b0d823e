"""``rocktop storage``: list, inspect and copy local paths and s3:// URIs; list voices."""

from __future__ import annotations

from pathlib import Path

import typer

from rocktop.cli._console import err_console, print_json

app = typer.Typer(
    help="Local paths and s3:// URIs (endpoint from AWS_ENDPOINT_URL): ls, stat, cp, voices.",
    no_args_is_help=True,
)


@app.command("ls")
def ls_(
    uri: str = typer.Argument(..., help="Directory, prefix or s3://bucket/prefix."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Every file, with sizes."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the children of a directory or prefix (or every file with -r)."""
    from rocktop.storage import uri as storage

    entries: list[str] | dict[str, int]
    entries = storage.find_sizes(uri) if recursive else storage.ls(uri)
    if as_json:
        print_json(entries)
        return
    for entry in entries:
        size = f"{entries[entry]:>14}  " if isinstance(entries, dict) else ""
        typer.echo(f"{size}{entry}")


@app.command()
def stat(uri: str = typer.Argument(..., help="File or object.")) -> None:
    """Size, ETag and recorded sha256 of a file or object (JSON)."""
    from dataclasses import asdict

    from rocktop.storage import uri as storage

    print_json(asdict(storage.stat(uri)))


@app.command()
def cp(
    source: str = typer.Argument(..., help="File, folder or URI to copy."),
    destination: str = typer.Argument(..., help="Target file, folder or URI."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Copy a folder tree."),
) -> None:
    """Copy atomically (multipart upload for large files); -r skips files already copied."""
    from rocktop.storage import sync
    from rocktop.storage import uri as storage

    if recursive:
        report = sync.sync_tree(source, destination)
        err_console().print(f"{len(report.copied)} copied, {len(report.skipped)} up to date")
        return
    name = source.rstrip("/").rsplit("/", 1)[-1]
    if destination.endswith("/") or (
        not storage.is_remote(destination) and storage.local_path(destination).is_dir()
    ):
        destination = storage.join(destination, name)
    if not storage.is_remote(source):
        storage.put_file(Path(storage.local_path(source)), destination)
    elif not storage.is_remote(destination):
        storage.get_file(source, storage.local_path(destination))
    else:
        with storage.local_copy(source) as local:
            storage.put_file(local, destination)


@app.command()
def voices(
    source: str = typer.Argument(..., help="Models folder, s3:// prefix or models:/ (MLflow)."),
    fetch: str | None = typer.Option(None, "--fetch", help="Resolve this voice to local files."),
    cache_dir: Path = typer.Option(
        Path.home() / ".cache" / "rocktop" / "voices", "--cache-dir", help="Download cache."
    ),
) -> None:
    """List the voices of a registry source, or fetch one and print its local files (JSON)."""
    from rocktop.storage.registry import ModelRegistry

    registry = ModelRegistry(source, cache_dir)
    if fetch is None:
        print_json(registry.list())
        return
    files = registry.fetch(fetch)
    print_json({"name": files.name, "model": str(files.model), "index": files.index})
