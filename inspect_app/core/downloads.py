"""Sending a file written to a temporary file: in blocks, the file closed (and so removed) once sent."""

from __future__ import annotations

import typing as t
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response

BLOCK = 256 * 1024


def file_blocks(spool: t.IO[bytes], size: int = BLOCK) -> Iterator[bytes]:
    """The temporary file's bytes, then the file closed."""
    try:
        while block := spool.read(size):
            yield block
    finally:
        spool.close()


def spooled_download(spool: t.IO[bytes], *, filename: str, mimetype: str) -> Response:
    """Send ``spool`` from its current position to its end as an attachment named ``filename`` (any language)."""
    start = spool.tell()
    spool.seek(0, 2)
    size = spool.tell() - start
    spool.seek(start)
    response = Response(file_blocks(spool), mimetype=mimetype, direct_passthrough=True)
    response.content_length = size
    try:
        filename.encode("ascii")
        names = {"filename": filename}
    except UnicodeEncodeError:
        # RFC 6266: a plain name for old clients, the real one percent-encoded for the rest.
        plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        names = {"filename": plain, "filename*": f"UTF-8''{quote(filename, safe='!#$&+^`|~')}"}
    response.headers.set("Content-Disposition", "attachment", **names)
    return response
