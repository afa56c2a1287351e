"""Step 1 of reading a roster: decode the file into grids of cells, one per sheet (or one for a CSV file).

Workbooks go through calamine (.xlsx and .xls); CSV files are UTF-8 with or without BOM, or
GB 18030 — a superset of GBK — as China's systems export them. Nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import io
import typing as t
from pathlib import PurePath

import pandas as pd
from flask_babel import gettext as _
from python_calamine import CalamineWorkbook

from ..core.spreadsheets import check_unpacked
from ..errors import ValidationFailed
from .cells import Body
from .cells import Factorised
from .cells import factorised_rows

EXTENSIONS = (".xlsx", ".xls", ".csv")


class Grid:
    """The cells of one sheet (or a CSV file), top-left at row 1, column 1.

    A workbook's sheet is kept as calamine gives it, row by row; a CSV file as pandas' reader
    gives it, column by column. Either shape is made from the other when it is asked for.
    """

    def __init__(self, rows: list[list[t.Any]] | None = None, merged: list[tuple[int, int, int, int]] | None = None,
                 sheet: str | None = None, encoding: str | None = None, fmt: str = "xlsx",
                 columns: list[t.Sequence[t.Any]] | None = None, height: int = 0) -> None:
        self._rows = rows
        self._columns = columns
        self._height = len(rows) if rows is not None else height
        self.merged = merged or []  # 0-based (r0, c0, r1, c1)
        self.no_totals = False  # True when the file cannot hold a total line (no 计 anywhere in it)
        self.all_text = False  # True when every cell is text (a CSV file read by pandas' C reader)
        self.sheet = sheet
        self.encoding = encoding
        self.fmt = fmt

    def __len__(self) -> int:
        return self._height

    @property
    def rows(self) -> list[list[t.Any]]:
        if self._rows is None:
            columns = self._columns or []
            self._rows = [list(r) for r in zip(*columns, strict=True)] if columns else [[] for _ in range(self._height)]
        return self._rows

    def head(self, n: int) -> list[list[t.Any]]:
        """The first ``n`` rows."""
        if self._rows is not None or not self._columns:
            return self.rows[:n]
        return [list(r) for r in zip(*(c[:n] for c in self._columns), strict=True)]

    def body_columns(self, start: int, coded: t.Collection[int] = (), strip: t.Collection[int] = ()) -> Body:
        """The rows from row index ``start`` on, column by column (short rows padded), the columns at the
        positions ``coded`` factorised (and kept as object arrays), those at ``strip`` stripped where it is cheap
        (a workbook's, read a block of rows at a time)."""
        if self._columns is not None:
            columns = [c[start:] for c in self._columns]
            return Body(max(self._height - start, 0), columns,
                        {p: Factorised.of(columns[p]) for p in sorted(coded) if p < len(columns)})
        body = self.rows[start:]
        width = max(map(len, body), default=0)
        if not body or not width:
            return Body(len(body), [], {}, [], set())
        if min(map(len, body)) < width:
            body = [r + [None] * (width - len(r)) if len(r) < width else r for r in body]
        return factorised_rows(body, width, {p for p in coded if p < width}, {p for p in strip if p < width})


def decode_text(data: bytes, *, filename: str) -> tuple[str, str]:
    """Decode a CSV: UTF-8 with or without BOM, UTF-16 with BOM, else GB 18030 (which contains GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, "gbk" if encoding == "gb18030" and _is_gbk(data) else encoding
    raise _not_text(filename)


def _not_text(filename: str) -> ValidationFailed:
    return ValidationFailed(_("File “%(file)s” is not text in UTF-8 or GBK and cannot be read as CSV.", file=filename))


def _is_gbk(data: bytes) -> bool:
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


_SAMPLE_BYTES = 1 << 16
_SAMPLE_LINES = 100


def _delimiter(first_line: str) -> str:
    return max((",", "\t", ";", "|"), key=first_line.count)


def _csv_candidates(data: bytes) -> list[str]:
    """The encodings to try, in order, as :func:`decode_text` tries them; UTF-8 is ruled out on a sample.

    Where GBK decodes a file, GB 18030 decodes it to the same text, so trying GBK before GB 18030
    reads the same text and names the encoding as :func:`decode_text` does, in one pass.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return ["utf-8-sig"]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data[:_SAMPLE_BYTES], final=len(data) <= _SAMPLE_BYTES)
    except UnicodeDecodeError:
        return ["gbk", "gb18030"]
    return ["utf-8", "gbk", "gb18030"]


def _csv_grid(data: bytes, *, filename: str) -> Grid:
    """Parse a CSV file with pandas' C reader in the first encoding that decodes all of it.

    Every cell stays text; blank lines are kept so that row numbers are the file's. A file the C
    reader cannot take (a line with more cells than the first hundred) and UTF-16 go through
    :func:`decode_text` and the csv module instead.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return _csv_grid_text(data, filename=filename)
    for encoding in _csv_candidates(data):
        try:
            sample = codecs.getincrementaldecoder(encoding)().decode(data[:_SAMPLE_BYTES])
            head = sample.split("\n", _SAMPLE_LINES)[:_SAMPLE_LINES]
            delimiter = _delimiter(head[0])
            width = max((len(r) for r in csv.reader(head, delimiter=delimiter)), default=1)
            frame = pd.read_csv(io.BytesIO(data), header=None, names=range(max(width, 1)), index_col=False,
                                dtype=object, na_filter=False, skip_blank_lines=False, encoding=encoding,
                                sep=delimiter, engine="c")
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, csv.Error, ValueError):
            return _csv_grid_text(data, filename=filename)
        columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
        grid = Grid(columns=columns, height=len(frame), encoding=encoding, fmt="csv")
        # A cell holding 计 holds its bytes: without them no line can be a total line.
        grid.no_totals = "计".encode(encoding.removesuffix("-sig")) not in data
        grid.all_text = True
        return grid
    raise _not_text(filename)


def _csv_grid_text(data: bytes, *, filename: str) -> Grid:
    text, encoding = decode_text(data, filename=filename)
    delimiter = _delimiter(text.split("\n", 1)[0])
    rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    return Grid(rows=t.cast(list[list[t.Any]], rows), encoding=encoding, fmt="csv")


def _workbook_grids(data: bytes, *, filename: str, max_bytes: int) -> list[Grid]:
    is_zip = data[:4] == b"PK\x03\x04"
    is_ole = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if not (is_zip or is_ole):
        raise ValidationFailed(_("File “%(file)s” is not an Excel workbook (.xlsx or .xls).", file=filename))
    if is_zip:
        check_unpacked(data, filename=filename, max_bytes=max_bytes,
                       not_workbook=_("File “%(file)s” is not an Excel workbook (.xlsx or .xls).", file=filename))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = []
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            rows = sheet.to_python(skip_empty_area=False)
            merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            grids.append(Grid(rows=rows, merged=merged, sheet=name, fmt="xls" if is_ole else "xlsx"))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise ValidationFailed(_("File “%(file)s” could not be read as a workbook: %(reason)s", file=filename,
                                 reason=str(exc)[:200])) from exc
    return grids


def load_grids(data: bytes, *, filename: str, max_bytes: int) -> list[Grid]:
    """Decode an upload into one grid per sheet (one for a CSV file), refusing anything else."""
    if len(data) > max_bytes:
        raise ValidationFailed(_("File “%(file)s” is %(size)s KB; the limit is %(limit)s KB.", file=filename,
                                 size=len(data) // 1024, limit=max_bytes // 1024))
    suffix = PurePath(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValidationFailed(_("File “%(file)s” is not a spreadsheet: use .xlsx, .xls or .csv.", file=filename))
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise ValidationFailed(_("File “%(file)s” is empty.", file=filename))
    if suffix == ".csv":
        return [_csv_grid(data, filename=filename)]
    return _workbook_grids(data, filename=filename, max_bytes=max_bytes)
