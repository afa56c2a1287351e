from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..core.commands import service_errors
from ..extensions import db
from . import importers
from . import regions
from . import services


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


@click.group("regions")
def regions_cli() -> None:
    """The province, its cities and their counties."""


@regions_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array: every region with its id and parent.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """List every province, city and county with its id and parent."""
    regions.home_city()
    db.session.commit()
    rows = regions.region_rows()
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    indent = {"province": "", "city": "  ", "county": "    "}
    for row in rows:
        click.echo(f"{indent[row['level']]}{row['name']}  (id {row['id']}{', ' + row['code'] if row['code'] else ''})")


@regions_cli.command("add-city")
@click.argument("name")
@click.option("--org-name", required=True, help="Its issuing office, e.g. 西安市学生资助管理中心.")
@click.option("--code", help="Its 6-digit administrative division code.")
@with_appcontext
def add_city_command(name: str, org_name: str, code: str | None) -> None:
    """Add a city to the province."""
    with service_errors():
        province = regions.home_city().province
        city = regions.create_city(province, name, org_name=org_name, code=code, actor=None)
    db.session.commit()
    click.echo(f"city {city.name} (id {city.id}) added to {province.name}")


@regions_cli.command("add-county")
@click.argument("name")
@click.option("--city", "city_name", required=True, help="The city's name or id.")
@click.option("--code", help="Its 6-digit administrative division code.")
@with_appcontext
def add_county_command(name: str, city_name: str, code: str | None) -> None:
    """Add a county to a city."""
    with service_errors():
        city = regions.find_city(city_name)
        county = services.create_county(name, code=code, city=city, actor=None)
    db.session.commit()
    click.echo(f"county {county.name} (id {county.id}) added to {city.name}")
