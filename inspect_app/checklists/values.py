"""Answer values by question type: what a valid answer looks like, and its stored form.

Used by the importer (for ``default`` values) and by visits (for every answer). Values are
stored as text, in the forms XLSForm uses: a select_multiple answer is its choice names separated
by spaces, a date ``YYYY-MM-DD``, a time ``HH:MM`` (or ``HH:MM:SS``), a date and time
``YYYY-MM-DDTHH:MM`` in Asia/Shanghai local time, a location "latitude longitude [altitude
[accuracy]]", an acknowledgement ``OK``.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal
from decimal import InvalidOperation

from .models import ItemType

MAX_TEXT = 4000
INTEGER_LIMIT = 10**12
ACKNOWLEDGED = "OK"
_INTEGER = re.compile(r"-?\d+", re.ASCII)
_TIME = re.compile(r"\d{2}:\d{2}(?::\d{2})?", re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?", re.ASCII)


class BadValue(ValueError):
    """An answer that does not fit its question; ``kind`` names the rule it breaks."""

    def __init__(self, kind: str, value: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.value = value


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# One branch per question type: the stored form of every type, the one rule the server and imports share.
def normalise(item_type: ItemType, raw: str | None, choice_names: set[str] | None = None) -> str | None:  # noqa: C901
    """Check ``raw`` against ``item_type`` and return it in stored form (None when blank)."""
    value = (raw or "").strip()
    if value == "":
        return None
    if item_type == ItemType.SELECT_ONE:
        if value not in (choice_names or set()):
            raise BadValue("choice", value)
        return value
    if item_type == ItemType.SELECT_MULTIPLE:
        picked = value.split()
        unknown = [v for v in picked if v not in (choice_names or set())]
        if unknown:
            raise BadValue("choice", " ".join(unknown))
        return " ".join(dict.fromkeys(picked))
    if item_type == ItemType.INTEGER:
        if not _INTEGER.fullmatch(value) or abs(int(value)) >= INTEGER_LIMIT:
            raise BadValue("integer", value)
        return str(int(value))
    if item_type == ItemType.DECIMAL:
        number = _decimal(value)
        if number is None or abs(number) >= INTEGER_LIMIT or "e" in value.lower():
            raise BadValue("decimal", value)
        return str(number)
    if item_type == ItemType.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise BadValue("date", value) from exc
    if item_type == ItemType.TIME:
        try:
            if not _TIME.fullmatch(value):
                raise ValueError(value)
            parsed = time.fromisoformat(value)
        except ValueError as exc:
            raise BadValue("time", value) from exc
        return parsed.isoformat("minutes" if parsed.second == 0 else "seconds")
    if item_type == ItemType.DATETIME:
        try:
            if not _DATETIME.fullmatch(value):
                raise ValueError(value)
            parsed_dt = datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError as exc:
            raise BadValue("datetime", value) from exc
        return parsed_dt.isoformat(timespec="minutes" if parsed_dt.second == 0 else "seconds")
    if item_type == ItemType.GEOPOINT:
        parts = value.replace(",", " ").split()
        numbers = [_decimal(p) for p in parts]
        if not 2 <= len(parts) <= 4 or any(n is None for n in numbers):
            raise BadValue("geopoint", value)
        lat, lon = numbers[0], numbers[1]
        assert lat is not None and lon is not None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or any(abs(n) >= INTEGER_LIMIT for n in numbers if n):
            raise BadValue("geopoint", value)
        return " ".join(str(n) for n in numbers)
    if item_type == ItemType.ACKNOWLEDGE:
        if value != ACKNOWLEDGED:
            raise BadValue("acknowledge", value)
        return value
    if item_type in (ItemType.TEXT, ItemType.CALCULATE, ItemType.HIDDEN):
        if len(value) > MAX_TEXT:
            raise BadValue("text_length", value)
        return value
    raise BadValue("not_answerable", value)
