from __future__ import annotations

import typing as t
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..core.commands import service_errors
from ..extensions import db
from . import services
from .models import ChecklistVersion


@click.group("checklists")
def checklists_cli() -> None:
    """Manage checklists (XLSForm definitions)."""


def _line(version: ChecklistVersion, changed: bool) -> str:
    state = "imported" if changed else "unchanged"
    return (f"{state}: {version.checklist.form_id} version {version.version} "
            f"({len(version.items)} items, {version.status.value})")


def _run(action: t.Callable[[], t.Any]) -> t.Any:
    """Run a service, commit on success, and turn a refusal into a non-zero exit with its message."""
    with service_errors():
        result = action()
    db.session.commit()
    return result


@checklists_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish the version at once instead of keeping it as a draft.")
@with_appcontext
def import_command(file: Path, publish: bool) -> None:
    """Import one XLSForm file (.xlsx, .xls or .md) as a draft checklist version."""
    version, changed = _run(lambda: services.import_checklist(file.read_bytes(), filename=file.name, actor=None,
                                                              publish=publish))
    click.echo(_line(version, changed))


@checklists_cli.command("load")
@click.option("--publish", is_flag=True, help="Publish the versions at once instead of keeping them as drafts.")
@with_appcontext
def load_command(publish: bool) -> None:
    """Import every XLSForm in the forms/ directory."""
    directory = Path(current_app.config["FORMS_DIR"])
    results = _run(lambda: services.load_directory(directory, actor=None, publish=publish))
    for version, changed in results:
        click.echo(_line(version, changed))


@checklists_cli.command("list")
@with_appcontext
def list_command() -> None:
    """List checklist versions with their status."""
    for version in services.all_versions():
        click.echo(f"{version.id}\t{version.checklist.form_id}\t{version.version}\t{version.status.value}\t"
                   f"{version.display_title}")


@checklists_cli.command("publish")
@click.argument("version_id", type=int)
@with_appcontext
def publish_command(version_id: int) -> None:
    """Publish a draft version (by id) so that campaigns can use it."""
    version = _version(version_id)
    _run(lambda: services.publish_version(version, actor=None))
    click.echo(f"published: {version.checklist.form_id} version {version.version}")


@checklists_cli.command("retire")
@click.argument("version_id", type=int)
@with_appcontext
def retire_command(version_id: int) -> None:
    """Retire a published version (by id): no new campaign can use it."""
    version = _version(version_id)
    _run(lambda: services.retire_version(version, actor=None))
    click.echo(f"retired: {version.checklist.form_id} version {version.version}")


@checklists_cli.command("diff")
@click.argument("old_id", type=int)
@click.argument("new_id", type=int)
@with_appcontext
def diff_command(old_id: int, new_id: int) -> None:
    """Show what changed between two versions (by id)."""
    diff = services.compare_versions(_version(old_id), _version(new_id))
    if diff.is_empty:
        click.echo("no differences")
    for change in diff.settings:
        click.echo(f"~ settings {change.field}: {change.before!r} -> {change.after!r}")
    for section in diff.sections_added:
        click.echo(f"+ section {section.name} {section.display_label}")
    for section in diff.sections_removed:
        click.echo(f"- section {section.name} {section.display_label}")
    for element in diff.sections_changed:
        for change in element.changes:
            click.echo(f"~ section {element.name} {change.field}: {change.before!r} -> {change.after!r}")
    for item in diff.items_added:
        click.echo(f"+ item {item.name} {item.display_label}")
    for item in diff.items_removed:
        click.echo(f"- item {item.name} {item.display_label}")
    for element in diff.items_changed:
        for change in element.changes:
            click.echo(f"~ item {element.name} {change.field}: {change.before!r} -> {change.after!r}")


def _version(version_id: int) -> ChecklistVersion:
    version = db.session.get(ChecklistVersion, version_id)
    if version is None:
        raise click.ClickException(f"no checklist version with id {version_id}")
    return version
