from __future__ import annotations

import json
import typing as t
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..auth.models import User
from ..auth.services import find_county
from ..checklists.services import find_version
from ..checklists.services import published_versions
from ..core.commands import service_errors
from ..db import local_today
from ..extensions import db
from ..schools import regions
from ..schools.models import SchoolLevel
from . import importers
from . import services
from . import team_builder
from .models import Campaign

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


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
             "status": r.campaign.status.value, "schools": r.schools, "findings": r.findings,
             "level": r.campaign.level, "region": _region(r.campaign)}
            for r in rows
        ], ensure_ascii=False, indent=2))
        return
    click.echo("id\tcode\tname\tschools\tfindings\tlevel\tregion")
    for r in rows:
        region = r.campaign.region
        click.echo(f"{r.campaign.id}\t{r.campaign.code}\t{r.campaign.name}\t{r.schools}\t{r.findings}\t"
                   f"{r.campaign.level}\t{region.name if region is not None else '-'}")


def _region(campaign: Campaign) -> dict[str, t.Any] | None:
    """The owning county or city as {"id", "name"}; None for a province campaign."""
    region = campaign.region
    return None if region is None else {"id": region.id, "name": region.name}


@campaigns_cli.command("create")
@click.argument("name")
@click.option("--code", required=True, help="Short code, 2–32 letters, digits, dashes or underscores.")
@click.option("--checklist", "checklist_key", help="Checklist version id, form id or title (default: the newest).")
@click.option("--term", help="Term, for example 2026年春季学期 (default: the current one).")
@click.option("--starts", type=DATE, help="First day (YYYY-MM-DD).")
@click.option("--ends", type=DATE, help="Last day (YYYY-MM-DD).")
@click.option("--due", type=DATE, help="Default rectification deadline (default: 30 days after the last day).")
@click.option("--per-day", default=2, show_default=True, help="Schools a team visits a day.")
@click.option("--no-cross-county", is_flag=True, help="Let inspectors visit schools of their own county.")
@click.option("--day-off", "days_off", multiple=True,
              help="A day without visits, or a range (2027-05-01至2027-05-05); repeatable.")
@click.option("--level", type=click.Choice(["city", "province"]), default="city", show_default=True,
              help="Who runs it: a city (sampled, teamed and planned within the city; nobody inspects their own "
                   "county) or the province (across the cities; nobody inspects their own city).")
@click.option("--city", "city_key", help="The city of a city campaign, by name or id (default: the first city).")
@with_appcontext
def create_command(name: str, code: str, checklist_key: str | None, term: str | None, starts: datetime | None,
                   ends: datetime | None, due: datetime | None, per_day: int, no_cross_county: bool,
                   days_off: tuple[str, ...], level: str, city_key: str | None) -> None:
    """Create a city-wide (or, with --level province, a province-wide) campaign in planning and print its id."""
    today = local_today()
    with service_errors():
        if checklist_key:
            version = find_version(checklist_key)
        else:
            versions = sorted(published_versions(), key=lambda v: v.id, reverse=True)
            if not versions:
                raise click.ClickException("no published checklist: import one with `inspect-app checklists load`")
            version = versions[0]
        first, last = _day(starts), _day(ends)
        deadline = _day(due) or ((last or today) + timedelta(days=30))
        season = "春季" if 2 <= (first or today).month <= 7 else "秋季"
        if city_key and level != "city":
            raise click.UsageError("--city names the city of a city campaign (--level city)")
        city = regions.find_city(city_key) if city_key else None
        campaign = services.create_campaign(
            code=code, name=name, term=term or f"{(first or today).year}年{season}学期", checklist_version=version,
            default_due_on=deadline, starts_on=first, ends_on=last, cross_county=not no_cross_county,
            visits_per_day=per_day, days_off=services.parse_days_off("\n".join(days_off)), level=level, city=city,
            actor=None,
        )
    db.session.commit()
    region = campaign.region
    click.echo(f"created campaign {campaign.id} {campaign.code} {campaign.name} "
               f"({campaign.level}{' ' + region.name if region is not None else ''})")
    click.echo(f"checklist {version.id} {version.display_title} {version.version}; term {campaign.term}; "
               f"deadline {campaign.default_due_on.isoformat()}")
    if campaign.days_off:
        click.echo(f"no visits on {', '.join(campaign.days_off)}")


@campaigns_cli.command("plan")
@click.option("--campaign", "campaign_key", required=True, help="Campaign id or code.")
@click.option("--sample", "size", type=int, help="How many schools to draw (default: every matching school).")
@click.option("--seed", type=int, help="Seed of the draw (default: a new one, printed).")
@click.option("--min-per-stratum", "minimum", default=1, show_default=True,
              help="Schools at least from each county and level.")
@click.option("--city", "cities", multiple=True, help="Only schools of this city (repeatable).")
@click.option("--county", "counties", multiple=True, help="Only schools of this county (repeatable).")
@click.option("--level", "levels", multiple=True, type=click.Choice([lvl.value for lvl in SchoolLevel]),
              help="Only schools of this level (repeatable).")
@click.option("--include", multiple=True, help="School code always in the sample (repeatable).")
@click.option("--exclude", multiple=True, help="School code never in the sample (repeatable).")
@click.option("--include-open-problems", is_flag=True,
              help="Always include schools with problems from earlier campaigns not yet closed.")
@with_appcontext
def plan_command(campaign_key: str, size: int | None, seed: int | None, minimum: int, cities: tuple[str, ...],
                 counties: tuple[str, ...],
                 levels: tuple[str, ...], include: tuple[str, ...], exclude: tuple[str, ...],
                 include_open_problems: bool) -> None:
    """Draw the campaign's schools (a stratified random sample by county, or city, and level); print the strata."""
    with service_errors():
        campaign = services.find_campaign(campaign_key)
        request = services.SampleRequest(
            seed=seed if seed is not None else services.new_seed(), size=size, minimum=minimum,
            county_ids=[find_county(name).id for name in counties],
            city_ids=[regions.find_city(name).id for name in cities], levels=[SchoolLevel(v) for v in levels],
            include=list(include), exclude=list(exclude), include_open_problems=include_open_problems,
        )
        result = services.draw_sample(campaign, request)
        added, removed = services.apply_sample(campaign, result, actor=None)
    db.session.commit()
    click.echo(f"seed {request.seed}: {len(result.schools)} of {result.population} schools "
               f"in {len(result.strata)} strata (fraction {result.fraction}); {added} added, {removed} removed")
    click.echo(f"{'city' if campaign.level == 'province' else 'county'}\tlevel\tpopulation\tsample")
    for row in result.strata:
        click.echo(f"{row.region}\t{row.level.zh}\t{row.population}\t{row.size}")


@campaigns_cli.command("assign")
@click.option("--campaign", "campaign_key", required=True, help="Campaign id or code.")
@click.option("--per-day", type=int, help="Schools a team visits a day (default: the campaign's).")
@click.option("--replan", is_flag=True, help="Plan again every visit not yet started, not only those without a team.")
@with_appcontext
def assign_command(campaign_key: str, per_day: int | None, replan: bool) -> None:
    """Assign the campaign's schools to its teams and schedule their days; print each team's share."""
    with service_errors():
        campaign = services.find_campaign(campaign_key)
        result = services.auto_assign(campaign, actor=None, per_day=per_day, replan=replan)
    db.session.commit()
    click.echo(f"{result.assigned} visit(s) assigned to {len(result.teams)} team(s)")
    click.echo("team\tvisits\tdays\tfirst\tlast\tcounties")
    for row in result.teams:
        first = row.first.isoformat() if row.first else "-"
        last = row.last.isoformat() if row.last else "-"
        click.echo(f"{row.team.name}\t{row.visits}\t{row.days}\t{first}\t{last}\t{'、'.join(row.counties)}")


@campaigns_cli.command("form-teams")
@click.option("--campaign", "campaign_key", required=True, help="Campaign id or code.")
@click.option("--size", default=3, show_default=True, help="Members per team (2–8).")
@with_appcontext
def form_teams_command(campaign_key: str, size: int) -> None:
    """Form teams from the region's inspectors without one, mixing cities (or counties); print them."""
    with service_errors():
        campaign = services.find_campaign(campaign_key)
        made = team_builder.form_teams(campaign, size=size, actor=None)
    db.session.commit()
    click.echo(f"{len(made)} team(s) formed")
    for team in made:
        people = "、".join(f"{m.user.display_name}（{_home(m.user, campaign)}）" for m in team.members)
        click.echo(f"{team.name}\t{people}")


def _home(user: User, campaign: Campaign) -> str:
    if campaign.level == "province":
        return user.city.name if user.city is not None else "-"
    return user.county.name if user.county is not None else "-"


@campaigns_cli.command("export-plan")
@click.option("--campaign", "campaign_key", required=True, help="Campaign id or code.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@with_appcontext
def export_plan_command(campaign_key: str, out: Path) -> None:
    """Write the plan as .xlsx: one row per visit with its school, team, members and date."""
    with service_errors():
        campaign = services.find_campaign(campaign_key)
        data, rows = services.plan_workbook(campaign)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"{out}: {rows} visit(s)")


@campaigns_cli.command("import-teams")
@click.option("--campaign", "campaign_key", required=True, help="Campaign id or code.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_teams_command(campaign_key: str, file: Path) -> None:
    """Import a campaign's teams from .xlsx (检查组, 角色, 账号); any error imports nothing."""
    with service_errors():
        campaign = services.find_campaign(campaign_key)
        result = importers.import_teams(campaign, file.read_bytes(), filename=file.name, actor=None)
    db.session.commit()
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@campaigns_cli.command("import-inspectors")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_inspectors_command(file: Path) -> None:
    """Import inspector accounts with their home counties from .xlsx; any error imports nothing."""
    with service_errors():
        result = importers.import_inspectors(file.read_bytes(), filename=file.name, actor=None)
    db.session.commit()
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@campaigns_cli.command("import-conflicts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_conflicts_command(file: Path) -> None:
    """Import declared conflicts of interest (检查员账号, 学校标识码, 回避原因); any error imports nothing."""
    with service_errors():
        result = importers.import_conflicts(file.read_bytes(), filename=file.name, actor=None)
    db.session.commit()
    click.echo(f"created {result.created}, unchanged {result.unchanged}")
