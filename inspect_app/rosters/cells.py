"""Step 3a of reading a roster: a grid's cells as text, a column at a time.

A column of 100,000 cells is walked as few times as possible: joined into one string once (which
finds the total lines and tells a column of text from one with numbers or dates in it), then
stripped. A column of a field with few distinct values (schools, programmes, amounts …) is
factorised instead: each distinct cell is made text once, and the integer codes go with the
column, so that the reader and the checks parse and compare each distinct text once. Nothing
here touches the database.
"""

from __future__ import annotations

import itertools
import math
import operator
import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import numpy as np
import pandas as pd

from ..funds.programmes import fold

#: Fields whose columns hold few distinct values, each parsed or folded once: read as codes of their distinct texts.
CODED_FIELDS = frozenset({"school", "school_code", "level", "grade", "programme", "semester", "amount", "tier",
                          "sex", "status", "group"})
_FOOTERS = frozenset({"合计", "总计", "小计", "合计:", "总计:"})
_SEPARATOR = "\x1e"
# The types of the cells calamine gives; of them only numbers of different types can be equal.
_NUMBERS = frozenset({bool, int, float})
_PLAIN = _NUMBERS | {str, type(None), datetime, date, time, timedelta}


def is_footer(row: list[t.Any]) -> bool:
    """A total line (合计, 总计, 小计) under the data: skipped, not checked."""
    return any(isinstance(c, str) and "计" in c and fold(c) in _FOOTERS for c in row)


def total_lines(columns: list[t.Sequence[t.Any]]) -> tuple[set[int], list[bool]]:
    """The indices of the rows that :func:`is_footer` calls total lines, found a column at a time, and for
    each column whether all its cells are text (a column joins into one string only then)."""
    found: set[int] = set()
    all_text = []
    for values in columns:
        try:
            joined = _SEPARATOR.join(values)
            all_text.append(True)
        except TypeError:
            joined = _SEPARATOR.join(itertools.compress(values, map(isinstance, values, itertools.repeat(str))))
            all_text.append(False)
        if "计" in joined:
            found.update(i for i, v in enumerate(values) if isinstance(v, str) and "计" in v and fold(v) in _FOOTERS)
    return found, all_text


def cell_text(value: t.Any) -> str:
    """A cell as the text it shows: numbers without a spurious ``.0``, dates as ISO dates, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(round(value, 6)) if abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def texts(values: t.Sequence[t.Any]) -> list[str]:
    """:func:`cell_text` of each cell; a column of text (every column of a CSV file) in one step."""
    try:
        return [v.strip() for v in values]
    except AttributeError:
        pass
    numbers: dict[float, str] = {}
    out = []
    for v in values:
        if v.__class__ is str:
            out.append(v.strip())
        elif v.__class__ is float:
            text = numbers.get(v)
            if text is None:
                text = numbers[v] = cell_text(v)
            out.append(text)
        else:
            out.append(cell_text(v))
    return out


def is_number(value: t.Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def objects(values: t.Sequence[t.Any]) -> np.ndarray:
    """The cells as a one-dimensional object array (a list of cells is copied once; an array is kept)."""
    if isinstance(values, np.ndarray) and values.dtype == object:
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass
class Column:
    """One column's cells as text, row by row; for a column of :data:`CODED_FIELDS` also ``codes``
    (one integer per row) into ``values`` (its distinct texts), so that ``text == values[codes]``."""

    text: np.ndarray
    codes: np.ndarray | None = None
    values: np.ndarray | None = None

    def blank(self) -> np.ndarray:
        """True where the cell is empty."""
        if self.codes is not None and self.values is not None:
            return (self.values == "")[self.codes]
        return self.text == ""

    def missing(self) -> np.ndarray:
        """True where the value is None (a text that could not be parsed)."""
        if self.codes is not None and self.values is not None:
            return np.asarray(pd.isna(self.values), dtype=bool)[self.codes]
        return np.asarray(pd.isna(self.text), dtype=bool)

    def take(self, keep: np.ndarray) -> Column:
        """The rows where ``keep`` is True."""
        if self.codes is None:
            return Column(self.text[keep])
        return Column(self.text[keep], self.codes[keep], self.values)


@dataclass
class Factorised:
    """A column's distinct cells (``uniques``) and each row's code into them (-1 for None and NaN)."""

    codes: np.ndarray
    uniques: np.ndarray

    @classmethod
    def of(cls, values: t.Sequence[t.Any]) -> Factorised:
        codes, uniques = pd.factorize(objects(values))
        return cls(codes, uniques)

    @property
    def all_text(self) -> bool:
        """Every cell is text."""
        return not (self.codes < 0).any() and all(u.__class__ is str for u in self.uniques)

    def one_kind(self, values: t.Sequence[t.Any]) -> bool:
        """Equal cells read the same, so the column can be made text a distinct cell at a time: a column of
        text (and empty cells), or of cells whose numbers are all of one type. (1, 1.0 and True are equal
        yet read "1", "1" and "TRUE"; factorising keeps only the first of them, so the cells are looked at.)"""
        if all(u.__class__ is str for u in self.uniques):
            missing = np.flatnonzero(self.codes < 0)
            return not len(missing) or all(v is None or v.__class__ is float for v in objects(values)[missing])
        kinds = set(map(type, values))
        return kinds <= _PLAIN and len(kinds & _NUMBERS) <= 1

    def footers(self) -> np.ndarray:
        """The rows that are total lines by this column's cell (see :func:`is_footer`)."""
        found = [i for i, v in enumerate(self.uniques) if isinstance(v, str) and "计" in v and fold(v) in _FOOTERS]
        return np.flatnonzero(np.isin(self.codes, found)) if found else np.zeros(0, dtype=np.intp)


#: Rows read a block at a time: a block's cells (about 1 KB a row) stay in the processor's cache while each
#: of its columns is taken and factorised.
BLOCK_ROWS = 2048


@dataclass
class Body:
    """The data rows of a grid column by column, the columns of few-valued fields ``factorised``; for a grid
    read a block of rows at a time also whether each column is all text, the total lines found in the columns
    not factorised, and the text columns asked for already ``stripped``."""

    height: int
    columns: list[t.Sequence[t.Any]]
    factorised: dict[int, Factorised]
    all_text: list[bool] | None = None
    footers: set[int] | None = None
    stripped: dict[int, np.ndarray] = field(default_factory=dict)


def _footers_in(values: list[t.Any], offset: int) -> tuple[bool, set[int]]:
    """Whether ``values`` are all text, and the total lines among them (numbered from ``offset``)."""
    try:
        joined = _SEPARATOR.join(values)
        text_only = True
    except TypeError:
        joined = _SEPARATOR.join(itertools.compress(values, map(isinstance, values, itertools.repeat(str))))
        text_only = False
    if "计" not in joined:
        return text_only, set()
    return text_only, {offset + i for i, v in enumerate(values)
                       if isinstance(v, str) and "计" in v and fold(v) in _FOOTERS}


def factorised_rows(body: list[list[t.Any]], width: int, coded: set[int], strip: set[int]) -> Body:
    """The columns of rows of equal length (lists; object arrays at the positions ``coded``), taken a block
    of rows at a time: the ``coded`` columns factorised as :meth:`Factorised.of` would (codes in order of
    first appearance), the others searched for total lines, and those at ``strip`` stripped when all text."""
    n = len(body)
    columns: list[t.Any] = [np.empty(n, dtype=object) if c in coded else [] for c in range(width)]
    seen: dict[int, dict[t.Any, int]] = {c: {} for c in coded}
    codes = {c: np.empty(n, dtype=np.intp) for c in coded}
    text_only = [True] * width
    footers: set[int] = set()
    stripped = {c: np.empty(n, dtype=object) for c in strip if c not in coded}
    getters = [operator.itemgetter(c) for c in range(width)]
    for start in range(0, n, BLOCK_ROWS):
        block = body[start:start + BLOCK_ROWS]
        stop = start + len(block)
        for c, getter in enumerate(getters):
            if c not in coded:
                piece = list(map(getter, block))
                columns[c].extend(piece)
                text, found = _footers_in(piece, start)
                text_only[c] = text_only[c] and text
                footers |= found
                if c in stripped and text_only[c]:
                    stripped[c][start:stop] = np.fromiter(map(str.strip, piece), dtype=object, count=len(piece))
                continue
            values = np.fromiter(map(getter, block), dtype=object, count=len(block))
            columns[c][start:stop] = values
            local, uniques = pd.factorize(values)
            index = seen[c]
            known = np.array([index.setdefault(u, len(index)) for u in uniques.tolist()] + [-1], dtype=np.intp)
            codes[c][start:stop] = known[local]  # -1 (None, NaN) stays -1
    factorised = {c: Factorised(codes[c], objects(list(seen[c]))) for c in coded}
    return Body(n, columns, factorised, [factorised[c].all_text if c in coded else text_only[c] for c in range(width)],
                footers, {c: a for c, a in stripped.items() if text_only[c]})


def column_text(values: t.Sequence[t.Any], *, all_text: bool | None, emptied: np.ndarray,
                factorised: Factorised | None = None, stripped: np.ndarray | None = None) -> Column:
    """A column's cells as text (``all_text`` says whether every cell is text already; None: not known), coded
    when it comes ``factorised``, or already ``stripped``; the rows ``emptied`` (total lines) become ""."""
    if factorised is None:
        if stripped is not None:
            text = stripped
        elif all_text:
            text = np.fromiter(map(str.strip, values), dtype=object, count=len(values))
        else:
            text = objects(texts(values))
        if len(emptied):
            text[emptied] = ""
        return Column(text)
    if factorised.one_kind(values):
        # Cells that read the same (" 500" and "500", 500.0 and 500.0) are one text: the texts are factorised again.
        canonical, uniques = pd.factorize(objects([cell_text(v) for v in factorised.uniques] + [""]))
        codes = canonical[factorised.codes]  # code -1 (an empty cell) takes the last: ""
    else:
        codes, uniques = pd.factorize(objects(texts(values)))
    if len(emptied):
        where = np.flatnonzero(uniques == "")
        if len(where):
            empty = int(where[0])
        else:
            uniques = np.concatenate([uniques, objects([""])])
            empty = len(uniques) - 1
        codes[emptied] = empty
    return Column(uniques[codes], codes, uniques)


def map_unique(series: pd.Series, func: t.Callable[[t.Any], t.Any]) -> pd.Series:
    """``series.map(func)``, calling ``func`` once per distinct value (rosters repeat a few values a lot)."""
    values = series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    results = np.empty(len(uniques) + 1, dtype=object)
    for i, value in enumerate(uniques):
        results[i] = func(value)
    out = results[codes]
    missing = np.flatnonzero(codes < 0)
    if len(missing):  # None, NaN, NaT: each kind as it is (factorize would make them all NaN)
        kinds: dict[type, t.Any] = {}
        for i in missing.tolist():
            kind = type(values[i])
            if kind not in kinds:
                kinds[kind] = func(values[i])
            out[i] = kinds[kind]
    return pd.Series(out, index=series.index, dtype=object)


def coded_map(column: Column, func: t.Callable[[str], t.Any]) -> Column:
    """``func`` of each row's text, called once per distinct text: a column of the results, coded as the text."""
    codes, values = column.codes, column.values
    if codes is None or values is None:
        codes, values = pd.factorize(column.text)
    results = np.empty(len(values), dtype=object)
    results[:] = [func(v) for v in values]
    return Column(results[codes], codes, results)
