"""Shared behaviour of the ``inspect-app`` commands."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click

from ..errors import ServiceError
from ..extensions import db


@contextlib.contextmanager
def service_errors() -> Iterator[None]:
    """Run a command's service calls: a refusal rolls back, prints each detail and exits non-zero."""
    try:
        yield
    except ServiceError as err:
        db.session.rollback()
        for line in err.details:
            click.echo(line, err=True)
        raise click.ClickException(err.message) from err
