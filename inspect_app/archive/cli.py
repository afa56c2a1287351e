from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..core.commands import service_errors
from . import services
from .collect import collect
from .writer import write


@click.group("archive")
def archive_cli() -> None:
    """Schools' aid archives (资助档案): every record and file held for a school in a term, as one .zip."""


@archive_cli.command("build")
@click.option("--school", "school_key", required=True, help="School code (学校标识码) or exact name.")
@click.option("--term", help="Term, as 2026秋 or 2026年秋季学期 (default: the latest the school was inspected in).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .zip to write.")
@with_appcontext
def build(school_key: str, term: str | None, out: Path) -> None:
    """Write a school's archive for a term, with its index 目录.xlsx, to --out."""
    with service_errors():
        school = services.find_school(school_key)
        archive = collect(school, services.parse_term(term, school))
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    with part.open("wb") as fh:
        write(archive, fh)
    os.replace(part, out)
    click.echo(f"{out} ({len(archive.entries)} files, {out.stat().st_size // 1024} KB)")
