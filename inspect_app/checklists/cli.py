from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..errors import ServiceError
from ..extensions import db
from . import services


@click.group("checklists")
def checklists_cli() -> None:
    """Manage checklists (XLSForm definitions)."""


@checklists_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import one XLSForm file (.xlsx, .xls or .md) as a published checklist version."""
    try:
        version, created = services.import_checklist(file.read_bytes(), filename=file.name, actor=None)
    except ServiceError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    db.session.commit()
    state = "imported" if created else "unchanged"
    click.echo(f"{state}: {version.checklist.form_id} version {version.version} ({len(version.items)} items)")


@checklists_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Import every XLSForm in the forms/ directory."""
    directory = Path(current_app.config["FORMS_DIR"])
    try:
        results = services.load_directory(directory, actor=None)
    except ServiceError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    db.session.commit()
    for version, created in results:
        state = "imported" if created else "unchanged"
        click.echo(f"{state}: {version.checklist.form_id} version {version.version} ({len(version.items)} items)")


@checklists_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List checklist versions."""
    for version in services.published_versions():
        click.echo(f"{version.id}\t{version.checklist.form_id}\t{version.version}\t{version.display_title}")
