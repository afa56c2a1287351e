"""``inspect-app storage``: move an install's files to object storage."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from . import storage


@click.group("storage")
def storage_cli() -> None:
    """Where stored files live: a local folder or S3-compatible object storage."""


@storage_cli.command("migrate")
@click.option("--to", "to_url", required=True, metavar="URL",
              help="Where to copy the files: s3://bucket/prefix (INSPECT_S3_ENDPOINT_URL for MinIO, OSS, COS, OBS).")
@click.option("-v", "--verbose", is_flag=True, help="Name every file as it is copied.")
@with_appcontext
def migrate(to_url: str, verbose: bool) -> None:
    """Copy every stored file to URL, checking each copy by SHA-256; then set INSPECT_STORAGE_URL=URL."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if to_url == app.config["STORAGE_URL"]:
        raise click.UsageError("the files are already there")

    def progress(area: str, key: str) -> None:
        if verbose:
            click.echo(f"{area}/{key}")

    try:
        copied = storage.migrate(app, to_url, progress=progress)
    except storage.StorageError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{copied.files} file(s), {copied.bytes} bytes copied to {to_url} and verified. "
               f"Set INSPECT_STORAGE_URL={to_url} on every host and restart.")
