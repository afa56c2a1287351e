"""Language and time zone: zh_CN first, English on request; times shown in Asia/Shanghai."""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import datetime

from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import format_date
from flask_babel import format_datetime

from ..extensions import babel


def select_locale() -> str:
    languages = t.cast(tuple[str, ...], current_app.config["LANGUAGES"])
    if not has_request_context():
        return languages[0]
    chosen = session.get("lang")
    if chosen in languages:
        return t.cast(str, chosen)
    # Only a user already loaded for this request: loading one here could itself need a translation.
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False) and user.locale in languages:
        return t.cast(str, user.locale)
    if request.args.get("lang") in languages:
        return t.cast(str, request.args["lang"])
    return languages[0]


def local_datetime(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A UTC timestamp as Asia/Shanghai wall-clock time."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def local_date(value: date | None) -> str:
    if value is None:
        return ""
    return format_date(value, "yyyy-MM-dd")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.filters["dt"] = local_datetime
    app.jinja_env.filters["d"] = local_date
