from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..db import local_today
from . import services
from .sending import run


@click.group("reminders")
def reminders_cli() -> None:
    """Rectification deadline reminders."""


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="List the reminders due now without sending or recording them.")
@click.option("--verbose", "-v", is_flag=True, help="Say so even when there is nothing to send.")
@with_appcontext
def send(dry_run: bool, verbose: bool) -> None:
    """Send the reminders due today (in the app; by e-mail when SMTP is set up). Safe to run often, e.g. from cron."""
    if dry_run:
        planned = services.plan(local_today())
        for item in planned:
            click.echo(f"{item.kind.value:8} rectification {item.rectification_id} due {item.due_on} "
                       f"→ user {item.user_id}")
        click.echo(f"{len(planned)} reminder(s) due; nothing sent (dry run).")
        return
    summary = run()
    for line in summary.errors:
        click.echo(f"e-mail failed: {line}", err=True)
    if summary.created or summary.mailed or verbose:
        click.echo(f"{summary.created} new reminder(s) in the app, {summary.mailed} e-mail(s) sent.")
    if summary.errors:
        sys.exit(1)
