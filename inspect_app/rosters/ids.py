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


def check_ids(raw: pd.Series, *, today: date) -> pd.DataFrame:
    """Check a column of numbers at once.

    Returns a frame on the same index with ``number`` (normalised), ``problem`` (None or a
    problem name), ``expected`` (the right check character when it is wrong), ``birth``
    (datetime64, NaT when unknown) and ``male`` (bool, meaningful where ``birth`` is set).
    """
    numbers = raw.astype(str).str.translate(_WIDE)
    short = numbers.str.len() == 15
    if short.any():
        numbers = numbers.where(~short, numbers[short].map(normalise))
    out = pd.DataFrame({"number": numbers, "problem": pd.Series(None, index=raw.index, dtype=object),
                        "expected": pd.Series(None, index=raw.index, dtype=object)})
    well_formed = numbers.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    out.loc[~well_formed, "problem"] = FORMAT
    birth = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    male = pd.Series(False, index=raw.index)
    if well_formed.any():
        ok = numbers[well_formed]
        raw_digits = np.frombuffer("".join(s[:17] for s in ok).encode("ascii"), dtype=np.uint8)
        digits = raw_digits.reshape(len(ok), 17).astype(np.int64) - 48
        expected = np.array(list(CHECK_CHARS))[(digits @ WEIGHTS) % 11]
        actual = ok.str[17].to_numpy()
        wrong = expected != actual
        wrong_index = ok.index[wrong]
        out.loc[wrong_index, "problem"] = CHECKSUM
        out.loc[wrong_index, "expected"] = expected[wrong]
        right = ok[~wrong]
        dates = pd.to_datetime(right.str[6:14], format="%Y%m%d", errors="coerce")
        bad_date = dates.isna() | (dates > pd.Timestamp(today))
        out.loc[right.index[bad_date.to_numpy()], "problem"] = DATE
        good = right.index[~bad_date.to_numpy()]
        birth.loc[good] = dates[~bad_date]
        male.loc[good] = right.loc[good].str[16].astype(int) % 2 == 1
        area_bad = ~right.loc[good].str[:2].isin(PROVINCES)
        out.loc[good[area_bad.to_numpy()], "problem"] = AREA
    out["birth"] = birth
    out["male"] = male
    return out


def age_on(birth: t.Any, day: date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def ages_on(births: pd.Series, day: date) -> pd.Series:
    """Whole years of age on ``day`` for a datetime column (NaN where unknown)."""
    years = day.year - births.dt.year
    before_birthday = (births.dt.month > day.month) | ((births.dt.month == day.month) & (births.dt.day > day.day))
    return years - before_birthday.astype("float64")
