from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..core.commands import service_errors
from ..db import local_today
from ..funds import services as funds
from ..schools import regions
from . import checks
from . import demo
from . import export
from . import precision
from . import services
from .fields import KIND_FIELDS
from .fields import InputKind
from .readers import Table
from .readers import read_table

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("rosters")
def rosters_cli() -> None:
    """Reconcile aid rosters (精准比对)."""


def _read(path: Path, kind: InputKind, label: str, mapping: dict[str, str]) -> Table:
    table = read_table(path.read_bytes(), filename=path.name, kind=kind, max_bytes=services.max_file_bytes(),
                       max_rows=services.MAX_ROWS, remembered=services.remembered_mappings(kind),
                       mapping={h: f for h, f in mapping.items() if f in KIND_FIELDS[kind]} or None)
    table.label = label
    return table


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep or not header.strip():
            raise click.BadParameter(f"{pair!r}: write HEADER=field", param_hint="--map")
        mapping[header.strip()] = field.strip()
    return mapping


@rosters_cli.command("check")
@click.option("--roster", "roster", required=True, type=FILE, help="Disbursement roster (发放花名册).")
@click.option("--system", "system", type=FILE, help="National student-aid system export.")
@click.option("--enrolment", "enrolment", type=FILE, help="Enrolment list (学籍).")
@click.option("--special", "specials", multiple=True, type=FILE,
              help="Special-group list (脱贫/低保/特困/孤儿/残疾); repeat for several.")
@click.option("--reported", "reported", type=FILE,
              help="Figures the schools reported; without it, the payments recorded for the semester are used.")
@click.option("--semester", required=True, help="Semester to check, e.g. 2023春 or 2023年秋季学期.")
@click.option("--map", "pairs", multiple=True, metavar="HEADER=FIELD",
              help="Read the column HEADER as FIELD (name, id_number, amount, …) in every file.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Workbook (.xlsx) to write, one row per discrepancy.")
@with_appcontext
def check_command(roster: Path, system: Path | None, enrolment: Path | None, specials: tuple[Path, ...],
                  reported: Path | None, semester: str, pairs: tuple[str, ...], out: Path) -> None:
    """Check rosters against each other and the standards, and write the discrepancies to --out."""
    mapping = _mapping(pairs)
    with service_errors():
        term = funds.to_semester(semester)
        tables = {"roster": _read(roster, InputKind.ROSTER, "roster", mapping)}
        if system:
            tables["system"] = _read(system, InputKind.SYSTEM, "system", mapping)
        if enrolment:
            tables["enrolment"] = _read(enrolment, InputKind.ENROLMENT, "enrolment", mapping)
        for n, path in enumerate(specials, start=1):
            tables[f"special{n}"] = _read(path, InputKind.SPECIAL, f"special{n}", mapping)
        reported_table = _read(reported, InputKind.REPORTED, "reported", mapping) if reported else \
            services.reported_table(term)
        standards = funds.standards_table()
        result = checks.run_checks(checks.CheckInputs(
            semester=term, roster=tables["roster"], standards=standards, today=local_today(),
            system=tables.get("system"), enrolment=tables.get("enrolment"),
            specials=[tb for label, tb in tables.items() if label.startswith("special")], reported=reported_table))
    meta = [("学期", term.long_zh), ("规则版本", services.rules_version(standards)),
            ("单位", regions.home_city().org_name)]
    meta += [(tb.kind.zh, f"{tb.filename}（{len(tb)}行）") for tb in tables.values()]
    if reported_table is not None and not reported:
        meta.append((InputKind.REPORTED.zh, reported_table.filename))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(export.workbook(result.discrepancies, meta=meta, counts=result.counts()))
    for code, n in result.counts().items():
        click.echo(f"{code:<18} {n:>7}  {checks.title(code)}")
    for label, n in result.other_semester.items():
        click.echo(f"{label}: {n} rows of other semesters not checked")
    click.echo(f"{len(result.discrepancies)} discrepancies -> {out}")


@rosters_cli.command("demo-files")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the files to.")
@with_appcontext
def demo_files_command(out: Path) -> None:
    """Write the demo's full synthetic rosters (99,773 students) to --out, to try the check at full size."""
    out.mkdir(parents=True, exist_ok=True)
    for path in demo.write_city_files(out):
        click.echo(f"{path} ({path.stat().st_size // 1024} KB)")


def _rate(value: float | None, n: int | None) -> str:
    return "—" if value is None else f"{value}% (n={n})"


def _line(label: str, counts: precision.Counts | None) -> str:
    if counts is None:
        return f"{label:<24} —  (not computed: checked before these figures were kept)"
    return (f"{label:<24} 精准率 {_rate(counts.precision_rate, counts.paid):<18} "
            f"有差异 {counts.erroneous:>6}  漏助率 {_rate(counts.missed_rate, counts.entitled):<16} "
            f"应助未助 {counts.uncovered if counts.uncovered is not None else '—'}")


@rosters_cli.command("precision")
@click.option("--semester", required=True, help="Semester, e.g. 2023春.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the city, each county and its schools.")
@with_appcontext
def precision_command(semester: str, as_json: bool) -> None:
    """资助精准率 and 漏助率 of a semester from the latest check of each roster, by county and school."""
    with service_errors():
        term = funds.to_semester(semester)
    figures = precision.compute(term)
    if as_json:
        click.echo(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
        return
    if not figures.counties:
        click.echo(f"{term}: no roster checked")
        return
    for area in figures.counties:
        click.echo(_line(area.name or "(schools not in the list)", area.counts))
        for school in area.schools:
            click.echo("  " + _line(school.name or "—", school.counts))
    click.echo(_line("合计", figures.city.counts))
    click.echo("runs: " + ", ".join(f"{r.id}" for r in figures.runs))
