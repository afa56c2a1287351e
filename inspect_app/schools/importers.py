"""Import schools from an .xlsx sheet: validate every row first, then write all or nothing."""

from __future__ import annotations

import hashlib
import re
import typing as t
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..audit import services as audit
from ..core.permissions import in_region
from ..core.spreadsheets import ImportResult
from ..core.spreadsheets import cell_error
from ..core.spreadsheets import read_xlsx_table
from ..core.spreadsheets import write_xlsx
from ..errors import ValidationFailed
from ..extensions import db
from .models import LEVEL_ZH
from .models import County
from .models import School
from .models import SchoolLevel

if t.TYPE_CHECKING:
    from ..auth.models import User

MAX_ROWS = 20_000
# ASCII digits only: \d would also let full-width (１２３) and other scripts' digits through.
CODE_RE = re.compile(r"^[0-9]{10}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")

# Column key -> accepted headers (the first is the one the template writes).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("学校标识码", "code"),
    "name": ("学校名称", "name"),
    "county": ("区县", "county"),
    "level": ("学段", "level"),
    "address": ("地址", "address"),
    "contact_name": ("联系人", "contact_name"),
    "contact_phone": ("联系电话", "contact_phone"),
    "latitude": ("纬度", "latitude"),
    "longitude": ("经度", "longitude"),
}
REQUIRED = ("code", "name", "county", "level")
LEVEL_BY_NAME = {**{zh: lvl for lvl, zh in LEVEL_ZH.items()}, **{lvl.value: lvl for lvl in SchoolLevel}}


def _clean_code(value: str) -> str:
    # A code typed as a number comes back from Excel as "6105010001.0".
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


def _coordinate(value: str, low: int, high: int) -> Decimal | None:
    if value == "":
        return None
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(_("not a number")) from exc
    if not number.is_finite():  # "NaN" parses, but cannot be compared
        raise ValueError(_("not a number"))
    if not (low <= number <= high):
        raise ValueError(_("must lie between %(low)s and %(high)s", low=low, high=high))
    return number.quantize(Decimal("0.000001"))


@dataclass
class _Row:
    """One data row being read: its cells by column key, and the list its problems go to."""

    number: int
    cells: dict[str, str]
    header_of: dict[str, str]
    errors: list[str]

    def get(self, key: str) -> str:
        return self.cells.get(self.header_of[key], "") if key in self.header_of else ""

    def error(self, key: str, message: str) -> None:
        self.errors.append(cell_error(self.number, self.header_of.get(key, COLUMNS[key][0]), message))


def _code(row: _Row, first_row_of_code: dict[str, int]) -> str:
    code = _clean_code(row.get("code"))
    if not CODE_RE.match(code):
        row.error("code", _("a school code has exactly 10 digits, not “%(v)s”", v=code))
    elif code in first_row_of_code:
        row.error("code", _("code %(v)s already appears in row %(r)d", v=code, r=first_row_of_code[code]))
    else:
        first_row_of_code[code] = row.number
    return code


def _name(row: _Row) -> str:
    name = row.get("name")
    if not name:
        row.error("name", _("the school name is empty"))
    elif len(name) > 128:
        row.error("name", _("longer than %(n)d characters", n=128))
    return name


def _county(row: _Row, counties: dict[str, County]) -> County | None:
    county = counties.get(row.get("county"))
    if county is None:
        row.error("county", _("unknown county “%(v)s” (known: %(known)s)", v=row.get("county"),
                              known="、".join(counties)))
    return county


def _level(row: _Row) -> SchoolLevel | None:
    level = LEVEL_BY_NAME.get(row.get("level"))
    if level is None:
        row.error("level", _("“%(v)s” is not a level; use one of %(allowed)s", v=row.get("level"),
                             allowed="、".join(LEVEL_ZH.values())))
    return level


def _phone(row: _Row) -> str | None:
    phone = row.get("contact_phone")
    if phone and not PHONE_RE.match(phone):
        row.error("contact_phone", _("“%(v)s” is not a telephone number", v=phone))
    return phone or None


def _text(row: _Row, key: str, limit: int) -> str | None:
    value = row.get(key)
    if len(value) > limit:
        row.error(key, _("longer than %(n)d characters", n=limit))
    return value or None


def _coordinates(row: _Row) -> dict[str, Decimal | None]:
    coords: dict[str, Decimal | None] = {}
    bad_coordinate = False
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        try:
            coords[key] = _coordinate(row.get(key), low, high)
        except ValueError as exc:
            row.error(key, str(exc))
            coords[key] = None
            bad_coordinate = True
    # A coordinate already reported as invalid does not also count as missing.
    if not bad_coordinate and (coords["latitude"] is None) != (coords["longitude"] is None):
        row.error("latitude" if coords["latitude"] is None else "longitude",
                  _("give both latitude and longitude, or neither"))
    return coords


def _parse(row: _Row, counties: dict[str, County], first_row_of_code: dict[str, int]) -> dict[str, t.Any]:
    """The row's values, each column validated in turn (problems go to ``row.errors``)."""
    return {
        "row": row.number,
        "code": _code(row, first_row_of_code),
        "name": _name(row),
        "county": _county(row, counties),
        "level": _level(row),
        "contact_phone": _phone(row),
        "address": _text(row, "address", 256),
        "contact_name": _text(row, "contact_name", 64),
        **_coordinates(row),
    }


def _header_of(frame: pd.DataFrame, filename: str) -> dict[str, str]:
    """Column key -> the header it has in the file; the required columns must all be there."""
    header_of: dict[str, str] = {}
    for key, names in COLUMNS.items():
        for name in names:
            if name in frame.columns:
                header_of[key] = name
                break
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in header_of]
    if missing:
        raise ValidationFailed(
            _("File “%(file)s” lacks the column(s) %(cols)s. Download the template to see the expected layout.",
              file=filename, cols="、".join(missing))
        )
    return header_of


def import_schools(data: bytes, *, filename: str, actor: User | None) -> ImportResult:
    """Create or update schools from a workbook, keyed by 学校标识码; any error writes nothing."""
    frame = read_xlsx_table(
        data, filename=filename, max_bytes=current_app.config["MAX_SPREADSHEET_BYTES"], max_rows=MAX_ROWS
    )
    header_of = _header_of(frame, filename)
    if frame.empty:
        raise ValidationFailed(_("File “%(file)s” has no data rows.", file=filename))

    # A city's staff import into their city's counties only (the command line, without actor, anywhere).
    region = sa.true() if actor is None else in_region(actor, County.id)
    counties = {c.name: c for c in db.session.scalars(sa.select(County).where(region))}
    result = ImportResult()
    rows: list[dict[str, t.Any]] = []
    first_row_of_code: dict[str, int] = {}
    for index, record in enumerate(frame.to_dict("records")):
        row = _Row(index + 2, record, header_of, result.errors)  # the header is row 1
        if all(row.get(k) == "" for k in COLUMNS):
            continue
        rows.append(_parse(row, counties, first_row_of_code))
    if actor is not None:
        _refuse_schools_elsewhere(rows, actor, result.errors)

    if result.errors:
        raise ValidationFailed(
            _("File “%(file)s” was not imported: %(n)d problem(s) found. Nothing was changed.",
              file=filename, n=len(result.errors)),
            details=result.errors,
        )
    _save(rows, actor, result)
    audit.record(
        actor, "school.import", object_type="import",
        after={"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "created": result.created,
               "updated": result.updated, "unchanged": result.unchanged},
    )
    return result


def _refuse_schools_elsewhere(rows: list[dict[str, t.Any]], actor: User, errors: list[str]) -> None:
    """A code that names a school of another region is not the importer's to change."""
    codes = [r["code"] for r in rows if r.get("code")]
    elsewhere = set(db.session.scalars(sa.select(School.code).where(
        School.code.in_(codes), sa.not_(in_region(actor, School.county_id))))) if codes else set()
    for parsed in rows:
        if parsed.get("code") in elsewhere:
            errors.append(cell_error(parsed["row"], COLUMNS["code"][0],
                                     _("%(code)s is a school outside your region", code=parsed["code"])))


def _save(rows: list[dict[str, t.Any]], actor: User | None, result: ImportResult) -> None:
    """Create the schools new to the database and update the others, counting what changed."""
    existing = {
        s.code: s
        for s in db.session.scalars(sa.select(School).where(School.code.in_([r["code"] for r in rows])))
    }
    fields = ("name", "county_id", "level", "address", "contact_name", "contact_phone", "latitude", "longitude")
    for parsed in rows:
        values = {
            "name": parsed["name"],
            "county_id": parsed["county"].id,
            "level": parsed["level"],
            "address": parsed["address"],
            "contact_name": parsed["contact_name"],
            "contact_phone": parsed["contact_phone"],
            "latitude": parsed["latitude"],
            "longitude": parsed["longitude"],
        }
        school = existing.get(parsed["code"])
        if school is None:
            school = School(code=parsed["code"], **values)
            db.session.add(school)
            db.session.flush()
            audit.record(actor, "school.create", school, school_id=school.id,
                         after=audit.snapshot(school, ("code", *fields)))
            result.created += 1
            continue
        before = audit.snapshot(school, fields)
        for key, value in values.items():
            setattr(school, key, value)
        after = audit.snapshot(school, fields)
        if before == after:
            result.unchanged += 1
        else:
            audit.record(actor, "school.update", school, school_id=school.id, before=before, after=after)
            result.updated += 1


def template_workbook() -> bytes:
    """The import template: the expected columns, one example row and the allowed values."""
    counties = list(db.session.scalars(sa.select(County.name).order_by(County.position, County.id)))
    example = pd.DataFrame(
        [["6105020001", "示例小学", counties[0] if counties else "临渭区", "小学", "某某路1号", "张老师",
          "0913-1234567", "34.499", "109.510"]],
        columns=[names[0] for names in COLUMNS.values()],
    )
    allowed = pd.DataFrame({
        "区县": pd.Series(counties, dtype=object),
        "学段": pd.Series(list(LEVEL_ZH.values()), dtype=object),
    })
    return write_xlsx({"学校": example, "可选值": allowed})
