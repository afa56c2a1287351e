"""The Python evaluator of expression trees (:mod:`expressions` parses them); ``static/js/expressions.js`` is its twin.

Values are strings, numbers (floats) and booleans, converted as XPath 1.0 converts them, with
these rules pinned down where ODK's engines disagree:

- an answer is its string; a blank or hidden question is ``""``;
- ``=`` and ``!=`` compare as booleans if either side is a boolean, else as numbers if either
  side is a number, else as strings; ``!=`` is always the negation of ``=``;
- ``<``, ``<=``, ``>``, ``>=`` and arithmetic convert both sides to numbers;
- converting a string to a number: a decimal numeral gives its value; ``YYYY-MM-DD`` gives days
  since 1970-01-01, ``YYYY-MM-DDTHH:MM[:SS]`` days with the time as a fraction, ``HH:MM[:SS]``
  a fraction of a day (so dates and times compare and subtract); anything else, and blank, is
  NaN. So a blank number compared with a number is false for ``=``, ``<``, ``>`` …, and true for
  ``!=`` (JavaRosa's answer, not Enketo's);
- ``regex(s, pattern)`` matches the whole string (ODK Collect), ASCII classes (``\\d`` is 0-9);
- ``selected(list, v)`` splits the list on spaces; ``string-length`` counts characters.
"""

from __future__ import annotations

import math
import re
import typing as t
from dataclasses import dataclass
from datetime import date

from .expressions import WHITESPACE
from .expressions import Node

Value = str | float | bool

_NUMERAL = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?", re.ASCII)
_TIME = re.compile(r"(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?", re.ASCII)
_EPOCH = date(1970, 1, 1).toordinal()


class Context(t.Protocol):
    today: str

    def lookup(self, name: str) -> str: ...

    def column(self, name: str) -> str: ...

    @property
    def current(self) -> str: ...


@dataclass
class SimpleContext:
    """Values by question name, the question's own value and today's date (``YYYY-MM-DD``)."""

    values: dict[str, str]
    today: str
    current: str = ""
    choice: dict[str, str] | None = None

    def lookup(self, name: str) -> str:
        return self.values.get(name) or ""

    def column(self, name: str) -> str:
        return str((self.choice or {}).get(name) or "")


def _days(year: int, month: int, day: int) -> float:
    try:
        return float(date(year, month, day).toordinal() - _EPOCH)
    except ValueError:
        return math.nan


def to_number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float | int):
        return float(value)
    text = value.strip(" \t\r\n")
    if _NUMERAL.fullmatch(text):
        return float(text)
    if m := _DATE.fullmatch(text):
        return _days(int(m[1]), int(m[2]), int(m[3]))
    if m := _DATETIME.fullmatch(text):
        hours, minutes, seconds = int(m[4]), int(m[5]), float(m[6] or 0)
        if hours > 23 or minutes > 59 or seconds >= 60:
            return math.nan
        return _days(int(m[1]), int(m[2]), int(m[3])) + (hours * 3600 + minutes * 60 + seconds) / 86400
    if m := _TIME.fullmatch(text):
        hours, minutes, seconds = int(m[1]), int(m[2]), float(m[3] or 0)
        if hours > 23 or minutes > 59 or seconds >= 60:
            return math.nan
        return (hours * 3600 + minutes * 60 + seconds) / 86400
    return math.nan


def to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    # The shortest round-trip form, written as JavaScript's String(n) writes it.
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", repr(number))


def to_boolean(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value != ""
    number = float(value)
    return not (number == 0 or math.isnan(number))


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return to_boolean(a) == to_boolean(b)
    if isinstance(a, float | int) or isinstance(b, float | int):
        return to_number(a) == to_number(b)
    return a == b


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _modulo(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)


def _tokens(value: Value) -> list[str]:
    return [v for v in WHITESPACE.split(to_string(value)) if v]


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _regex(text: str, pattern: str) -> bool:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        try:
            compiled = _PATTERNS[pattern] = re.compile(pattern, re.ASCII)
        except re.error:
            return False
    return compiled.fullmatch(text) is not None


def _round(number: float, digits: float) -> float:
    """``round(x[, digits])``: halves round up (towards +infinity), as XPath's round() does."""
    if math.isnan(digits):
        return math.nan
    if not math.isfinite(number):
        return number
    scale = 10.0 ** max(-300, min(300, int(digits) if math.isfinite(digits) else (300 if digits > 0 else -300)))
    shifted = number * scale + 0.5
    if not math.isfinite(shifted):
        return number
    return math.floor(shifted) / scale


def _substr(text: str, start: float, end: float) -> str:
    """JavaRosa's ``substr(s, start[, end])``: characters from ``start`` to before ``end``, counted from 0."""
    if math.isnan(start) or math.isnan(end):
        return ""
    n = len(text)
    first = max(0, min(n, int(start))) if math.isfinite(start) else (0 if start < 0 else n)
    last = max(0, min(n, int(end))) if math.isfinite(end) else (0 if end < 0 else n)
    return text[first:last] if last > first else ""


# One branch per operator of the grammar, as static/js/expressions.js has it: kept side by side with its twin
# so that the two evaluators can be read against each other line by line.
def evaluate(node: Node, ctx: Context) -> Value:  # noqa: C901
    """Evaluate a tree made by :func:`parse` in ``ctx``."""
    op = node[0]
    if op == "num":
        return float(node[1])
    if op == "str":
        return str(node[1])
    if op == "ref":
        return ctx.lookup(node[1])
    if op == "cur":
        return ctx.current
    if op == "col":
        return ctx.column(node[1])
    if op == "or":
        return to_boolean(evaluate(node[1], ctx)) or to_boolean(evaluate(node[2], ctx))
    if op == "and":
        return to_boolean(evaluate(node[1], ctx)) and to_boolean(evaluate(node[2], ctx))
    if op == "neg":
        return -to_number(evaluate(node[1], ctx))
    if op == "call":
        return _call(node[1], node[2:], ctx)
    a, b = evaluate(node[1], ctx), evaluate(node[2], ctx)
    if op == "=":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    x, y = to_number(a), to_number(b)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    if op == ">=":
        return x >= y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        return _divide(x, y)
    if op == "mod":
        return _modulo(x, y)
    raise ValueError(f"unknown operator {op!r}")


# One branch per function of the subset (expressions.FUNCTIONS), in the order of its JavaScript twin.
def _call(name: str, args: list[Node], ctx: Context) -> Value:  # noqa: C901
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "today":
        return ctx.today
    if name == "string-length":
        text = to_string(evaluate(args[0], ctx)) if args else ctx.current
        return float(len(text))
    if name == "if":
        return evaluate(args[1], ctx) if to_boolean(evaluate(args[0], ctx)) else evaluate(args[2], ctx)
    if name == "coalesce":
        first = evaluate(args[0], ctx)
        return first if to_string(first) != "" else evaluate(args[1], ctx)
    values = [evaluate(arg, ctx) for arg in args]
    if name == "not":
        return not to_boolean(values[0])
    if name == "selected":
        return to_string(values[1]).strip(" \t\r\n") in _tokens(values[0])
    if name == "count-selected":
        return float(len(_tokens(values[0])))
    if name == "regex":
        return _regex(to_string(values[0]), to_string(values[1]))
    if name == "concat":
        return "".join(to_string(v) for v in values)
    if name == "round":
        return _round(to_number(values[0]), to_number(values[1]) if len(values) > 1 else 0.0)
    if name == "int":
        number = to_number(values[0])
        return float(math.trunc(number)) if math.isfinite(number) else number
    if name == "number":
        return to_number(values[0])
    if name == "string":
        return to_string(values[0])
    if name == "boolean":
        return to_boolean(values[0])
    if name == "substr":
        return _substr(to_string(values[0]), to_number(values[1]),
                       to_number(values[2]) if len(values) > 2 else math.inf)
    if name == "contains":
        return to_string(values[1]) in to_string(values[0])
    if name == "starts-with":
        return to_string(values[0]).startswith(to_string(values[1]))
    if name == "ends-with":
        return to_string(values[0]).endswith(to_string(values[1]))
    raise ValueError(f"unknown function {name!r}")


def is_true(node: Node, ctx: Context) -> bool:
    """Evaluate ``node`` as a condition."""
    return to_boolean(evaluate(node, ctx))
