"""``inspect-app audit``: check the audit log's hash chain."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import services

audit_cli = AppGroup("audit", help="Check the append-only audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the audit chain; print its head, or name the first entry that does not match (exit 1)."""
    verdict = services.verify()
    if not verdict.ok:
        click.echo(f"audit log broken at entry {verdict.bad_id}: {verdict.reason}", err=True)
        click.echo(f"the chain holds up to entry {verdict.head.id or 0} ({verdict.count} entries)", err=True)
        raise SystemExit(1)
    click.echo(f"audit log intact: {verdict.count} entries, head {verdict.head.hash}"
               + (f" (entry {verdict.head.id})" if verdict.head.id else ""))
