from __future__ import annotations

import os
import typing as t
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..campaigns.cli import campaigns_cli
from ..campaigns.models import Campaign
from ..campaigns.services import find_campaign
from ..core.commands import service_errors
from ..core.documents import pdf
from ..extensions import db
from ..rectification.ledger import campaign_ledger_xlsx
from ..schools.regions import home_city
from . import jobs
from . import raw_export
from . import registry
from . import services
from .checks import check_all
from .template_kinds import Office
from .template_kinds import write_template


class _Kinds(click.Choice):  # type: ignore[type-arg]
    """The report kinds, and those other packages registered (registry.py) once the app is built."""

    def __init__(self) -> None:
        super().__init__(services.KINDS)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return services.KINDS + tuple(k for k in registry.kinds() if k not in services.KINDS)

    @choices.setter
    def choices(self, _value: t.Any) -> None:
        pass


@click.group("reports")
def reports_cli() -> None:
    """Build formal reports (Word documents), the rectification ledger (.xlsx), and check the templates."""


@reports_cli.command("build")
@click.argument("kind", type=_Kinds())
@click.option("--campaign", "campaign_keys", multiple=True,
              help="Campaign id or code; monthly takes several, or 'all'. Not for publicity. provincial: the "
                   "通报 of a province campaign (its cities) or a city campaign (its counties).")
@click.option("--school", "school_key", help="School code or name (notice, school-report, publicity).")
@click.option("--month", help="Month of a monthly report, YYYY-MM (default: this month).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: Word (.docx), or PDF when the name ends in .pdf (needs LibreOffice).")
@with_appcontext
def build(kind: str, campaign_keys: tuple[str, ...], school_key: str | None, month: str | None,
          out: Path) -> None:
    """Build a report of KIND for a campaign (publicity: a school's latest 公示) and write it to --out."""
    other = registry.get(kind)
    if other is not None:
        _build_school_document(other, school_key, out)
        return
    if not campaign_keys:
        raise click.UsageError(f"{kind} needs --campaign (a campaign id or code)")
    if kind == "ledger":
        _build_ledger(campaign_keys, out)
        return
    with service_errors():
        if kind == "monthly" and "all" in campaign_keys:
            campaigns = tuple(db.session.scalars(sa.select(Campaign).order_by(Campaign.id)))
        else:
            campaigns = tuple(find_campaign(key) for key in campaign_keys)
        if kind != "monthly" and len(campaigns) > 1:
            raise click.UsageError("--campaign is given once, except for a monthly report")
        request = services.ReportRequest(
            kind, campaigns,
            school=services.find_school(school_key) if school_key else None,
            month=services.parse_month(month) if kind == "monthly" else None,
        )
        services.check_request(request)
        as_pdf = out.suffix.lower() == ".pdf"
        if as_pdf and not pdf.pdf_available():
            raise click.ClickException("PDF needs LibreOffice (soffice), which is not installed here; "
                                       "write a .docx instead")
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(out.name + ".part")
        with part.open("wb") as fh:
            photos = services.write(request, fh)
        if as_pdf:
            try:
                part.write_bytes(pdf.docx_to_pdf(part.read_bytes()))
            except pdf.PdfFailed as exc:
                part.unlink()
                raise click.ClickException(str(exc)) from exc
        os.replace(part, out)
        db.session.commit()  # the document number it was issued is kept
    click.echo(f"{out} ({out.stat().st_size // 1024} KB, {photos} photo{'' if photos == 1 else 's'})")


def _build_school_document(document: registry.SchoolDocument, school_key: str | None, out: Path) -> None:
    """A school's document registered by another package (registry.py), as Word or PDF."""
    if not school_key:
        raise click.UsageError(f"{document.kind} needs --school (a school code or name)")
    as_pdf = out.suffix.lower() == ".pdf"
    if as_pdf and not pdf.pdf_available():
        raise click.ClickException("PDF needs LibreOffice (soffice), which is not installed here; "
                                   "write a .docx instead")
    with service_errors():
        data, label = document.build(services.find_school(school_key))
    if as_pdf:
        try:
            data = pdf.docx_to_pdf(data)
        except pdf.PdfFailed as exc:
            raise click.ClickException(str(exc)) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    part.write_bytes(data)
    os.replace(part, out)
    click.echo(f"{out} ({len(data) // 1024} KB, {label})")


def _build_ledger(campaign_keys: tuple[str, ...], out: Path) -> None:
    """The 整改台账 of one campaign as .xlsx."""
    if len(campaign_keys) != 1:
        raise click.UsageError("the ledger is built for one --campaign")
    with service_errors():
        _name, content = campaign_ledger_xlsx(find_campaign(campaign_keys[0]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    click.echo(f"{out} ({len(content) // 1024} KB)")


@reports_cli.command("check-templates")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of templates (default: REPORT_TEMPLATE_DIR).")
@with_appcontext
def check_templates(folder: Path | None) -> None:
    """Check every report template's page setup, fonts and placeholders."""
    folder = folder or services.template_dir()
    failed = 0
    for kind, problems in check_all(folder).items():
        if problems:
            failed += 1
            click.echo(f"{kind}: {len(problems)} problem(s)")
            for problem in problems:
                click.echo(f"  - {problem}")
        else:
            click.echo(f"{kind}: ok")
    if failed:
        raise click.ClickException(f"{failed} template(s) need fixing (see docs/report-templates.md)")


@reports_cli.command("restore-template")
@click.argument("kind", type=click.Choice(services.DOCX_KINDS))
@click.option("--red-header/--no-red-header", default=None, help="With or without the red header "
              "(default: the kind's usual form).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: the template itself in REPORT_TEMPLATE_DIR).")
@with_appcontext
def restore_template(kind: str, red_header: bool | None, out: Path | None) -> None:
    """Write the known-good template of KIND, with the configured issuing office."""
    target = out or services.template_path(kind)
    if target.exists() and out is None:
        backup = target.with_name(target.stem + ".bak.docx")
        os.replace(target, backup)
        click.echo(f"kept the old one as {backup}")
    # The 通报 is the province's: its office comes from the regions data; the others are the city's.
    office = Office(org_name=home_city().province.org_name if kind == "provincial" else home_city().org_name)
    click.echo(write_template(kind, target, office, red_header=red_header))


@reports_cli.command("worker")
@click.option("--once", is_flag=True, help="Build what is queued, then stop.")
@with_appcontext
def worker(once: bool) -> None:
    """Build the queued reports in this process; without --once, run `inspect-app worker` instead."""
    if not once:
        raise click.UsageError("background work runs under `inspect-app worker`; use --once to build the "
                               "reports waiting now in this process")
    ran = jobs.build_queued()
    click.echo(f"{ran} report(s) built")


# The campaigns group is a lower floor's; the raw data export is this floor's, so it joins the group from here.
@campaigns_cli.command("export")
@click.argument("campaign_key")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write: .xlsx, or .csv (each repeat's entries go to NAME-REPEAT.csv beside it).")
@with_appcontext
def export_raw(campaign_key: str, out: Path) -> None:
    """Write the raw data of a campaign: every visit a row, every checklist question a column."""
    extension = out.suffix.lower().lstrip(".")
    if extension not in ("xlsx", "csv"):
        raise click.UsageError("--out must end in .xlsx or .csv")
    with service_errors():
        export = raw_export.RawExport(find_campaign(campaign_key))
    out.parent.mkdir(parents=True, exist_ok=True)
    written = []
    if extension == "xlsx":
        part = out.with_name(out.name + ".part")
        with part.open("wb") as fh:
            visits = raw_export.write_xlsx(export, fh)
        os.replace(part, out)
        written.append(out)
    else:
        for table in export.tables:
            target = out.with_name(f"{out.stem}-{table.name}.csv") if table.name else out
            part = target.with_name(target.name + ".part")
            with part.open("w", encoding="utf-8", newline="") as fh:
                fh.writelines(raw_export.csv_lines(export, table.name))
            os.replace(part, target)
            written.append(target)
        visits = None
    for path in written:
        click.echo(f"{path} ({path.stat().st_size // 1024} KB)")
    if visits is not None:
        click.echo(f"{visits} visit{'' if visits == 1 else 's'}")
