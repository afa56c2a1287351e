"""Reading uploaded spreadsheets safely and writing exports that cannot run formulas."""

from __future__ import annotations

import io
import typing as t
import zipfile
from dataclasses import dataclass
from dataclasses import field

import pandas as pd
from flask_babel import gettext as _

from ..errors import ValidationFailed

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportResult:
    """What an all-or-nothing import did: rows created, updated and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def cell_error(row: int, column: str, reason: str) -> str:
    """The one wording of an import problem: the sheet row, the column header and the reason."""
    return _("Row %(row)d, column “%(column)s”: %(reason)s", row=row, column=column, reason=reason)


# How much larger than the upload limit the unpacked workbook may be (real .xlsx files pack about 5–10:1).
MAX_UNPACK_RATIO = 20


def neutralise(value: t.Any) -> t.Any:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def check_unpacked(data: bytes, *, filename: str, max_bytes: int, not_workbook: str) -> None:
    """Refuse a zipped workbook whose members unpack to more than ``MAX_UNPACK_RATIO`` times the upload limit.

    The byte limit bounds the compressed file only; a sheet of repeated XML packs 100:1 or more.
    zipfile stops each member at its declared size, so the declared sizes are a real bound.
    ``not_workbook`` is the refusal for a file that is no zip archive at all.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(not_workbook) from exc
    if unpacked > max_bytes * MAX_UNPACK_RATIO:
        raise ValidationFailed(
            _("File “%(file)s” unpacks to %(size)s KB; the limit is %(limit)s KB.",
              file=filename, size=unpacked // 1024, limit=max_bytes * MAX_UNPACK_RATIO // 1024)
        )


def read_xlsx_table(data: bytes, *, filename: str, max_bytes: int, max_rows: int) -> pd.DataFrame:
    """Decode the first sheet of an .xlsx upload into strings, refusing anything else.

    Every cell comes back as a stripped string ("" when empty), so leading zeros in
    codes survive and validation happens in one place, the importer.
    """
    if len(data) > max_bytes:
        raise ValidationFailed(
            _("File “%(file)s” is %(size)s KB; the limit is %(limit)s KB.",
              file=filename, size=len(data) // 1024, limit=max_bytes // 1024)
        )
    if not filename.lower().endswith(".xlsx") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ValidationFailed(_("File “%(file)s” is not an Excel .xlsx workbook.", file=filename))
    check_unpacked(data, filename=filename, max_bytes=max_bytes,
                   not_workbook=_("File “%(file)s” is not an Excel .xlsx workbook.", file=filename))
    try:
        frame = pd.read_excel(
            io.BytesIO(data), sheet_name=0, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ValidationFailed(
            _("File “%(file)s” could not be read as a workbook: %(reason)s", file=filename, reason=str(exc)[:200])
        ) from exc
    if len(frame) > max_rows:
        raise ValidationFailed(
            _("File “%(file)s” has %(n)d rows; at most %(max)d can be imported at once.",
              file=filename, n=len(frame), max=max_rows)
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(lambda v: str(v).strip() if v is not None else "")


def write_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Write data frames to an .xlsx workbook with formula-like text neutralised."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.map(neutralise).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for column in sheet.columns:
                width = max((len(str(c.value)) if c.value is not None else 0) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 2 + 2), 60)
            sheet.freeze_panes = "A2"
    return buf.getvalue()
