from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..core.commands import service_errors
from ..extensions import db
from . import importers


@click.group("schools")
def schools_cli() -> None:
    """Manage schools."""


@schools_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Import schools from an .xlsx file; any error imports nothing."""
    with service_errors():
        result = importers.import_schools(file.read_bytes(), filename=file.name, actor=None)
    db.session.commit()
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
