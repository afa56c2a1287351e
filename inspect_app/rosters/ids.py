"""Resident identity numbers (GB 11643-1999): normalise, validate, read birth date and sex.

One number at a time (:func:`check_id`) for forms and tests, and a whole column at a time
(:func:`check_ids`) for rosters of 100,000 rows. Both apply the same rules:

- full-width digits become ASCII, a lower-case ``x`` becomes ``X``, blanks go;
- a 15-digit number of the 1980s–90s is converted to 18 digits (``19`` inserted, check computed);
- the result must match ``^\\d{17}[\\dX]$`` and its check character must be the ISO 7064
  MOD 11-2 one (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, ``"10X98765432"[S mod 11]``);
- digits 7–14 must be a real date, not after the day of the check;
- the first two digits should be a province (or 81/82/83 for residence permits) — a warning only,
  since the published validators disagree on area codes.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
# Full-width digits and letters as typed by Chinese input methods.
_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "ｘ": "X", "Ｘ": "X", "x": "X",
                       "\u3000": "", " ": "", "\t": "", "\u00a0": ""})

# Problems, in the order they are looked for; the first one found is the one reported.
FORMAT, CHECKSUM, DATE, AREA = "format", "checksum", "date", "area"


def check_char(first17: str) -> str:
    """The MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * int(w) for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    """ASCII digits, upper-case X, no blanks; a 15-digit number converted to 18."""
    value = str(raw).translate(_WIDE).strip()
    if len(value) == 15 and value.isascii() and value.isdigit():
        first17 = value[:6] + "19" + value[6:]
        return first17 + check_char(first17)
    return value


@dataclass(frozen=True)
class IdCheck:
    number: str
    problem: str | None
    expected: str | None = None
    birth: date | None = None
    male: bool | None = None

    @property
    def valid(self) -> bool:
        """Usable as an identity: the only possible problem left is an unknown area code."""
        return self.problem in (None, AREA)


def check_id(raw: str, *, today: date | None = None) -> IdCheck:
    """Check one number; ``problem`` is None, or one of format, checksum, date, area."""
    today = today or date.today()
    number = normalise(raw)
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit() or number[17] not in "0123456789X":
        return IdCheck(number, FORMAT)
    expected = check_char(number[:17])
    if number[17] != expected:
        return IdCheck(number, CHECKSUM, expected=expected)
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdCheck(number, DATE)
    if birth > today:
        return IdCheck(number, DATE)
    male = int(number[16]) % 2 == 1
    if number[:2] not in PROVINCES:
        return IdCheck(number, AREA, birth=birth, male=male)
    return IdCheck(number, None, birth=birth, male=male)


_PROVINCE_TABLE = np.zeros(100, dtype=bool)
_PROVINCE_TABLE[[int(p) for p in PROVINCES]] = True
_CHECK_CODES = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
# The earliest birth date a datetime64[ns] column holds (pd.Timestamp.min is 1677-09-21 00:12).
_EARLIEST = np.datetime64("1677-09-22", "D")


def _translated(texts: list[str]) -> list[str]:
    """``text.translate(_WIDE)`` of each text, as one string when no text holds the separator (ASCII goes fast)."""
    joined = "\x1e".join(texts)
    if not texts or joined.count("\x1e") != len(texts) - 1:
        return [text.translate(_WIDE) for text in texts]
    return joined.translate(_WIDE).split("\x1e")


def check_ids(raw: pd.Series, *, today: date) -> pd.DataFrame:
    """Check a column of numbers at once.

    Returns a frame on the same index with ``number`` (normalised), ``problem`` (None or a
    problem name), ``expected`` (the right check character when it is wrong, else None), ``birth``
    (datetime64, NaT when unknown) and ``male`` (bool, meaningful where ``birth`` is set). The
    18-character numbers are checked as one matrix of bytes; a birth date before 1677-09-22,
    which the column cannot hold, counts as not a real date.
    """
    checked = check_id_arrays(raw.to_numpy(dtype=object), today=today)
    for extra in ("filled", "given", "ident", "born"):
        del checked[extra]
    return pd.DataFrame(checked, index=raw.index)


def check_id_arrays(raw: np.ndarray, *, today: date, rules: bool = True) -> dict[str, t.Any]:
    """:func:`check_ids` as arrays, for callers that need no frame, with ``filled`` (True where the cell is not ""),
    ``given`` (True where the normalised number is not ""), ``ident`` (a well-formed number as one integer,
    equal for equal numbers; -1 for any other) and ``born`` (the birth date as yyyymmdd where ``birth`` is set,
    else -1). With ``rules=False`` the numbers are only normalised: no problem, birth date or sex is worked out
    (for a file whose people are only matched)."""
    fast = _ascii_eighteen(raw)
    cells: np.ndarray | None
    if fast is not None:  # the numbers are as given
        number = raw
        lengths, cells = fast
        filled = lengths > 0
    else:
        filled = np.asarray(raw != "", dtype=bool)
        numbers = _translated([v if v.__class__ is str else str(v) for v in raw])
        lengths = np.fromiter(map(len, numbers), dtype=np.int64, count=len(numbers))
        for i in np.flatnonzero(lengths == 15).tolist():
            numbers[i] = normalise(numbers[i])
            lengths[i] = len(numbers[i])
        number = np.array(numbers, dtype=object)
        cells = None
    count = len(number)
    out: dict[str, np.ndarray] = {
        "number": number, "problem": np.full(count, None, dtype=object), "expected": np.full(count, None, dtype=object),
        "birth": np.full(count, np.datetime64("NaT"), dtype="datetime64[ns]"), "male": np.zeros(count, dtype=bool),
        "filled": filled, "given": lengths > 0, "ident": np.full(count, -1, dtype=np.int64),
        "born": np.full(count, -1, dtype=np.int64)}
    rows = np.flatnonzero(lengths == 18)
    out["problem"][lengths != 18] = FORMAT
    if len(rows):
        if cells is None:
            # One byte per character: anything not ASCII becomes "?", which no rule below accepts.
            cells = np.frombuffer("".join([number[i] for i in rows.tolist()]).encode("ascii", "replace"),
                                  dtype=np.uint8).reshape(len(rows), 18)
        _check_matrix(cells, rows, today, out, rules)
    return out


_FAST_SEPARATOR = "\x00"


def _ascii_eighteen(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For a column of text that normalising leaves as it is (ASCII, no blank, no x, no 15-digit number), the
    length of each cell and the 18-character cells as a matrix of bytes, from one string of the whole column;
    None for any other column."""
    try:
        joined = _FAST_SEPARATOR.join(raw)
    except TypeError:
        return None
    if (not joined.isascii() or joined.count(_FAST_SEPARATOR) != len(raw) - 1 or " " in joined or "\t" in joined
            or "x" in joined):
        return None
    data = np.frombuffer(joined.encode("ascii") + b"\x00", dtype=np.uint8)
    ends = np.flatnonzero(data == 0)
    lengths = np.diff(ends, prepend=-1) - 1
    if (lengths == 15).any():
        return None
    if (lengths == 18).all():
        return lengths, data.reshape(len(raw), 19)[:, :18]
    starts = ends[lengths == 18] - 18
    return lengths, data[starts[:, None] + np.arange(18)]


def _check_matrix(cells: np.ndarray, rows: np.ndarray, today: date, out: dict[str, np.ndarray],
                  rules: bool = True) -> None:
    """The rules for the 18-character numbers ``cells`` (one row of bytes each) at positions ``rows`` of ``out``.

    Every rule is worked out for every number at once; a number takes the problem of the first rule it breaks.
    A well-formed number is also given as one integer (``ident``: its first 17 digits and check character).
    """
    shifted = cells[:, :17] - np.uint8(48)  # a byte below "0" wraps round to above 9
    last = cells[:, 17]
    well = (shifted <= 9).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == 88))
    digits = shifted.astype(np.int64)
    ident = (digits @ _POWERS) * 11 + np.where(last == 88, 10, last.astype(np.int64) - 48)
    out["ident"][rows[well]] = ident[well]
    if not rules:
        return
    right_code = _CHECK_CODES[(digits @ WEIGHTS) % 11]
    wrong = well & (right_code != last)
    ymd = digits[:, 6:14] @ _YMD
    year, month, day = ymd // 10000, ymd // 100 % 100, ymd % 100
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    days = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + (leap & (month == 2))
    real = well & month_ok & (day >= 1) & (day <= days) & (year >= 1)
    since_epoch = _days_from_civil(year, month, day)
    good = well & ~wrong & real & (since_epoch >= _EARLIEST_DAY) & (since_epoch <= _day_number(today))
    problem = out["problem"]
    problem[rows[~well]] = FORMAT
    problem[rows[wrong]] = CHECKSUM
    out["expected"][rows[wrong]] = [chr(c) for c in right_code[wrong].tolist()]
    problem[rows[well & ~wrong & ~good]] = DATE
    out["birth"][rows[good]] = since_epoch[good].astype("datetime64[D]").astype("datetime64[ns]")
    out["male"][rows[good]] = digits[:, 16][good] % 2 == 1
    province = _PROVINCE_TABLE[np.minimum(digits[:, 0] * 10 + digits[:, 1], 99)]  # a malformed number: any
    problem[rows[good & ~province]] = AREA
    out["born"][rows[good]] = ymd[good]


_YMD = 10 ** np.arange(7, -1, -1, dtype=np.int64)
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (meaningful where the date is real)."""
    year = year - (month <= 2)
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468


def _day_number(day: date) -> int:
    return int(np.datetime64(day, "D").astype(np.int64))


_EARLIEST_DAY = int(_EARLIEST.astype(np.int64))


def age_on(birth: t.Any, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def ages_on(births: pd.Series, day: date) -> pd.Series:
    """Whole years of age on ``day`` for a datetime column (NaN where unknown)."""
    years = day.year - births.dt.year
    before_birthday = (births.dt.month > day.month) | ((births.dt.month == day.month) & (births.dt.day > day.day))
    return years - before_birthday.astype("float64")
