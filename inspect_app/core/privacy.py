"""Personal data: resident ID numbers shown masked, and files kept no longer than their retention period.

A resident ID number (居民身份证号, GB 11643-1999) shown anywhere but the roster check itself keeps
its first 4 and last 4 characters: ``610502200801014309`` → ``6105**********4309``. The same
function serves Python code (:func:`mask_id_number`), free text such as a log line or an audit
entry (:func:`mask_id_numbers`) and templates (the ``mask_id`` filter).
"""

from __future__ import annotations

import logging
import re
import time
import typing as t
from pathlib import Path

# 18 characters (17 digits and a digit or X) or a first-generation 15-digit number, not inside
# a longer run of letters or digits (a SHA-256 in hex, an account number).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
KEEP = 4


def mask_id_number(value: t.Any) -> str:
    """The ID number with all but its first and last four characters replaced by ``*``.

    Anything too short to keep eight characters visible is masked whole; ``None`` gives ``""``.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if len(text) <= 2 * KEEP:
        return "*" * len(text)
    return text[:KEEP] + "*" * (len(text) - 2 * KEEP) + text[-KEEP:]


def mask_id_numbers(text: str) -> str:
    """``text`` with every ID number in it masked (see :func:`mask_id_number`)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


def mask_id_numbers_in(value: t.Any) -> t.Any:
    """A JSON-like value (dicts, lists, strings) with every ID number in its strings masked."""
    if isinstance(value, str):
        return mask_id_numbers(value)
    if isinstance(value, dict):
        return {k: mask_id_numbers_in(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_id_numbers_in(v) for v in value]
    return value


class MaskIdNumbers(logging.Filter):
    """A logging filter that masks ID numbers in a record's message and traceback.

    Add it to the logger of code that may log roster values (``log.addFilter(MaskIdNumbers())``),
    or to a handler to cover every logger that reaches it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_id_numbers(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        return True


def purge_files_older_than(folder: str | Path, days: int, *, now: float | None = None) -> list[Path]:
    """Delete the files under ``folder`` last modified more than ``days`` days ago; return them.

    Folders left empty are removed too (``folder`` itself stays). A missing folder is nothing to do.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    root = Path(folder)
    if not root.is_dir():
        return []
    cutoff = (time.time() if now is None else now) - days * 86400
    removed = []
    for path in sorted(root.rglob("*")):
        if (path.is_file() or path.is_symlink()) and path.lstat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    for path in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()
    return removed
