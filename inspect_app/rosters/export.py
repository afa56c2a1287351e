"""The discrepancies as a workbook: one row per discrepancy with its check code, rows and rule."""

from __future__ import annotations

import io
import typing as t
from collections.abc import Iterable

import xlsxwriter
from flask_babel import gettext as _

from ..core.spreadsheets import neutralise
from . import checks

INPUT_COLUMNS = ("roster", "system", "enrolment", "special", "reported")


def _rows_text(rows: dict[str, list[int]], label: str) -> str:
    if label == "special":
        parts = [f"{name}:{','.join(map(str, numbers))}" for name, numbers in rows.items()
                 if name.startswith("special")]
        return "; ".join(parts)
    return ",".join(map(str, rows.get(label, [])))


def _write(sheets: dict[str, tuple[list[str], Iterable[list[t.Any]]]]) -> bytes:
    """A workbook with frozen headers and sensible widths; every text cell neutralised against formulas."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#E8EFF9", "border": 1})
    for name, (headers, rows) in sheets.items():
        sheet = workbook.add_worksheet(name[:31])
        widths = [max(8, len(h) * 2 + 2) for h in headers]
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, bold)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(r, col, value)
                    continue
                text = str(neutralise(str(value)))
                sheet.write_string(r, col, text)
                if r < 200:
                    widths[col] = max(widths[col], min(60, len(text) * 2 + 2))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(width, 60))
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def discrepancy_headers() -> list[str]:
    return [_("Check code"), _("Check"), _("Severity"), _("School"), _("Name"), _("ID number / student number"),
            _("Programme"), _("Amount (yuan)"), _("What was found"), _("Rows in the roster"),
            _("Rows in the system export"), _("Rows in the enrolment list"), _("Rows in special-group lists"),
            _("Rows in the reported figures"), _("Rule")]


def discrepancy_row(d: dict[str, t.Any]) -> list[t.Any]:
    code = d["code"]
    programme = d.get("programme")
    cents = d.get("cents")
    return [
        code, checks.title(code), checks.CHECKS[code].severity.label, d.get("school", ""), d.get("name", ""),
        d.get("key", ""), programme.zh if programme is not None else "",
        float(cents) / 100 if cents is not None else None, checks.describe(code, d.get("params", {})),
        *(_rows_text(d.get("rows", {}), label) for label in INPUT_COLUMNS), checks.rule_text(code),
    ]


def workbook(discrepancies: list[dict[str, t.Any]], *, meta: list[tuple[str, str]],
             counts: dict[str, int] | None = None) -> bytes:
    """Discrepancies, a summary by check, and what was checked against what."""
    counts = counts if counts is not None else _count(discrepancies)
    summary_rows = [[code, checks.title(code), checks.CHECKS[code].severity.label, counts.get(code, 0),
                     checks.rule_text(code)] for code in checks.CHECKS if code in counts]
    return _write({
        _("Discrepancies"): (discrepancy_headers(), (discrepancy_row(d) for d in discrepancies)),
        _("By check"): ([_("Check code"), _("Check"), _("Severity"), _("Discrepancies"), _("Rule")], summary_rows),
        _("About this check"): ([_("Item"), _("Value")], [list(m) for m in meta]),
    })


def _count(discrepancies: list[dict[str, t.Any]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in discrepancies:
        out[d["code"]] = out.get(d["code"], 0) + 1
    return out


def rows_workbook(sheets: dict[str, tuple[list[str], list[list[t.Any]]]]) -> bytes:
    """Original input rows (evidence for a finding), one sheet per input file."""
    return _write({name: (headers, rows) for name, (headers, rows) in sheets.items()})
