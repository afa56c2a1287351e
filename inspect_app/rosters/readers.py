"""Read rosters and lists from .xlsx, .xls and .csv files into checked, typed tables.

Reading happens in three steps, so that the web page can stop in between and ask:

1. :func:`grids.load_grids` decodes the file (calamine for workbooks; UTF-8 with or without BOM,
   or GB 18030 — a superset of GBK — for CSV) into a grid of cells;
2. :func:`locate_header` finds the header row (title rows above it are common) and guesses each
   header's field from the synonyms and from mappings remembered earlier;
3. :func:`apply_mapping` checks every row and returns a :class:`Table` of text columns keyed by
   field, each row keeping its row number in the file. Any problem in any row refuses the whole
   file, with every problem named by row and column.

Nothing here touches the database.
"""

from __future__ import annotations

import gc
import math
import re
import typing as t
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation
from pathlib import PurePath

import numpy as np
import pandas as pd
from flask_babel import gettext as _

from ..core.spreadsheets import cell_error
from ..errors import ValidationFailed
from ..funds.programmes import Programme
from ..funds.programmes import fold
from ..funds.programmes import parse_programme
from ..funds.programmes import parse_semester
from .cells import CODED_FIELDS
from .cells import Body
from .cells import Column
from .cells import coded_map
from .cells import column_text
from .cells import is_number
from .cells import total_lines
from .fields import FIELD_LABELS
from .fields import KIND_FIELDS
from .fields import KIND_REQUIRED
from .fields import InputKind
from .fields import SpecialGroup
from .fields import guess_field
from .fields import missing_fields
from .fields import parse_group
from .grids import Grid
from .grids import load_grids

HEADER_SEARCH_ROWS = 15
MAX_ERRORS = 200
# An amount above this per student per semester is a typing error, not a grant.
MAX_AMOUNT = Decimal("100000")
_AMOUNT = re.compile(r"^[0-9]+(?:\.[0-9]{1,2})?$")
_TIERS = {
    "1": 1, "一": 1, "一档": 1, "第一档": 1, "一等": 1, "特别困难": 1, "特困": 1, "a": 1,
    "2": 2, "二": 2, "二档": 2, "第二档": 2, "二等": 2, "比较困难": 2, "困难": 2, "b": 2,
    "3": 3, "三": 3, "三档": 3, "第三档": 3, "三等": 3, "一般困难": 3, "c": 3,
}


def parse_tier(text: str) -> int | None:
    """A tier (档次) number, 1 being the highest; None when the text is not a tier."""
    return _TIERS.get(fold(text).lower())


@dataclass
class RawTable:
    """A grid with its header row found and each header's guessed field."""

    kind: InputKind
    filename: str
    grid: Grid
    header_index: int  # 0-based index of the header row in ``grid.rows``
    headers: list[str]
    guessed: dict[str, str]  # header -> field

    @property
    def header_row(self) -> int:
        return self.header_index + 1

    @property
    def missing(self) -> list[tuple[str, ...]]:
        return missing_fields(self.kind, set(self.guessed.values()))


@dataclass
class Table:
    """Checked rows of one input: a ``row`` column (its row number in the file) and one text column per field."""

    kind: InputKind
    filename: str
    frame: pd.DataFrame
    mapping: dict[str, str]
    header_row: int
    sheet: str | None = None
    encoding: str | None = None
    group: SpecialGroup | None = None
    label: str = ""
    #: For some text columns, an integer per row and the distinct texts (``frame[key] == values[codes]``), as
    #: read: the checks compare and fold each distinct text once. A column missing here is factorised anew.
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)


class MappingNeeded(ValidationFailed):
    """The headers do not show where some required field is; the user must say which column holds it."""

    def __init__(self, message: str, raw: RawTable) -> None:
        super().__init__(message)
        self.raw = raw


def _refuse(filename: str, errors: list[str]) -> ValidationFailed:
    details = errors[:MAX_ERRORS]
    if len(errors) > MAX_ERRORS:
        details.append(_("… and %(n)d more.", n=len(errors) - MAX_ERRORS))
    return ValidationFailed(
        _("File “%(file)s” was not read: %(n)d problem(s) found. Nothing was changed.", file=filename,
          n=len(errors)),
        details=details,
    )


# ------------------------------------------------------------------------------------------------
# 2. The header row


def _blank(value: t.Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def locate_header(grids: list[Grid], *, kind: InputKind, filename: str,
                  remembered: dict[str, str] | None = None) -> RawTable:
    """Find the sheet and row holding the headers: the row among the first ones naming most known fields."""
    best: tuple[int, int, int] | None = None  # (score, -sheet index, -row index)
    for g, grid in enumerate(grids):
        for r, row in enumerate(grid.head(HEADER_SEARCH_ROWS)):
            fields = {guess_field(cell, kind, remembered) for cell in row if not _blank(cell)}
            fields.discard(None)
            fields.discard("")
            score = len(fields)
            if score and (best is None or (score, -g, -r) > best):
                best = (score, -g, -r)
    if best is None:
        # Nothing recognised: the first non-empty row of the first non-empty sheet, for the mapping step.
        for g, grid in enumerate(grids):
            for r, row in enumerate(grid.head(HEADER_SEARCH_ROWS)):
                if any(not _blank(c) for c in row):
                    best = (0, -g, -r)
                    break
            if best is not None:
                break
    if best is None:
        raise ValidationFailed(_("File “%(file)s” has no data: every sheet is empty.", file=filename))
    grid, index = grids[-best[1]], -best[2]
    headers = [str(c).strip() if not _blank(c) else "" for c in grid.head(index + 1)[index]]
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = guess_field(header, kind, remembered) if header else None
        if key and key not in taken:
            guessed[header] = key
            taken.add(key)
    return RawTable(kind=kind, filename=filename, grid=grid, header_index=index, headers=headers, guessed=guessed)


# ------------------------------------------------------------------------------------------------
# 3. Rows


def parse_amount(text: str) -> Decimal | None:
    """Yuan written as rosters write them (1,000 / 625.00 / 625元); None when it is not an amount."""
    value = fold(text).replace(",", "").replace("，", "").removesuffix("元").removeprefix("¥").removeprefix("￥")
    if not _AMOUNT.match(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _merged_cells(raw: RawTable, columns: dict[str, int], header_of: dict[str, str], data: tuple[int, int],
                  footer: set[int]) -> list[str]:
    """Merged cells among the data rows (outside total lines), each named by its rows and column."""
    errors = []
    for r0, c0, r1, c1 in raw.grid.merged:
        if r1 < data[0] or r0 > data[1] or all(r in footer for r in range(r0, r1 + 1)):
            continue
        used = [header_of[k] for k, p in columns.items() if c0 <= p <= c1] or [raw.headers[c0] or f"#{c0 + 1}"]
        errors.append(_("Rows %(first)d–%(last)d, column “%(column)s”: merged cells. Unmerge them and fill in "
                        "every row.", first=r0 + 1, last=r1 + 1, column=used[0]))
    return errors


def _column_texts(raw: RawTable, body: Body, columns: dict[str, int], header_of: dict[str, str], numbers: np.ndarray,
                  footer_rows: set[int], all_text: list[bool | None], errors: list[str]) -> dict[str, Column]:
    """Each mapped column's cells as text, total lines emptied; long numbers that lost digits go to ``errors``."""
    height = len(numbers)
    csv_input = raw.grid.fmt == "csv"
    emptied = np.array(sorted(footer_rows), dtype=np.intp)
    cells = body.columns
    out: dict[str, Column] = {}
    for key, position in columns.items():
        column = cells[position] if position < len(cells) else [None] * height
        text_only = all_text[position] if position < len(all_text) else None
        if key in ("id_number", "student_no", "card_no") and not csv_input and not text_only:
            long_numbers = [i for i, v in enumerate(column) if v.__class__ is not str and is_number(v)
                            and abs(v) >= 1e11 and i not in footer_rows]
            for i in long_numbers[:MAX_ERRORS]:
                errors.append(cell_error(int(numbers[i]), header_of[key], _("the number is stored as a number and "
                                                                            "its last digits are lost; format the "
                                                                            "column as text")))
        out[key] = column_text(column, all_text=text_only, emptied=emptied, factorised=body.factorised.get(position),
                               stripped=body.stripped.get(position))
    return out


def _scan(grid: Grid, body: Body) -> tuple[set[int], list[bool | None]]:
    """The total lines (by the distinct cells of the factorised columns, by searching the others joined into one
    string), and whether each column is all text (None where not known)."""
    cells, factorised = body.columns, body.factorised
    footer: set[int] = set()
    all_text: list[bool | None] = [True if grid.all_text else None] * len(cells)
    for position, column in factorised.items():
        all_text[position] = column.all_text
        if not grid.no_totals:
            footer.update(column.footers().tolist())
    if body.footers is not None and body.all_text is not None:
        return footer | body.footers, list(body.all_text)
    if not grid.no_totals:
        others = [p for p in range(len(cells)) if p not in factorised]
        found, text_only = total_lines([cells[p] for p in others])
        footer |= found
        for position, flag in zip(others, text_only, strict=True):
            all_text[position] = flag
    return footer, all_text


def apply_mapping(raw: RawTable, mapping: dict[str, str], *, max_rows: int,
                  group: SpecialGroup | None = None) -> Table:
    """Check every row under ``mapping`` (header -> field) and return the table; any problem refuses the file."""
    kind, filename = raw.kind, raw.filename
    allowed = set(KIND_FIELDS[kind])
    columns: dict[str, int] = {}
    header_of: dict[str, str] = {}
    for position, header in enumerate(raw.headers):
        key = mapping.get(header)
        if key and key in allowed and key not in columns:
            columns[key] = position
            header_of[key] = header
    missing = missing_fields(kind, set(columns))
    if missing:
        names = "、".join(" / ".join(str(FIELD_LABELS[f]) for f in need) for need in missing)
        raise MappingNeeded(_("File “%(file)s”: no column was found for %(fields)s. Say which column holds it.",
                              file=filename, fields=names), raw)

    coded = {position for key, position in columns.items() if key in CODED_FIELDS}
    body = raw.grid.body_columns(raw.header_index + 1, coded, set(columns.values()) - coded)
    height, cells, factorised = body.height, body.columns, body.factorised
    first_row = raw.header_row + 1
    errors: list[str] = []
    data_top, data_bottom = raw.header_index + 1, raw.header_index + height
    footer_rows, all_text = _scan(raw.grid, body)
    footer = {raw.header_index + 1 + i for i in footer_rows}
    errors += _merged_cells(raw, columns, header_of, (data_top, data_bottom), footer)
    if errors:
        raise _refuse(filename, errors)

    # One pass over each column read: its cells as text; total lines count as empty rows.
    numbers = np.arange(first_row, first_row + height, dtype=np.int64)
    texts = _column_texts(raw, body, columns, header_of, numbers, footer_rows, all_text, errors)
    del body, cells, factorised
    filled = np.zeros(height, dtype=bool)
    for text in texts.values():
        filled |= ~text.blank()
        if filled.all():
            break
    if not filled.all():
        numbers = numbers[filled]
        texts = {key: text.take(filled) for key, text in texts.items()}
    # Text columns stay plain object arrays of str: no string dtype to infer here and convert back in the checks.
    series = {key: pd.Series(text.text, dtype=object, copy=False) for key, text in texts.items()}
    frame = pd.DataFrame({"row": numbers, **series}, copy=False)
    for key in allowed - set(columns):
        frame[key] = pd.Series(np.full(len(frame), "", dtype=object), index=frame.index, dtype=object, copy=False)
    if frame.empty and not errors:
        raise ValidationFailed(_("File “%(file)s” has a header row but no data rows.", file=filename))
    if len(frame) > max_rows:
        raise ValidationFailed(_("File “%(file)s” has %(n)d rows; at most %(max)d can be checked at once.",
                                 file=filename, n=len(frame), max=max_rows))
    errors += _check_rows(frame, texts, kind, header_of)
    if errors:
        raise _refuse(filename, errors)
    _type_columns(frame, kind)
    if kind == InputKind.SPECIAL and group is None:
        group = _group_of(frame, raw)
    return Table(kind=kind, filename=filename, frame=frame, mapping={h: k for k, h in header_of.items()},
                 header_row=raw.header_row, sheet=raw.grid.sheet, encoding=raw.grid.encoding, group=group,
                 codes={key: (text.codes, text.values) for key, text in texts.items()
                        if text.codes is not None and text.values is not None})


def _amounts(frame: pd.DataFrame, column: Column, flag: t.Callable[[np.ndarray, str, str], None]) -> Column:
    """Each distinct amount parsed once; the whole fen come out of the same pass."""
    if column.codes is None or column.values is None:
        codes, written = pd.factorize(column.text)
    else:
        codes, written = column.codes, column.values
    parsed = np.empty(len(written) + 1, dtype=object)
    parsed[:-1] = [parse_amount(v) for v in written]
    unreadable = np.array([a is None for a in parsed], dtype=bool)
    unreadable[:-1] &= written != ""
    flag(unreadable[codes], "amount", _("not an amount in yuan with at most two decimals"))
    out_of_range = np.array([a is not None and (a <= 0 or a > MAX_AMOUNT) for a in parsed], dtype=bool)
    flag(out_of_range[codes], "amount", _("must be more than 0 and at most %(max)s yuan", max=MAX_AMOUNT))
    amounts = Column(parsed[codes], codes, parsed)
    frame["amount"] = pd.Series(amounts.text, index=frame.index, dtype=object, copy=False)
    frame["cents"] = np.array([int(a * 100) if isinstance(a, Decimal) else 0 for a in parsed],
                              dtype=np.int64)[codes]
    return amounts


def _programmes(frame: pd.DataFrame, texts: dict[str, Column],
                flag: t.Callable[[np.ndarray, str, str], None]) -> Column:
    """Each distinct pair of programme and level parsed once."""
    name_codes, name_values = _codes(texts["programme"])
    if "level" in texts:
        level_codes, level_values = _codes(texts["level"])
    else:
        level_codes, level_values = np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object)
    pair_codes, pairs = pd.factorize(name_codes.astype(np.int64) * (len(level_values) + 1) + level_codes)
    found = np.empty(len(pairs), dtype=object)
    for i, pair in enumerate(pairs.tolist()):
        name, level_text = divmod(pair, len(level_values) + 1)
        found[i] = parse_programme(name_values[name], level_values[level_text]) if name_values[name] else None
    known = np.array([p is not None for p in found], dtype=bool)
    flag(~known[pair_codes] & ~texts["programme"].blank(), "programme",
         _("not a programme this check knows (%(known)s)", known="、".join(p.zh for p in Programme)))
    programmes = Column(found[pair_codes], pair_codes, found)
    frame["programme"] = pd.Series(programmes.text, index=frame.index, dtype=object, copy=False)
    return programmes


def _codes(column: Column) -> tuple[np.ndarray, np.ndarray]:
    if column.codes is None or column.values is None:
        return pd.factorize(column.text)
    return column.codes, column.values


def _check_rows(frame: pd.DataFrame, texts: dict[str, Column], kind: InputKind,
                header_of: dict[str, str]) -> list[str]:
    errors: list[tuple[int, str]] = []
    row_numbers = frame["row"].to_numpy()

    def flag(mask: np.ndarray, key: str, reason: str) -> None:
        if not mask.any():
            return
        for row_no in row_numbers[mask].tolist()[:MAX_ERRORS]:
            errors.append((row_no, cell_error(row_no, header_of.get(key, str(FIELD_LABELS[key])), reason)))

    for need in KIND_REQUIRED[kind]:
        present = [k for k in need if k in header_of]
        empty = np.logical_and.reduce([texts[k].blank() for k in present])
        if empty.any():
            reason = _("empty; every row needs %(fields)s", fields=" / ".join(str(FIELD_LABELS[k]) for k in need))
            flag(empty, present[0], reason)
    # A parsed column replaces its text, coded as the text was.
    if "amount" in header_of:
        texts["amount"] = _amounts(frame, texts["amount"], flag)
    if "headcount" in header_of:
        text = frame["headcount"]
        bad = (text != "") & ~text.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
        flag(bad.to_numpy(), "headcount", _("not a whole number of people"))
    if "programme" in header_of:
        texts["programme"] = _programmes(frame, texts, flag)
    if "semester" in header_of:
        parsed = coded_map(texts["semester"], lambda s: parse_semester(s) if s else None)
        flag(~texts["semester"].blank() & parsed.missing(), "semester",
             _("not a semester; write it like 2023春 or 2023年秋季学期"))
        frame["semester"] = pd.Series(parsed.text, index=frame.index, dtype=object, copy=False)
        texts["semester"] = parsed
    if "tier" in header_of:
        tiers = coded_map(texts["tier"], lambda s: parse_tier(s) if s else None)
        flag(~texts["tier"].blank() & tiers.missing(), "tier", _("not a tier; write 一档, 二档 or 三档"))
        frame["tier"] = pd.Series(tiers.text, index=frame.index, dtype=object, copy=False)
        texts["tier"] = tiers
    errors.sort(key=lambda e: e[0])
    return [message for _row, message in errors]


def _type_columns(frame: pd.DataFrame, kind: InputKind) -> None:
    """Amounts as whole fen (exact integers), headcounts as integers, the rest stays text."""
    if "cents" not in frame:  # :func:`_check_rows` gives them with the amounts
        frame["cents"] = np.zeros(len(frame), dtype=np.int64)
    if kind == InputKind.REPORTED:
        frame["headcount"] = frame["headcount"].map(lambda s: int(s) if s else 0).astype(np.int64)
    for key in ("programme", "semester", "tier"):
        if key in frame:
            values = frame[key].to_numpy(dtype=object)
            # A parsed column holds no text: only a column the file did not have is all "".
            if not len(values) or (isinstance(values[0], str) and values[0] == "" and (values == "").all()):
                frame[key] = None


def _group_of(frame: pd.DataFrame, raw: RawTable) -> SpecialGroup:
    """A special list's group: from its 类别 column when all rows agree, else its sheet or file name."""
    if "group" in frame:
        values = {v for v in frame["group"] if v}
        groups = {parse_group(v) for v in values}
        if len(groups) == 1 and None not in groups:
            return t.cast(SpecialGroup, groups.pop())
    for text in (raw.grid.sheet or "", PurePath(raw.filename).stem):
        found = parse_group(text)
        if found:
            return found
    return SpecialGroup.OTHER


def read_table(data: bytes, *, filename: str, kind: InputKind, max_bytes: int, max_rows: int,
               remembered: dict[str, str] | None = None, mapping: dict[str, str] | None = None,
               group: SpecialGroup | None = None) -> Table:
    """Decode, find the headers and check every row of one input file.

    Cyclic garbage collection is paused meanwhile: a workbook of 100,000 rows is read as as many fresh
    lists, which would set off full collections walking every object of the process, though lists of
    cells hold no cycles; they are dropped before collection resumes.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _read(data, filename=filename, kind=kind, max_bytes=max_bytes, max_rows=max_rows,
                     remembered=remembered, mapping=mapping, group=group)
    finally:
        if paused:
            gc.enable()


def _read(data: bytes, *, filename: str, kind: InputKind, max_bytes: int, max_rows: int,
          remembered: dict[str, str] | None, mapping: dict[str, str] | None, group: SpecialGroup | None) -> Table:
    grids = load_grids(data, filename=filename, max_bytes=max_bytes)
    raw = locate_header(grids, kind=kind, filename=filename, remembered=remembered)
    chosen = dict(raw.guessed)
    if mapping:
        chosen = {h: k for h, k in chosen.items() if h not in mapping}
        chosen.update({h: k for h, k in mapping.items() if k})
    return apply_mapping(raw, chosen, max_rows=max_rows, group=group)


def empty_frame(kind: InputKind) -> pd.DataFrame:
    """A table of ``kind`` with no rows (for tests and callers building tables by hand)."""
    frame = pd.DataFrame({"row": np.array([], dtype=np.int64)})
    for key in KIND_FIELDS[kind]:
        frame[key] = pd.Series([], dtype=object)
    frame["cents"] = np.array([], dtype=np.int64)
    return frame
