"""Writing an archive as a .zip, file by file, in bounded memory.

The index (目录.xlsx) comes first; then each stored file is copied from the ``uploads`` store in
blocks and each written document is made and added in turn, so memory holds one document or one
block at a time, never the archive. The .zip goes to a file: a temporary one for a download, the
job's file in the background, the named file on the command line.
"""

from __future__ import annotations

import typing as t
import zipfile
from collections.abc import Callable
from collections.abc import Iterator

from ..core import storage
from . import sheets
from .collect import Archive

BLOCK = 256 * 1024
INDEX_NAME = "00-目录.xlsx"


def index_sheet(archive: Archive) -> bytes:
    """目录.xlsx: one row per file of the archive, in the order of its folders."""
    rows = [[n, entry.section, entry.title, entry.when, entry.source, entry.path]
            for n, entry in enumerate(archive.entries, start=1)]
    about: list[list[t.Any]] = [["学校", f"{archive.school.name}（{archive.school.code}）"],
                                ["学期", archive.term.long_zh], ["文件数", len(archive.entries)]]
    return sheets.workbook([
        ("目录", ["序号", "类别", "项目", "日期", "来源", "文件"], rows, [6, 16, 40, 12, 28, 60]),
        ("说明", ["项目", "内容"], about, [12, 60]),
    ])


def _blocks(archive: Archive, zf: zipfile.ZipFile,
            progress: Callable[[int, int], None] | None = None) -> Iterator[None]:
    """Write the archive into ``zf``, pausing after each block so that a caller may pass the bytes on."""
    total = len(archive.entries) + 1
    zf.writestr(INDEX_NAME, index_sheet(archive))
    yield
    uploads = storage.area("uploads")
    for number, entry in enumerate(archive.entries, start=2):
        info = zipfile.ZipInfo(entry.path, date_time=_stamp(entry))
        info.compress_type = zipfile.ZIP_DEFLATED
        if entry.key is not None:
            with uploads.open(entry.key) as source, zf.open(info, "w", force_zip64=True) as target:
                while block := source.read(BLOCK):
                    target.write(block)
                    yield
        else:
            assert entry.make is not None
            with zf.open(info, "w", force_zip64=True) as target:
                target.write(entry.make())
        if progress is not None:
            progress(number, total)
        yield


def _stamp(entry: t.Any) -> tuple[int, int, int, int, int, int]:
    when = entry.when
    if when is None or when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (when.year, when.month, when.day, 0, 0, 0)


def write(archive: Archive, out: t.IO[bytes], progress: Callable[[int, int], None] | None = None) -> None:
    """Write the archive's .zip to ``out``."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for _ in _blocks(archive, zf, progress):
            pass
