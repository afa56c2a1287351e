"""The ``inspect-app`` command: Flask's own commands and the app's, under one name."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from . import create_app


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_version_option=True)
def main() -> None:
    """资助督查 — student-aid inspection: run the server, manage data, build reports."""


if __name__ == "__main__":
    main()
