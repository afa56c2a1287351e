"""The tables a roster check compares, made ready: the semester's rows, each with its person key and school key.

:mod:`.checks` runs the checks on these frames; its inputs and result are defined here.
"""

from __future__ import annotations

import re
import typing as t
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date

import numpy as np
import pandas as pd

from ..funds.programmes import Programme
from ..funds.programmes import Semester
from ..funds.programmes import fold
from ..funds.programmes import fold_series
from ..funds.standards import StandardsTable
from . import ids as idnum
from .readers import Table
from .readers import map_unique


@dataclass
class CheckInputs:
    semester: Semester
    roster: Table
    standards: StandardsTable
    today: date
    system: Table | None = None
    enrolment: Table | None = None
    specials: Sequence[Table] = ()
    reported: Table | None = None


@dataclass
class CheckResult:
    """The discrepancies, one dict each (see :data:`COLUMNS`), and counts about the inputs."""

    discrepancies: list[dict[str, t.Any]]
    semester: Semester
    rows: dict[str, int] = field(default_factory=dict)          # input label -> rows read
    other_semester: dict[str, int] = field(default_factory=dict)  # input label -> rows of other semesters
    checked: list[str] = field(default_factory=list)             # codes that ran
    roster_totals: list[dict[str, t.Any]] = field(default_factory=list)  # per school and programme
    # Per school: paid people checked and those with a discrepancy of PRECISION_CODES, special-group
    # members entitled and those of them not paid (see precision_counts); counts only, no names.
    precision: list[dict[str, t.Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.discrepancies:
            out[d["code"]] = out.get(d["code"], 0) + 1
        return out


COLUMNS = ("code", "school", "school_key", "key", "name", "programme", "cents", "params", "rows")

ACTIVE_STATUSES = frozenset({"在籍", "在读", "在校", "正常", "注册", "有学籍", "在籍在校", "正常在校", "在校生"})
SEX = {"男": True, "m": True, "male": True, "1": True, "女": False, "f": False, "female": False, "2": False}


_G_NUMBER = re.compile(r"G[0-9]{17}[0-9X]")


def each_object(values: np.ndarray, func: t.Callable[[t.Any], t.Any]) -> np.ndarray:
    """``func`` of each cell, called once per distinct object.

    The reader parses each distinct text once, so the cells of a parsed column (programmes,
    semesters) share a few objects; telling them apart by identity needs no hashing or comparing.
    """
    if not len(values):
        return np.empty(0, dtype=object)
    identity = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
    _ids, first, inverse = np.unique(identity, return_index=True, return_inverse=True)
    results = np.empty(len(first), dtype=object)
    for i, position in enumerate(first.tolist()):
        results[i] = func(values[position])
    return results[inverse.reshape(-1)]


def text_values(column: pd.Series) -> np.ndarray:
    """``column.astype(str)`` as an object array, without converting a column that holds only text already."""
    values = column.to_numpy(dtype=object)
    try:
        "".join(values)
    except TypeError:
        return column.astype(str).to_numpy(dtype=object)
    return values


def tier_amount(by_tier: dict[int, int], value: t.Any) -> int | None:
    """The standard's amount (cents) of the tier a row names; None when it names none."""
    if value is None or pd.isna(value):
        return None
    return by_tier.get(int(value))


def _keys(frame: pd.DataFrame, today: date) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """The matching key of each row (normalised ID number, else student number) and the ID check of each row."""
    ids = text_values(frame["id_number"])
    student = frame["student_no"].to_numpy(dtype=object)
    if (student == "").all():
        source = ids
    else:
        student = fold_series(frame["student_no"]).str.upper().to_numpy(dtype=object)
        g_ids = np.array([s[1:] if _G_NUMBER.fullmatch(s) else "" for s in student], dtype=object)
        source = np.where(ids != "", ids, g_ids)
    checked = idnum.check_id_arrays(source, today=today)
    has_source = source != ""
    key = np.where(has_source, checked["number"], np.where(student != "", "学籍:" + student, ""))
    return pd.Series(key, index=frame.index, dtype=object), checked


def school_columns(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """A label to show and a key to match schools by (the 10-digit code when given, else the folded name)."""
    name = pd.Series(text_values(frame["school"]), dtype=object)
    code = map_unique(pd.Series(text_values(frame["school_code"]), dtype=object), fold).to_numpy(dtype=object)
    label = np.where(name != "", name, code)
    key = np.where(code != "", code, map_unique(name, fold).to_numpy(dtype=object))
    return pd.Series(label, index=frame.index, dtype=object), pd.Series(key, index=frame.index, dtype=object)


def prepare(table: Table, semester: Semester, today: date, result: CheckResult, label: str) -> pd.DataFrame:
    frame = table.frame
    result.rows[label] = len(frame)
    if "semester" in frame and frame["semester"].notna().any():
        other = each_object(frame["semester"].to_numpy(dtype=object),
                             lambda s: not pd.isna(s) and bool(s != semester)).astype(bool)
        if other.any():
            result.other_semester[label] = int(other.sum())
            frame = frame[~other]
    frame = frame.copy(deep=False)  # copy-on-write: the columns added below leave the table's frame alone
    frame["key"], checked = _keys(frame, today)
    frame["id_problem"] = checked["problem"]
    frame["id_expected"] = checked["expected"]
    frame["birth"] = checked["birth"]
    frame["male"] = checked["male"]
    frame["school_label"], frame["school_key"] = school_columns(frame)
    return frame


def programme_zh(value: t.Any) -> str:
    return value.zh if isinstance(value, Programme) else ""


class Out:
    def __init__(self) -> None:
        self.items: list[dict[str, t.Any]] = []

    def add(self, code: str, *, school: str = "", school_key: str = "", key: str = "", name: str = "",
            programme: Programme | None = None, cents: int | None = None, params: dict[str, t.Any] | None = None,
            rows: dict[str, list[int]] | None = None) -> None:
        self.items.append({"code": code, "school": school, "school_key": school_key, "key": key, "name": name,
                           "programme": programme, "cents": cents, "params": params or {}, "rows": rows or {}})

    def add_rows(self, code: str, frame: pd.DataFrame, label: str,
                 params: t.Callable[[t.Any], dict[str, t.Any]]) -> None:
        """One discrepancy per row of ``frame``."""
        for row in frame.itertuples(index=False):
            self.add(code, school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                     programme=row.programme, cents=int(row.cents), params=params(row), rows={label: [int(row.row)]})


def grouped_rows(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Row numbers, schools, names and amounts gathered per group."""
    return frame.groupby(by, sort=False).agg(
        rows=("row", list), schools=("school_label", list), school_keys=("school_key", list),
        names=("name", list), cents=("cents", "sum"), n=("row", "size"),
    ).reset_index()


def prepare_specials(inputs: CheckInputs, result: CheckResult) -> list[tuple[str, str, pd.DataFrame]]:
    """The special-group lists as (label, group, rows of the semester)."""
    prepared = []
    for index, table in enumerate(inputs.specials, start=1):
        label = table.label or f"special{index}"
        frame = prepare(table, inputs.semester, inputs.today, result, label)
        prepared.append((label, (table.group.zh if table.group else ""), frame))
    return prepared


def prepare_reported(table: Table, semester: Semester, result: CheckResult) -> pd.DataFrame:
    """The reported figures of the semester (all of them when the table names no semester), with schools."""
    reported = table.frame
    result.rows["reported"] = len(reported)
    if "semester" in reported and reported["semester"].notna().any():
        reported = reported[reported["semester"].isna() | (reported["semester"] == semester)]
    reported = reported.copy()
    reported["school_label"], reported["school_key"] = school_columns(reported)
    return reported
