from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..campaigns.services import find_campaign
from ..errors import ServiceError
from . import services


@click.group("reports")
def reports_cli() -> None:
    """Build formal reports (Word documents) and the rectification ledger (.xlsx)."""


@reports_cli.command("build")
@click.argument("kind", type=click.Choice(services.KINDS))
@click.option("--campaign", "campaign_key", required=True, help="Campaign id or code.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write.")
@with_appcontext
def build(kind: str, campaign_key: str, out: Path) -> None:
    """Build a report of KIND for a campaign and write it to --out."""
    try:
        campaign = find_campaign(campaign_key)
        report = services.build(kind, campaign)
    except ServiceError as err:
        raise click.ClickException(err.message) from err
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(report.data)
    click.echo(f"{out} ({len(report.data) // 1024} KB)")
