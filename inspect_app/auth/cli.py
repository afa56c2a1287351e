from __future__ import annotations

from datetime import datetime

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..core.commands import service_errors
from ..db import utcnow
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
              help="Password (at least 8 characters, not a common one); asked for when not given.")
@click.option("--temporary", is_flag=True, help="The person must choose a new password at first sign-in.")
@with_appcontext
def create(username: str, role: str, county: str | None, school: str | None, display_name: str | None,
           password: str, temporary: bool) -> None:
    """Create an account with a role and, where the role needs one, a county or school."""
    with service_errors():
        user = services.create_user(
            username, role=Role(role), password=password, display_name=display_name,
            county=services.find_county(county) if county else None,
            school=services.find_school(school) if school else None, actor=None,
            must_change_password=temporary,
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


def _user(username: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no account named {username}")
    return user


@users_cli.command("token")
@click.argument("username")
@click.option("--name", help="What the token is for (an integration's name).")
@click.option("--days", type=click.IntRange(1, 3660), help="Days the token lasts (default: API_TOKEN_DAYS, 180).")
@with_appcontext
def token(username: str, name: str | None, days: int | None) -> None:
    """Print a new personal API token for the account (sent as Authorization: Bearer TOKEN)."""
    with service_errors():
        _row, secret = services.issue_token(_user(username), name=name, days=days, actor=None)
    db.session.commit()
    click.echo(secret)


@users_cli.command("tokens")
@click.argument("username")
@with_appcontext
def tokens(username: str) -> None:
    """List the account's API tokens: id, first characters, name, created, last used, expiry, state."""
    def stamp(at: datetime | None) -> str:
        return at.strftime("%Y-%m-%d %H:%M") if at else "-"

    now = utcnow()
    for row in services.user_tokens(_user(username)):
        if row.revoked_at:
            state = f"revoked {stamp(row.revoked_at)}"
        else:
            state = "active" if row.is_valid(now) else "expired"
        click.echo(f"{row.id}\t{row.prefix}…\t{row.name or '-'}\tcreated {stamp(row.created_at)}\t"
                   f"used {stamp(row.last_used_at)}\texpires {stamp(row.expires_at)}\t{state}")


@users_cli.command("revoke-token")
@click.argument("username")
@click.argument("token_id", required=False, type=int)
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of the account.")
@with_appcontext
def revoke_token(username: str, token_id: int | None, revoke_all: bool) -> None:
    """Revoke one API token of the account (by the id `users tokens` shows), or all of them."""
    rows = [r for r in services.user_tokens(_user(username)) if revoke_all or r.id == token_id]
    if not rows:
        raise click.ClickException("name a token id (see `inspect-app users tokens USERNAME`) or pass --all")
    for row in rows:
        services.revoke_token(row, actor=None)
    db.session.commit()
    click.echo(f"revoked {len(rows)} token(s)")


@users_cli.command("signout")
@click.argument("username")
@with_appcontext
def signout(username: str) -> None:
    """End every session of the account: browsers and remembered devices log in again (tokens stay valid)."""
    services.sign_out_everywhere(_user(username), actor=None)
    db.session.commit()
    click.echo(f"signed {username} out everywhere")
