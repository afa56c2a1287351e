"""Reconciliation runs: keep the inputs, read and check them, store and present the discrepancies,
and turn chosen ones into findings with the rows as evidence."""

from __future__ import annotations

import hashlib
import re
import typing as t
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import PurePath

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..auth.models import Role
from ..checklists.models import Severity as FindingSeverity
from ..core import storage
from ..core.privacy import mask_id_number
from ..db import local_today
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ValidationFailed
from ..extensions import db
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..funds import services as funds
from ..funds.programmes import Programme
from ..funds.programmes import Semester
from ..funds.programmes import fold
from ..media.models import Attachment
from ..media.models import AttachmentKind
from ..schools import regions
from ..schools.models import County
from ..schools.models import School
from ..visits.models import Visit
from ..visits.models import VisitStatus
from ..visits.permissions import is_assigned
from . import checks
from . import export
from .fields import FIELD_LABELS
from .fields import KIND_FIELDS
from .fields import InputKind
from .fields import SpecialGroup
from .fields import fold_header
from .grids import load_grids
from .models import Discrepancy
from .models import HeaderMapping
from .models import ReconciliationRun
from .models import RunInput
from .models import RunStatus
from .permissions import sees_id_numbers
from .readers import MappingNeeded
from .readers import Table
from .readers import read_table

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign

MAX_ROWS = 300_000
Progress = Callable[[int, str], None]


def max_file_bytes() -> int:
    return int(current_app.config["MAX_ROSTER_BYTES"])


# ------------------------------------------------------------------------------------------------
# Column mappings


def remembered_mappings(kind: InputKind) -> dict[str, str]:
    """Headings users assigned earlier for this kind of file (folded heading -> field; "" = ignore)."""
    stmt = sa.select(HeaderMapping.header, HeaderMapping.field).where(HeaderMapping.kind == kind)
    return {header: field for header, field in db.session.execute(stmt)}


def remember_mappings(kind: InputKind, mapping: dict[str, str], *, actor: User | None) -> None:
    """Keep the user's choice for each heading, so the next file with these headings reads at once."""
    allowed = set(KIND_FIELDS[kind])
    existing = {m.header: m for m in db.session.scalars(sa.select(HeaderMapping).where(HeaderMapping.kind == kind))}
    changed = {}
    for header, field in mapping.items():
        key = fold_header(header)
        if not key or len(key) > 128 or (field and field not in allowed):
            continue
        row = existing.get(key)
        if row is None:
            row = HeaderMapping(kind=kind, header=key, field=field)
            db.session.add(row)
        elif row.field == field:
            continue
        row.field, row.updated_by_id = field, actor.id if actor else None
        changed[key] = field
    db.session.flush()
    if changed:
        audit.record(actor, "roster.mapping", object_type="roster_header_mappings",
                     after={"kind": kind.value, "mapping": changed})


# ------------------------------------------------------------------------------------------------
# Creating a run


@dataclass
class Upload:
    kind: InputKind
    filename: str
    data: bytes
    group: SpecialGroup | None = None


def _safe_name(filename: str) -> str:
    name = PurePath(filename).name
    stem = re.sub(r"[^\w\-.一-鿿]+", "_", PurePath(name).stem)[:80] or "file"
    return stem + PurePath(name).suffix.lower()


def _store(relative: str, data: bytes) -> None:
    """Store a roster input that lives and dies with the transaction."""
    storage.keep("uploads", relative, data)


def create_run(*, semester: str | Semester, uploads: t.Sequence[Upload], actor: User, county: County | None = None,
               campaign: Campaign | None = None, title: str = "") -> ReconciliationRun:
    """Keep the uploaded files and queue a run that will check them."""
    term = funds.to_semester(semester)
    if sum(1 for u in uploads if u.kind == InputKind.ROSTER) != 1:
        raise ValidationFailed(_("A check needs exactly one disbursement roster."))
    for kind in (InputKind.SYSTEM, InputKind.ENROLMENT, InputKind.REPORTED):
        if sum(1 for u in uploads if u.kind == kind) > 1:
            raise ValidationFailed(_("Give at most one %(what)s.", what=kind.label))
    problems = []
    for upload in uploads:
        suffix = PurePath(upload.filename).suffix.lower()
        if suffix not in (".xlsx", ".xls", ".csv"):
            problems.append(_("File “%(file)s” is not a spreadsheet: use .xlsx, .xls or .csv.", file=upload.filename))
        elif not upload.data.strip():
            problems.append(_("File “%(file)s” is empty.", file=upload.filename))
        elif len(upload.data) > max_file_bytes():
            problems.append(_("File “%(file)s” is %(size)s KB; the limit is %(limit)s KB.", file=upload.filename,
                              size=len(upload.data) // 1024, limit=max_file_bytes() // 1024))
    if problems:
        raise ValidationFailed(_("The files were not accepted. Nothing was changed."), details=problems)
    if campaign is not None and county is not None and campaign.county_id not in (None, county.id):
        raise ValidationFailed(_("Campaign %(code)s belongs to another county.", code=campaign.code))
    city_id = regions.owning_city_id(actor, county)
    title = title.strip()[:128] or _("%(semester)s rosters of %(scope)s", semester=term.long_zh,
                                     scope=regions.scope_name(city_id, county))
    run = ReconciliationRun(semester=str(term), semester_key=term.key, city_id=city_id,
                            county_id=county.id if county else None,
                            campaign_id=campaign.id if campaign else None, title=title, status=RunStatus.QUEUED,
                            created_by_id=actor.id, stage=_("Waiting to start"))
    db.session.add(run)
    db.session.flush()
    folder = f"rosters/{utcnow():%Y/%m}/{uuid.uuid4()}"
    order = {InputKind.ROSTER: 0, InputKind.SYSTEM: 1, InputKind.ENROLMENT: 2, InputKind.SPECIAL: 3,
             InputKind.REPORTED: 4}
    specials = 0
    for position, upload in enumerate(sorted(uploads, key=lambda u: order[u.kind])):
        if upload.kind == InputKind.SPECIAL:
            specials += 1
            label = f"special{specials}"
        else:
            label = upload.kind.value
        relative = f"{folder}/{position + 1}-{_safe_name(upload.filename)}"
        _store(relative, upload.data)
        run.inputs.append(RunInput(position=position, kind=upload.kind, label=label, special_group=upload.group,
                                   original_name=PurePath(upload.filename).name[:256] or "upload", path=relative,
                                   sha256=hashlib.sha256(upload.data).hexdigest(), size_bytes=len(upload.data)))
    db.session.flush()
    audit.record(actor, "roster.run", run, object_type="roster_runs", after={
        "semester": str(term), "title": title, "files": [
            {"kind": i.kind.value, "file": i.original_name, "sha256": i.sha256} for i in run.inputs]})
    return run


def rerun(run: ReconciliationRun, *, actor: User) -> ReconciliationRun:
    """Check the same files again, under today's standards and remembered column choices."""
    if run.status.pending:
        raise InvalidTransition(_("This check is still running."))
    if any(not item.path for item in run.inputs):
        raise InvalidTransition(_("The files of this check have been deleted (they are kept %(days)d days, and not "
                                  "at all after a check fails): upload them again.",
                                  days=current_app.config["ROSTER_RETENTION_DAYS"]))
    again = ReconciliationRun(semester=run.semester, semester_key=run.semester_key, city_id=run.city_id,
                              county_id=run.county_id,
                              campaign_id=run.campaign_id, title=run.title, status=RunStatus.QUEUED,
                              created_by_id=actor.id, stage=_("Waiting to start"))
    for item in run.inputs:
        again.inputs.append(RunInput(position=item.position, kind=item.kind, label=item.label,
                                     special_group=item.special_group, original_name=item.original_name,
                                     path=item.path, sha256=item.sha256, size_bytes=item.size_bytes,
                                     mapping=item.mapping))
    db.session.add(again)
    db.session.flush()
    audit.record(actor, "roster.rerun", again, object_type="roster_runs", after={"from_run": run.id})
    return again


def set_mappings(run: ReconciliationRun, mappings: dict[int, dict[str, str]], *, actor: User) -> None:
    """Record which column holds which field for the run's files, remember the choices, and queue the run."""
    if run.status != RunStatus.NEEDS_MAPPING:
        raise InvalidTransition(_("This check is not waiting for columns to be assigned."))
    by_id = {i.id: i for i in run.inputs}
    for input_id, mapping in mappings.items():
        item = by_id.get(input_id)
        if item is None:
            continue
        allowed = set(KIND_FIELDS[item.kind])
        headers = set(item.headers or [])
        clean = {h: f for h, f in mapping.items() if h in headers and (f == "" or f in allowed)}
        chosen = [f for f in clean.values() if f]
        if len(chosen) != len(set(chosen)):
            raise ValidationFailed(_("File “%(file)s”: each field can be given one column only.",
                                     file=item.original_name))
        item.mapping = clean
        remember_mappings(item.kind, clean, actor=actor)
    run.status, run.progress, run.stage, run.errors = RunStatus.QUEUED, 0, _("Waiting to start"), None
    db.session.flush()


# ------------------------------------------------------------------------------------------------
# Executing a run


def _read_input(item: RunInput) -> Table:
    data = storage.read("uploads", item.path)
    remembered = remembered_mappings(item.kind)
    table = read_table(data, filename=item.original_name, kind=item.kind, max_bytes=max(max_file_bytes(), len(data)),
                       max_rows=MAX_ROWS, remembered=remembered, mapping=item.mapping or None,
                       group=item.special_group)
    table.label = item.label
    return table


def reported_table(semester: Semester) -> Table | None:
    """The payments recorded for the semester, as the figures the schools reported."""
    rows = funds.reported_payments(semester)
    if not rows:
        return None
    frame = pd.DataFrame({
        "row": range(1, len(rows) + 1), "school_code": [r[0] for r in rows], "school": [r[1] for r in rows],
        "programme": [r[2] for r in rows], "semester": None, "headcount": [int(r[3]) for r in rows],
        "amount": [r[4] for r in rows], "cents": [int(Decimal(r[4]) * 100) for r in rows],
    })
    return Table(kind=InputKind.REPORTED, filename=_("payments recorded in the funds ledger"), frame=frame,
                 mapping={}, header_row=0, label="reported")


def rules_version(standards: funds.StandardsTable) -> str:
    return f"{checks.CHECKS_VERSION}/{standards.fingerprint()}"


def execute_run(run: ReconciliationRun, *, progress: Progress | None = None) -> None:
    """Read and check the run's files and store the discrepancies (or the reasons the files were refused)."""
    report = progress or (lambda _p, _s: None)
    run.status, run.started_at, run.errors = RunStatus.RUNNING, utcnow(), None
    tables: dict[str, Table] = {}
    needs_mapping = False
    errors: list[dict[str, t.Any]] = []
    for n, item in enumerate(run.inputs):
        report(5 + 60 * n // max(1, len(run.inputs)), _("Reading %(file)s", file=item.original_name))
        try:
            table = _read_input(item)
        except MappingNeeded as err:
            needs_mapping = True
            item.headers = [h for h in err.raw.headers if h]
            item.header_row = err.raw.header_row
            item.mapping = {h: f for h, f in err.raw.guessed.items()} | {
                h: f for h, f in (item.mapping or {}).items() if h in item.headers}
            errors.append({"file": item.original_name, "message": err.message, "details": []})
            continue
        except ValidationFailed as err:
            errors.append({"file": item.original_name, "message": err.message, "details": err.details})
            continue
        item.rows, item.header_row, item.sheet, item.encoding = len(table), table.header_row, table.sheet, \
            table.encoding
        item.headers = list(table.mapping)
        item.mapping = table.mapping
        tables[item.label] = table
    if errors:
        run.status = RunStatus.NEEDS_MAPPING if needs_mapping and all(
            not e["details"] for e in errors) else RunStatus.FAILED
        run.errors, run.finished_at, run.progress = errors, utcnow(), 100
        run.stage = None
        db.session.flush()
        audit.record(None, "roster.refused", run, object_type="roster_runs",
                     after={"status": run.status, "files": [e["file"] for e in errors]})
        return
    report(70, _("Checking"))
    standards = funds.standards_table()
    reported = tables.get("reported") or reported_table(Semester.from_key(run.semester_key))
    result = checks.run_checks(checks.CheckInputs(
        semester=Semester.from_key(run.semester_key), roster=tables["roster"], standards=standards,
        today=local_today(), system=tables.get("system"), enrolment=tables.get("enrolment"),
        specials=[tb for label, tb in tables.items() if label.startswith("special")], reported=reported,
    ))
    report(85, _("Saving the results"))
    store_result(run, result, standards, reported_from_ledger=reported is not None and "reported" not in tables)
    report(100, _("Done"))


def _school_ids(keys: t.Iterable[str]) -> dict[str, int]:
    """Match roster school keys (a 10-digit code, or a folded name) to schools."""
    wanted = {k for k in keys if k}
    codes = [k for k in wanted if re.fullmatch(r"[0-9]{10}", k)]
    out: dict[str, int] = {}
    if codes:
        out.update({code: sid for sid, code in db.session.execute(
            sa.select(School.id, School.code).where(School.code.in_(codes)))})
    names = wanted - set(out)
    if names:
        for sid, name in db.session.execute(sa.select(School.id, School.name)):
            key = fold(name)
            if key in names:
                out[key] = sid
    return out


def store_result(run: ReconciliationRun, result: checks.CheckResult, standards: funds.StandardsTable, *,
                 reported_from_ledger: bool = False) -> None:
    """Store a run's discrepancies and summary."""
    school_ids = _school_ids({d["school_key"] for d in result.discrepancies}
                             | {r["school_key"] for r in result.roster_totals}
                             | {p["school_key"] for p in result.precision})
    rows = []
    for d in result.discrepancies:
        cents = d["cents"]
        rows.append({
            "run_id": run.id, "code": d["code"], "severity": checks.CHECKS[d["code"]].severity.value,
            "school_id": school_ids.get(d["school_key"]), "school_label": (d["school"] or "")[:128],
            "person_key": (d["key"] or "")[:64], "name": (d["name"] or "")[:128],
            "programme": d["programme"].value if d["programme"] is not None else None,
            "amount": Decimal(cents) / 100 if cents is not None else None, "params": d["params"], "rows": d["rows"],
        })
    if rows:
        db.session.execute(sa.insert(Discrepancy), rows)
    by_school: dict[str, dict[str, t.Any]] = {}
    for d in result.discrepancies:
        entry = by_school.setdefault(d["school_key"], {"school": d["school"], "school_id":
                                                       school_ids.get(d["school_key"]), "counts": {}})
        entry["counts"][d["code"]] = entry["counts"].get(d["code"], 0) + 1
    run.summary = {
        "counts": result.counts(), "checked": result.checked, "rows": result.rows,
        "other_semester": result.other_semester, "reported_from_ledger": reported_from_ledger,
        "schools": sorted(by_school.values(), key=lambda e: -sum(e["counts"].values())),
        "totals": [{"school": r["school"], "school_key": r["school_key"], "school_id": school_ids.get(r["school_key"]),
                    "programme": r["programme"].value, "headcount": r["headcount"], "cents": r["cents"]}
                   for r in result.roster_totals],
        # Counts only (no names) for 资助精准率 and 漏助率 (rosters/precision.py); runs stored before have none.
        "precision": {"codes": sorted(checks.PRECISION_CODES), "schools": [
            {**p, "school_id": school_ids.get(p["school_key"])} for p in result.precision]},
    }
    run.standards = standards.to_json()
    run.rules_version = rules_version(standards)
    run.discrepancy_count = len(result.discrepancies)
    run.status, run.finished_at, run.progress, run.stage = RunStatus.DONE, utcnow(), 100, None
    db.session.flush()
    audit.record(None, "roster.checked", run, object_type="roster_runs",
                 after={"rules_version": run.rules_version, "discrepancies": run.discrepancy_count,
                        "counts": result.counts()})


# ------------------------------------------------------------------------------------------------
# Reading results


def discrepancy_query(run: ReconciliationRun, *, code: str | None = None, school_key: str | None = None,
                      q: str | None = None) -> sa.Select[Discrepancy]:
    stmt = (sa.select(Discrepancy).where(Discrepancy.run_id == run.id)
            .options(orm.joinedload(Discrepancy.finding).joinedload(Finding.campaign)).order_by(Discrepancy.id))
    if code:
        stmt = stmt.where(Discrepancy.code == code)
    if school_key:
        if school_key.isdigit():
            stmt = stmt.where(Discrepancy.school_id == int(school_key))
        else:
            stmt = stmt.where(Discrepancy.school_label == school_key)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(Discrepancy.person_key.like(like), Discrepancy.name.like(like)))
    return stmt


def as_dict(d: Discrepancy) -> dict[str, t.Any]:
    return {"code": d.code, "school": d.school_label, "key": d.person_key, "name": d.name,
            "programme": d.programme, "cents": int(d.amount * 100) if d.amount is not None else None,
            "params": d.params, "rows": d.rows}


def run_meta(run: ReconciliationRun) -> list[tuple[str, str]]:
    meta = [(_("Check"), run.title), (_("Semester"), Semester.from_key(run.semester_key).long_zh),
            (_("Rules version"), run.rules_version or "")]
    for item in run.inputs:
        meta.append((item.kind.label, f"{item.original_name} ({item.rows or 0} rows, sha256 {item.sha256[:12]})"))
    return meta


def purge_inputs(*, now: datetime | None = None) -> int:
    """Delete the roster files no run needs any more; returns how many.

    Roster files hold personal data: a file goes once the newest check that used it is older than
    ROSTER_RETENTION_DAYS, or at once when every check that used it failed. The runs keep their
    results; their inputs keep name, size and checksum, with no file behind them.
    """
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["ROSTER_RETENTION_DAYS"])
    failed = sa.case((ReconciliationRun.status == RunStatus.FAILED, 1), else_=0)
    expired = db.session.scalars(
        sa.select(RunInput.path).join(ReconciliationRun, ReconciliationRun.id == RunInput.run_id)
        .where(RunInput.path != "").group_by(RunInput.path)
        .having(sa.or_(sa.func.max(ReconciliationRun.created_at) < cutoff, sa.func.min(failed) == 1))
    ).all()
    for path in expired:
        storage.discard("uploads", path)
    if expired:
        db.session.execute(sa.update(RunInput).where(RunInput.path.in_(expired)).values(path=""))
        audit.record(None, "roster.purge", object_type="roster_runs", after={"files": len(expired)})
    db.session.flush()
    return len(expired)


def export_run(run: ReconciliationRun, discrepancies: t.Sequence[Discrepancy], *, viewer: User | None) -> bytes:
    """The run's discrepancies (all, or a filtered set) as a workbook; ID numbers masked unless ``viewer`` ran it.

    With no viewer (a document kept for others, such as a school's archive) every number is masked.
    """
    counts = (run.summary or {}).get("counts", {}) if len(discrepancies) == run.discrepancy_count else None
    rows = [as_dict(d) for d in discrepancies]
    if not sees_id_numbers(viewer, run):
        for row in rows:
            row["key"] = mask_id_number(str(row.get("key") or ""))
    return export.workbook(rows, meta=run_meta(run), counts=counts)


# ------------------------------------------------------------------------------------------------
# Findings from discrepancies

MAJOR_CODES = {"DUP_SCHOOL", "DUP_CROSS", "DUP_EXCLUSIVE", "AMOUNT_STANDARD", "SPECIAL_UNCOVERED", "SPECIAL_TIER",
               "NOT_ENROLLED", "ROSTER_MISSING", "SYS_MISSING"}


def _input_rows(item: RunInput, numbers: set[int]) -> tuple[list[str], list[list[t.Any]]]:
    """The original cells of some rows of an input file, under its headings."""
    data = storage.read("uploads", item.path)
    grids = load_grids(data, filename=item.original_name, max_bytes=max(max_file_bytes(), len(data)))
    grid = next((g for g in grids if g.sheet == item.sheet), grids[0])
    header_index = (item.header_row or 1) - 1
    headers = [str(h) if h is not None else "" for h in grid.rows[header_index]]
    rows = [[n, *(v if v is not None else "" for v in grid.rows[n - 1])]
            for n in sorted(numbers) if 0 < n <= len(grid.rows)]
    return [_("Row number"), *headers], rows


def evidence_workbook(run: ReconciliationRun, discrepancies: t.Sequence[Discrepancy]) -> bytes:
    """The discrepancies and, sheet by sheet, the input rows they point to."""
    sheets: dict[str, tuple[list[str], list[list[t.Any]]]] = {
        _("Discrepancies"): (export.discrepancy_headers(), [export.discrepancy_row(as_dict(d)) for d in discrepancies]),
    }
    for item in run.inputs:
        numbers = {n for d in discrepancies for n in d.rows.get(item.label, [])}
        if numbers:
            headers, rows = _input_rows(item, numbers)
            sheets[f"{item.label} {PurePath(item.original_name).stem}"[:31]] = (headers, rows)
    return export.rows_workbook(sheets)


def make_findings(run: ReconciliationRun, discrepancies: t.Sequence[Discrepancy], *, campaign: Campaign,
                  actor: User) -> list[Finding]:
    """Raise one finding per school and check on the school's visit in ``campaign``, the rows attached."""
    if run.status != RunStatus.DONE:
        raise InvalidTransition(_("Only a finished check can raise findings."))
    if not discrepancies:
        raise ValidationFailed(_("Choose the discrepancies that are problems."))
    taken = [d for d in discrepancies if d.finding_id is not None]
    if taken:
        raise ValidationFailed(_("%(n)d of the chosen discrepancies already belong to a finding.", n=len(taken)))
    unmatched = sorted({d.school_label or "—" for d in discrepancies if d.school_id is None})
    if unmatched:
        raise ValidationFailed(_("These schools are not in the school list, so their problems cannot be raised: "
                                 "%(schools)s.", schools="、".join(unmatched)))
    visits = {v.school_id: v for v in db.session.scalars(
        sa.select(Visit).where(Visit.campaign_id == campaign.id,
                               Visit.school_id.in_({d.school_id for d in discrepancies})))}
    problems = []
    for school_id in {d.school_id for d in discrepancies}:
        visit = visits.get(t.cast(int, school_id))
        label = next(d.school_label for d in discrepancies if d.school_id == school_id)
        if visit is None:
            problems.append(_("%(school)s is not inspected in campaign %(code)s.", school=label, code=campaign.code))
        elif visit.status == VisitStatus.APPROVED:
            problems.append(_("The visit to %(school)s has been approved; findings can no longer be added.",
                              school=label))
        elif actor.role == Role.INSPECTOR and not (is_assigned(actor, visit) and visit.status.editable):
            problems.append(_("You are not inspecting %(school)s in campaign %(code)s.", school=label,
                              code=campaign.code))
    if problems:
        raise ValidationFailed(_("No finding was raised."), details=problems)
    groups: dict[tuple[int, str], list[Discrepancy]] = {}
    for d in discrepancies:
        groups.setdefault((t.cast(int, d.school_id), d.code), []).append(d)
    raised = []
    semester = Semester.from_key(run.semester_key)
    for (school_id, code), items in sorted(groups.items()):
        visit = visits[school_id]
        examples = "；".join(
            f"{d.name or d.person_key}：{checks.describe(code, d.params)}" for d in items[:5])
        more = _("and %(n)d more", n=len(items) - 5) if len(items) > 5 else ""
        description = _("Roster check %(semester)s, %(code)s %(title)s: %(n)d case(s). %(examples)s%(more)s",
                        semester=semester.long_zh, code=code, title=checks.title(code), n=len(items),
                        examples=examples, more=more)[:2000]
        finding = Finding(visit_id=visit.id, campaign_id=campaign.id, school_id=school_id, item_id=None,
                          description=description, inspector_note=checks.rule_text(code),
                          severity=FindingSeverity.MAJOR if code in MAJOR_CODES else FindingSeverity.GENERAL,
                          status=FindingStatus.RAISED, raised_by_id=actor.id)
        db.session.add(finding)
        db.session.flush()
        for d in items:
            d.finding_id = finding.id
        attachment = attach_workbook(finding, evidence_workbook(run, items),
                                     filename=f"花名册比对-{code}-{visit.school.code}.xlsx", actor=actor)
        audit.record(actor, "finding.raise", finding, after={
            "roster_run": run.id, "code": code, "discrepancies": len(items), "severity": finding.severity,
            "description": finding.description, "evidence": attachment.sha256})
        raised.append(finding)
    return raised


def attach_workbook(finding: Finding, data: bytes, *, filename: str, actor: User) -> Attachment:
    """Keep a workbook the application wrote as a finding's evidence (佐证材料)."""
    key = str(uuid.uuid4())
    path = f"docs/{utcnow():%Y/%m}/{key}.xlsx"
    _store(path, data)
    attachment = Attachment(
        uuid=key, kind=AttachmentKind.SPREADSHEET, finding_id=finding.id, original_name=filename[:256], path=path,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "evidence.add", attachment, school_id=finding.school_id, campaign_id=finding.campaign_id,
                 after={"finding": finding.id, "file": filename, "sha256": attachment.sha256})
    return attachment


def record_payments(run: ReconciliationRun, *, actor: User) -> int:
    """Record the run's roster as what each school paid in the semester (the funds ledger)."""
    if run.status != RunStatus.DONE or not run.summary:
        raise InvalidTransition(_("Only a finished check can be recorded as payments."))
    totals = run.summary.get("totals", [])
    unmatched = sorted({t_["school"] or "—" for t_ in totals if not t_.get("school_id")})
    if unmatched:
        raise ValidationFailed(_("These schools are not in the school list: %(schools)s. Nothing was recorded.",
                                 schools="、".join(unmatched)))
    schools = {s.id: s for s in db.session.scalars(
        sa.select(School).where(School.id.in_({t_["school_id"] for t_ in totals})))}
    lines = [funds.PaymentLine(schools[t_["school_id"]], Programme(t_["programme"]), int(t_["headcount"]),
                               Decimal(int(t_["cents"])) / 100) for t_ in totals]
    roster = next(i for i in run.inputs if i.kind == InputKind.ROSTER)
    return funds.record_payments(Semester.from_key(run.semester_key), lines,
                                 source=_("check %(id)d: %(file)s", id=run.id, file=roster.original_name), actor=actor)


def field_choices(kind: InputKind) -> list[tuple[str, str]]:
    return [(key, str(FIELD_LABELS[key])) for key in KIND_FIELDS[kind]]
