"""The tables a roster check compares, made ready: the semester's rows, each with its person key and school key.

:mod:`.checks` runs the checks on these frames; its inputs and result are defined here.
"""

from __future__ import annotations

import collections
import functools
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


def _keys(frame: pd.DataFrame, today: date, rules: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The matching key of each row (normalised ID number, else student number) and the ID check of each row,
    with ``keyed`` (the key is not "") and ``has_id`` (the ID number cell is not "")."""
    ids = frame["id_number"].to_numpy(dtype=object)
    student = frame["student_no"].to_numpy(dtype=object)
    if (student == "").all():
        checked = idnum.check_id_arrays(ids, today=today, rules=rules)
        checked["has_id"], given = checked["filled"], checked["given"]
        # Where the cell is not "" but its number normalised is (blanks only), the key is "" too.
        checked["keyed"] = given
        if given.all():
            return checked["number"], checked
        checked["ident"] = np.where(given, checked["ident"], -1)
        return np.where(given, checked["number"], ""), checked
    ids = text_values(frame["id_number"])
    student = fold_series(frame["student_no"]).str.upper().to_numpy(dtype=object)
    g_ids = np.array([s[1:] if _G_NUMBER.fullmatch(s) else "" for s in student], dtype=object)
    source = np.where(ids != "", ids, g_ids)
    checked = idnum.check_id_arrays(source, today=today, rules=rules)
    has_source = source != ""
    key = np.where(has_source, checked["number"], np.where(student != "", "学籍:" + student, ""))
    checked["ident"] = np.where(has_source, checked["ident"], -1)
    checked["has_id"] = ids != ""
    checked["keyed"] = key != ""
    return key, checked


def _codes_of(table: Table, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column and its distinct values (``values[codes]`` is the column), as read or anew."""
    if key in table.codes:
        return table.codes[key]
    return pd.factorize(table.frame[key].to_numpy(dtype=object))


def school_columns(frame: pd.DataFrame, table: Table | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A label to show and a key to match schools by (the 10-digit code when given, else the folded name), and
    an integer code of the key; each distinct pair of name and code is folded once."""
    if table is not None and frame is table.frame:
        name_codes, names = _codes_of(table, "school")
        code_codes, codes = _codes_of(table, "school_code")
    else:
        name_codes, names = pd.factorize(text_values(frame["school"]))
        code_codes, codes = pd.factorize(text_values(frame["school_code"]))
    names = np.array([str(v) for v in names], dtype=object)  # text, as text_values makes it
    codes = np.array([str(v) for v in codes], dtype=object)
    pair_codes, pairs = pd.factorize(name_codes.astype(np.int64) * (len(codes) + 1) + code_codes)
    labels = np.empty(len(pairs), dtype=object)
    keys = np.empty(len(pairs), dtype=object)
    for i, pair in enumerate(pairs.tolist()):
        name, code = names[pair // (len(codes) + 1)], fold(codes[pair % (len(codes) + 1)])
        labels[i] = name if name != "" else code
        keys[i] = code if code != "" else fold(name)
    key_codes, _keys_seen = pd.factorize(keys)
    return labels[pair_codes], keys[pair_codes], key_codes[pair_codes]


def programme_codes(table: Table, frame: pd.DataFrame) -> np.ndarray:
    """The index of each row's programme in :class:`Programme` (-1 where there is none)."""
    index = {p: i for i, p in enumerate(Programme)}
    if "programme" not in frame:
        return np.full(len(frame), -1, dtype=np.int64)
    if "programme" in table.codes and frame is table.frame:
        codes, values = table.codes["programme"]
        return np.array([index.get(v, -1) if isinstance(v, Programme) else -1 for v in values],
                        dtype=np.int64)[codes] if len(values) else np.zeros(len(codes), dtype=np.int64)
    return each_object(frame["programme"].to_numpy(dtype=object),
                       lambda v: index.get(v, -1) if isinstance(v, Programme) else -1).astype(np.int64)


def tier_numbers(table: Table, frame: pd.DataFrame) -> np.ndarray:
    """Each row's tier number (-1 where it names none)."""
    def number(value: t.Any) -> int:
        return -1 if value is None or pd.isna(value) else int(value)

    if "tier" in table.codes and frame is table.frame:
        codes, values = table.codes["tier"]
        return np.array([number(v) for v in values] + [-1], dtype=np.int64)[codes]
    return each_object(frame["tier"].to_numpy(dtype=object), number).astype(np.int64)


def _other_semester(table: Table, semester: Semester) -> np.ndarray | None:
    """True for the rows of another semester; None when no row names one."""
    frame = table.frame
    if "semester" not in frame:
        return None
    if "semester" in table.codes:
        codes, values = table.codes["semester"]
        named = np.array([not pd.isna(v) for v in values], dtype=bool)
        if not named[codes].any():
            return None
        return np.array([not pd.isna(v) and bool(v != semester) for v in values], dtype=bool)[codes]
    if not frame["semester"].notna().any():
        return None
    return each_object(frame["semester"].to_numpy(dtype=object),
                       lambda s: not pd.isna(s) and bool(s != semester)).astype(bool)


def prepare(table: Table, semester: Semester, today: date, result: CheckResult, label: str, *,
            id_rules: bool = True) -> pd.DataFrame:
    """The rows of ``semester`` with their key (``keyed`` where there is one; ``ki``: the key as one integer where it
    is a well-formed ID number, else -1), ID check (``has_id`` where the cell is
    not ""), school label and key, integer codes of programme (``pc``, see :func:`programme_codes`) and school
    (``sc``), and the sex a row states (``sex_given``; ``sex_male`` 1, 0 or -1 when unknown). With
    ``id_rules=False`` the ID numbers are only normalised (no problem, birth date or sex: for a file whose people
    are only matched)."""
    frame = table.frame
    result.rows[label] = len(frame)
    other = _other_semester(table, semester)
    if other is not None and other.any():
        result.other_semester[label] = int(other.sum())
    key, checked = _keys(frame, today, id_rules)
    labels, keys, codes = school_columns(frame, table)
    added: dict[str, t.Any] = {
        "key": key, "id_problem": checked["problem"], "id_expected": checked["expected"], "birth": checked["birth"],
        "male": checked["male"], "born": checked["born"], "school_label": labels, "school_key": keys,
        "keyed": checked["keyed"], "ki": checked["ident"], "has_id": checked["has_id"],
        "pc": programme_codes(table, frame), "sc": codes}
    if "tier" in frame:
        added["tier_no"] = tier_numbers(table, frame)
    if "sex" in frame:
        sex_codes, sexes = _codes_of(table, "sex")
        added["sex_given"] = np.asarray(sexes != "", dtype=bool)[sex_codes]
        stated = [SEX.get(fold(s).lower()) for s in sexes]
        added["sex_male"] = np.array([-1 if v is None else int(v) for v in stated], dtype=np.int8)[sex_codes]
    # A new frame of the table's columns and the added ones: the table's frame is left alone, nothing is copied.
    frame = pd.DataFrame({**{c: frame[c] for c in frame.columns},
                          **{c: pd.Series(v, index=frame.index, dtype=v.dtype, copy=False) for c, v in added.items()}},
                         index=frame.index, copy=False)
    if other is not None and other.any():
        frame = frame[~other]
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
                 params: t.Callable[[t.Any], dict[str, t.Any]], at: np.ndarray | None = None,
                 extra: tuple[str, ...] = ()) -> None:
        """One discrepancy per row of ``frame`` (the rows at the positions ``at`` when given; ``extra`` names the
        other columns ``params`` reads)."""
        rows = frame.itertuples(index=False) if at is None else records(frame, at, extra)
        for row in rows:
            self.add(code, school=row.school_label, school_key=row.school_key, key=row.key, name=row.name,
                     programme=row.programme, cents=int(row.cents), params=params(row), rows={label: [int(row.row)]})


#: The columns of a prepared frame a discrepancy shows.
RECORD = ("row", "name", "key", "programme", "cents", "school_label", "school_key")


@functools.lru_cache(maxsize=32)
def _record(columns: tuple[str, ...]) -> t.Any:
    return collections.namedtuple("Record", columns)


def records(frame: pd.DataFrame, at: np.ndarray, extra: tuple[str, ...] = ()) -> list[t.Any]:
    """The rows at the positions ``at`` as named tuples of :data:`RECORD` and ``extra`` (a few rows of a frame
    of many columns, without taking every column)."""
    columns = RECORD + tuple(c for c in extra if c not in RECORD)
    if not len(at):
        return []
    make = _record(columns)._make
    return [make(values) for values in zip(*(frame[c].to_numpy()[at].tolist() for c in columns), strict=True)]


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
    labels, keys, _codes = school_columns(reported)
    reported["school_label"] = pd.Series(labels, index=reported.index, dtype=object)
    reported["school_key"] = pd.Series(keys, index=reported.index, dtype=object)
    return reported
