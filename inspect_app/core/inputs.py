"""Input bounds every request gets before any view sees it.

- Integers in URLs (``<int:...>``) stop at the largest value any id column holds: a larger one is a
  plain 404, never an overflow in the database.
- JSON bodies are parsed with bounds: nesting at most ``MAX_JSON_DEPTH`` levels, integers within
  64 bits, strings valid Unicode (no lone surrogates) without NUL characters (neither of which
  PostgreSQL can store). A body out of bounds is a 400 naming the problem, like malformed JSON.
"""

from __future__ import annotations

import json
import typing as t

from flask import Flask
from flask import current_app
from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

# The largest id a 32-bit INTEGER column (PostgreSQL's ``integer``) holds.
MAX_ID = 2**31 - 1
MAX_JSON_DEPTH = 32
INT64 = 2**63


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` that matches only values an id column can hold."""

    def __init__(self, map: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class JSONOutOfBounds(ValueError):
    """A JSON body that parses but is out of the bounds above."""


def query_id(value: str) -> int:
    """An id from the query string (``?county=3``), within the columns' range.

    Given as ``request.args.get(name, type=query_id)``: a value out of range raises ValueError, which the
    query string's ``get`` turns into its default, as it does for text that is no number. So an id
    too large for the database filters nothing instead of failing the request.
    """
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def check_value(value: t.Any, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Walk a parsed JSON value (without recursion) and refuse what is out of bounds."""
    stack: list[tuple[t.Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > max_depth:
                raise JSONOutOfBounds(f"nested deeper than {max_depth} levels")
            for key, child in item.items():
                stack.append((key, depth))
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            if depth > max_depth:
                raise JSONOutOfBounds(f"nested deeper than {max_depth} levels")
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise JSONOutOfBounds("a string contains a NUL character")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as err:
                raise JSONOutOfBounds("a string is not valid Unicode (lone surrogate)") from err
        elif isinstance(item, int) and not isinstance(item, bool) and not -INT64 <= item < INT64:
            raise JSONOutOfBounds("an integer is larger than 64 bits")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies out of bounds (see the module's docstring)."""

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as err:
            raise JSONOutOfBounds(f"nested deeper than {MAX_JSON_DEPTH} levels") from err
        check_value(value)
        return value


def parse_json_body() -> t.Any:
    """The request's body as JSON, whatever its Content-Type; a 400 naming the problem when it is not."""
    data = request.get_data(cache=True)
    try:
        return current_app.json.loads(data)
    except JSONOutOfBounds as err:
        raise BadRequest(str(err)) from None
    except ValueError as err:  # malformed JSON, or bytes that are not UTF-8
        raise BadRequest(f"Failed to decode JSON: {err}"[:300]) from None


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = BoundedJSONProvider(app)
