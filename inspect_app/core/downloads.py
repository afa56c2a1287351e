"""Downloads sent as they are made, whatever their size: CSV a chunk of rows at a time, a workbook from a file.

CSV goes out as a generator of text: the rows are read a chunk at a time (each chunk, when the response is
sent after the request is over, in an application context of its own) and never held all at once. A
workbook cannot be sent before it is finished, so it is written to a temporary file, sent a block at a time,
and the file removed. Every value goes through ``neutralise``: text that a spreadsheet would read as a
formula is not one.
"""

from __future__ import annotations

import csv
import io
import tempfile
import typing as t
import unicodedata
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from urllib.parse import quote

from flask import Response

from .spreadsheets import neutralise

CSV_MIME = "text/csv; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLOCK_SIZE = 256 * 1024


def safe_row(row: Iterable[t.Any]) -> list[t.Any]:
    """The row's values with formulas neutralised."""
    return [neutralise(value) for value in row]


def csv_text(headers: Sequence[t.Any], chunks: Iterable[Iterable[Sequence[t.Any]]]) -> Iterator[str]:
    """CSV text, UTF-8 with a byte-order mark for Excel: the header line, then each chunk of rows as it comes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(headers))
    yield "\ufeff" + buffer.getvalue()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(safe_row(row) for row in rows)
        if buffer.tell():
            yield buffer.getvalue()


def csv_response(lines: Iterable[str], filename: str) -> Response:
    """A CSV download streamed from ``lines`` (see :func:`csv_text`)."""
    result = Response(lines, mimetype=CSV_MIME)
    name_attachment(result, filename)
    return result


def file_response(write: t.Callable[[t.IO[bytes]], object], *, mimetype: str, filename: str) -> Response:
    """The download of what ``write`` writes to a file (a workbook): written to a temporary file first, then
    sent a block at a time with its length, and the file removed once sent."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the stream closes it once sent
    try:
        write(spool)
    except BaseException:
        spool.close()
        raise
    size = spool.tell()
    spool.seek(0)
    result = Response(_blocks(spool), mimetype=mimetype, direct_passthrough=True)
    name_attachment(result, filename)
    result.content_length = size
    return result


def name_attachment(response: Response, filename: str) -> None:
    """Send ``response`` as a download named ``filename``, in any language (RFC 6266: a plain ASCII name
    for old clients, the real one percent-encoded for the rest), as ``send_file`` does."""
    try:
        filename.encode("ascii")
        names = {"filename": filename}
    except UnicodeEncodeError:
        plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        names = {"filename": plain, "filename*": f"UTF-8''{quote(filename, safe='!#$&+^`|~')}"}
    response.headers.set("Content-Disposition", "attachment", **names)


def _blocks(spool: t.IO[bytes], size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """The temporary file's bytes, then the file closed (and so removed)."""
    try:
        while block := spool.read(size):
            yield block
    finally:
        spool.close()
