from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..core.commands import service_errors
from ..extensions import db
from . import services
from .models import Role
from .models import User


@click.group("users")
def users_cli() -> None:
    """Manage accounts."""


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="The account's role.")
@click.option("--county", help="County name: a supervisor's or viewer's scope, an inspector's home county.")
@click.option("--school", help="School code or name (school contacts).")
@click.option("--name", "display_name", help="Full name shown in the app.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Password; asked for when not given.")
@with_appcontext
def create(username: str, role: str, county: str | None, school: str | None, display_name: str | None,
           password: str) -> None:
    """Create an account with a role and, where the role needs one, a county or school."""
    with service_errors():
        user = services.create_user(
            username, role=Role(role), password=password, display_name=display_name,
            county=services.find_county(county) if county else None,
            school=services.find_school(school) if school else None, actor=None,
        )
    db.session.commit()
    click.echo(f"created {user.username} ({user.role.value})")


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List accounts with their role and scope."""
    for user in db.session.scalars(sa.select(User).order_by(User.role, User.username)):
        scope = user.school.name if user.school else (user.county.name if user.county else "-")
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username}\t{user.role.value}\t{scope}{state}")
