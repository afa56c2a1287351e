from __future__ import annotations

import json
import typing as t

import click
from flask.cli import with_appcontext

from ..db import local_today
from ..errors import ValidationFailed
from . import due
from . import listing
from . import reminders


@click.group("submissions")
def submissions_cli() -> None:
    """Reports the cities send up to the province (报送): what is due and what arrived."""


@submissions_cli.command("list")
@click.option("--period", default="", metavar="YYYY-MM",
              help="The month: its 月报 and the investigation reports due in it (default: this month).")
@click.option("--json", "as_json", is_flag=True, help="One JSON array: a row per city and report due.")
@with_appcontext
def list_command(period: str, as_json: bool) -> None:
    """Every city's reports due in a month: due date, arrival, lateness and state."""
    today = local_today()
    month = period or due.month_period(today.year, today.month)
    try:
        due.parse_month(month)
    except ValidationFailed as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    rows = listing.rows(month, today)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(_line(row))
    if not rows:
        click.echo("Nothing is due.")


def _line(row: dict[str, t.Any]) -> str:
    late = " late" if row["late"] else (" overdue" if row["overdue"] else "")
    what = row["campaign"] or row["period"]
    return f"{row['city']:10} {row['kind']:13} {what:12} due {row['due_on']}  {row['state']}{late}"


@submissions_cli.command("remind")
@click.option("--dry-run", is_flag=True, help="List the reminders due now without recording them.")
@with_appcontext
def remind(dry_run: bool) -> None:
    """Remind the cities of the reports due (in the app); safe to run often."""
    if dry_run:
        planned = reminders.plan(local_today())
        for item in planned:
            click.echo(f"{item.stage.value:8} city {item.owed.city_id} {item.owed.kind.value} {item.owed.period} "
                       f"due {item.owed.due_on} → user {item.user_id}")
        click.echo(f"{len(planned)} reminder(s) due; nothing sent (dry run).")
        return
    click.echo(f"{reminders.run()} new reminder(s) in the app.")
