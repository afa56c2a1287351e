"""Small tables for the check tests, read through the same reader as real files."""

from __future__ import annotations

import csv
import io
import typing as t
from datetime import date

from inspect_app.funds.programmes import Semester
from inspect_app.funds.standards import StandardsTable
from inspect_app.rosters import checks
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.ids import check_char
from inspect_app.rosters.readers import Table
from inspect_app.rosters.readers import read_table

SPRING_2023 = Semester(2023, False)
TODAY = date(2026, 11, 27)
ROSTER_HEADERS = ["姓名", "身份证号", "学校标识码", "学校名称", "资助项目", "学期", "发放金额"]


def person(birth: str, seq: str = "001", area: str = "610503") -> str:
    """A valid ID number born on ``birth`` (YYYYMMDD)."""
    body = area + birth + seq
    return body + check_char(body)


# A primary boarder, a junior boarder and a senior student of the right ages for 2023春.
PUPIL = person("20120510", "011")
JUNIOR = person("20090301", "021")
SENIOR = person("20060915", "031")
CHILD = person("20180601", "041")


def csv_bytes(headers: list[str], rows: t.Sequence[t.Sequence[t.Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def table(kind: InputKind, headers: list[str], rows: t.Sequence[t.Sequence[t.Any]], *, label: str = "",
          filename: str = "t.csv") -> Table:
    result = read_table(csv_bytes(headers, rows), filename=filename, kind=kind, max_bytes=10**7, max_rows=10**6)
    result.label = label or kind.value
    return result


def roster(*rows: t.Sequence[t.Any], headers: list[str] | None = None) -> Table:
    return table(InputKind.ROSTER, headers or ROSTER_HEADERS, rows)


def row(name: str, number: str, programme: str = "小学寄宿生生活补助", amount: str = "500",
        school: str = "2161030001", school_name: str = "华州第一小学", semester: str = "2023春") -> list[str]:
    return [name, number, school, school_name, programme, semester, amount]


def run(roster_table: Table, **kw: t.Any) -> checks.CheckResult:
    return checks.run_checks(checks.CheckInputs(semester=SPRING_2023, roster=roster_table,
                                                standards=StandardsTable.shipped(), today=TODAY, **kw))


def codes(result: checks.CheckResult) -> list[str]:
    return [d["code"] for d in result.discrepancies]
