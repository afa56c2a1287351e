"""``inspect-app backup``: write, check and restore backup archives."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from . import archive
from . import services
from .archive import BackupError


@click.group("backup")
def backup_cli() -> None:
    """Back up the database and the instance's files; check and restore a backup."""


@backup_cli.command("create")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write (.tar.gz); default: instance/backups/inspect-<UTC time>.tar.gz.")
@with_appcontext
def create_command(out: Path | None) -> None:
    """Write one archive: a database snapshot, the upload and report folders, and a manifest."""
    try:
        path, manifest = services.create(out)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    size = sum(entry["size"] for entry in manifest["files"])
    click.echo(f"{path}: {manifest['database']} database at revision {manifest['revision']}, "
               f"{len(manifest['files'])} files, {size} bytes before compression")


@backup_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file: Path) -> None:
    """Check every file of a backup against its manifest; exit 1 naming the first bad one."""
    try:
        manifest = archive.verify(file)
    except BackupError as err:
        click.echo(f"{file}: {err}", err=True)
        raise SystemExit(1) from err
    click.echo(f"{file}: {len(manifest['files'])} files match the manifest ({manifest['database']} database "
               f"at revision {manifest['revision']}, app {manifest['app_version']}, made {manifest['created_at']})")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database with rows and folders with files in them.")
@with_appcontext
def restore_command(file: Path, force: bool) -> None:
    """Fill an empty instance from a backup, then check the audit log's chain (exit 1 when broken)."""
    try:
        restored = services.restore(file, force=force)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"restored the {restored.manifest['database']} database (revision {restored.manifest['revision']}) "
               f"and {restored.files} files from {file}")
    if restored.needs_upgrade:
        click.echo("the backup's schema is older than this version's: run `inspect-app db upgrade`, "
                   "then `inspect-app audit verify`")
        return
    verdict = restored.audit
    if verdict is not None and not verdict.ok:
        click.echo(f"audit log broken at entry {verdict.bad_id}: {verdict.reason}", err=True)
        raise SystemExit(1)
    if verdict is not None:
        click.echo(f"audit log intact: {verdict.count} entries, head {verdict.head.hash}")
