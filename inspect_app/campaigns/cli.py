from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from . import services


@click.group("campaigns")
def campaigns_cli() -> None:
    """Plan and inspect campaigns."""


@campaigns_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """List campaigns: id, code, name, number of schools and of confirmed findings."""
    rows = services.campaign_rows()
    if as_json:
        click.echo(json.dumps([
            {"id": r.campaign.id, "code": r.campaign.code, "name": r.campaign.name,
             "status": r.campaign.status.value, "schools": r.schools, "findings": r.findings}
            for r in rows
        ], ensure_ascii=False, indent=2))
        return
    click.echo("id\tcode\tname\tschools\tfindings")
    for r in rows:
        click.echo(f"{r.campaign.id}\t{r.campaign.code}\t{r.campaign.name}\t{r.schools}\t{r.findings}")
