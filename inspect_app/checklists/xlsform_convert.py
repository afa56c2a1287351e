"""An XLSForm file through pyxform: its internal dict and the survey-sheet row of every name, or a refusal."""

from __future__ import annotations

import dataclasses
import io
import typing as t

from flask_babel import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import get_xlsform
from pyxform.xls2xform import convert

from ..errors import ValidationFailed
from .parsed import FormSource

SUFFIXES = {".xlsx": ".xlsx", ".xls": ".xls", ".md": ".md"}


def _survey_rows(workbook: t.Any) -> dict[str, int]:
    rows: dict[str, int] = {}
    for index, row in enumerate(workbook.survey or [], start=2):
        name = row.get("name") or row.get("value") or row.get("tag")
        if name:
            rows.setdefault(str(name).strip(), index)
    return rows


def convert_form(source: bytes | str, filename: str) -> FormSource:
    """Run pyxform on an XLSForm and return its internal dict, or refuse with pyxform's reason."""
    suffix = next((s for s in SUFFIXES if filename.lower().endswith(s)), None)
    if suffix is None:
        raise ValidationFailed(
            _("File “%(file)s”: a checklist must be an XLSForm (.xlsx, .xls or .md).", file=filename)
        )
    data = source.encode("utf-8") if isinstance(source, str) else source
    if suffix == ".md":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(_("File “%(file)s” is not UTF-8 text.", file=filename)) from exc
    warnings: list[str] = []
    rows: dict[str, int] = {}
    try:
        # Always bytes: pyxform reads a str that names an existing file from disk, so an uploaded
        # .md consisting of a server path would otherwise import that file.
        workbook = get_xlsform(xlsform=io.BytesIO(data), file_type=SUFFIXES[suffix])
        rows = _survey_rows(workbook)
        result = convert(xlsform=dataclasses.asdict(workbook), warnings=warnings)
    except PyXFormError as exc:
        if len(exc.args) > 1 and isinstance(exc.args[1], str) and "not been included" in str(exc.args[0]):
            # pyxform's "This section has not been included." for an ``include`` row; args[1] is its name.
            reason = _("type “%(type)s” is not supported in checklists.", type="include")
            row = rows.get(exc.args[1])
            if row is None:
                raise ValidationFailed(_("Question “%(q)s”: %(reason)s", q=exc.args[1], reason=reason)) from exc
            raise ValidationFailed(_("Row %(row)d, question “%(q)s”: %(reason)s", row=row, q=exc.args[1],
                                     reason=reason)) from exc
        raise ValidationFailed(
            _("File “%(file)s” is not a valid XLSForm: %(reason)s", file=filename, reason=str(exc))
        ) from exc
    except Exception as exc:  # damaged workbooks surface as zip/openpyxl errors
        raise ValidationFailed(
            _("File “%(file)s” could not be read: %(reason)s", file=filename, reason=str(exc)[:300])
        ) from exc
    return FormSource(form=t.cast(dict[str, t.Any], result._pyxform), rows=rows)
