from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..campaigns.models import Campaign
from ..core.commands import service_errors
from ..extensions import db
from . import services
from .figures import round_figures


@click.group("surveys")
def surveys_cli() -> None:
    """Policy awareness and satisfaction surveys (两率一度): questionnaires and their rates."""


@surveys_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Publish at once.")
@with_appcontext
def import_command(path: Path, publish: bool) -> None:
    """Import a questionnaire (XLSForm with a ``correct`` column on its knowledge questions)."""
    with service_errors():
        version, changed = services.import_survey(path.read_bytes(), filename=path.name, actor=None, publish=publish)
        db.session.commit()
    click.echo(f"{version.id} {version.checklist.form_id} {version.version} {version.status.value}"
               + ("" if changed else " (unchanged)"))


@surveys_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Import and publish the shipped questionnaires (forms/surveys/)."""
    with service_errors():
        versions = services.load_default_surveys(actor=None)
        db.session.commit()
    for version in versions:
        click.echo(f"{version.id} {version.checklist.form_id} {version.version} {version.status.value}")


@surveys_cli.command("rates")
@click.option("--campaign", "code", required=True, help="The campaign's code.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def rates_command(code: str, as_json: bool) -> None:
    """Policy awareness and satisfaction per county and for the campaign, with n and 95% Wilson intervals."""
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == code))
    if campaign is None:
        raise click.ClickException(f"No campaign has the code “{code}”.")
    figures = [round_figures(survey) for survey in services.rounds_of(campaign)]
    if as_json:
        click.echo(json.dumps({"campaign": campaign.code, "name": campaign.name,
                               "rounds": [f.as_dict() for f in figures]}, ensure_ascii=False, indent=2))
        return
    if not figures:
        click.echo(f"{campaign.code}: no survey round.")
    for f in figures:
        click.echo(f"{campaign.code} · {f.survey.title} (round {f.survey.id})")
        rows = [("全部", f.total.rates)] if f.total else []
        rows += [(row.county.name if row.county else "", row.rates) for row in f.counties]
        for name, r in rows:
            click.echo(f"  {name}: n={r.respondents} " + " ".join(
                f"{label}={_pct(rate.value)} [{_ci(rate.interval)}] n={rate.n}{' *' if rate.flagged else ''}"
                for label, rate in (("知晓率", r.awareness), ("满意度", r.satisfaction))))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _ci(interval: tuple[float, float] | None) -> str:
    return "—" if interval is None else f"{interval[0] * 100:.1f}–{interval[1] * 100:.1f}%"
