"""Request-wide web behaviour: security headers, navigation and template helpers."""

from __future__ import annotations

import json
import typing as t
from decimal import Decimal

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..db import local_today
from .roles import Role

if t.TYPE_CHECKING:
    from werkzeug.wrappers import Response

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

# (endpoint, label, roles that see it). The first MAIN_ITEMS a role sees stand in the bar; the rest
# go under "More", so the bar fits a 1024-pixel tablet.
MAIN_ITEMS = 6
NAV: list[tuple[str, t.Any, tuple[Role, ...]]] = [
    ("dashboard.index", _l("Overview"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("visits.mine", _l("My visits"), (Role.INSPECTOR,)),
    ("rectification.mine", _l("Our rectification"), (Role.SCHOOL,)),
    ("archive.mine", _l("Our archive"), (Role.SCHOOL,)),
    ("campaigns.index", _l("Campaigns"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("visits.index", _l("Visits"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("findings.index", _l("Findings"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("rectification.index", _l("Rectification"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("rosters.index", _l("Rosters"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER, Role.INSPECTOR)),
    ("publicity.index", _l("Publicity"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER, Role.SCHOOL)),
    ("funds.index", _l("Funds"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("submissions.index", _l("Reporting upward"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("surveys.index", _l("Surveys"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("schools.index", _l("Schools"), (Role.ADMIN, Role.SUPERVISOR, Role.VIEWER)),
    ("checklists.index", _l("Checklists"), (Role.ADMIN, Role.SUPERVISOR)),
    ("auth.users", _l("Accounts"), (Role.ADMIN,)),
    ("audit.index", _l("Audit log"), (Role.ADMIN, Role.SUPERVISOR)),
]
# Items only some levels of staff see (an account's ``level``; administrators see them all).
NAV_LEVELS: dict[str, tuple[str, ...]] = {"submissions.index": ("province", "city")}


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # Visits record where they were made and take photos; nothing else may ask for either, nor for the microphone.
    response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
    if current_app.config.get("HTTPS"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # No server name or version from the application (the development server's own is dropped by
    # core/serving.py; a production server or proxy is configured not to send its version).
    response.headers.pop("Server", None)
    if request.endpoint and not request.endpoint.endswith("static") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def navigation() -> tuple[list[tuple[str, str, bool]], list[tuple[str, str, bool]]]:
    """The user's navigation: (items in the bar, items under "More"), each (href, label, active)."""
    if not current_user.is_authenticated:
        return [], []
    current = request.endpoint or ""
    items = []
    for endpoint, label, roles in NAV:
        levels = NAV_LEVELS.get(endpoint)
        if levels and current_user.role != Role.ADMIN and getattr(current_user, "level", None) not in levels:
            continue
        if current_user.role in roles:
            prefix = endpoint.split(".")[0]
            active = current == endpoint or (current.startswith(prefix + ".") and endpoint.endswith(".index"))
            items.append((url_for(endpoint), str(label), active))
    return items[:MAIN_ITEMS], items[MAIN_ITEMS:]


def url_with(**changes: t.Any) -> str:
    """The current URL with some query arguments changed (None drops one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    values: dict[str, t.Any] = {**(request.view_args or {}), **args}
    return url_for(t.cast(str, request.endpoint), **values)


def json_text(value: t.Any) -> str:
    """Compact JSON that keeps Chinese readable (autoescaping still applies)."""
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def points(value: Decimal | None) -> str:
    """A score or weight without trailing zeros: 100, 87.5, 3.25."""
    if value is None:
        return "—"
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def mark_offline_copy() -> None:
    """A page fetched to be kept offline (``X-Offline-Copy: 1``) is rendered without CSRF tokens or flashes."""
    g.offline_copy = request.headers.get("X-Offline-Copy") == "1"


def csrf_token_unless_offline() -> str:
    """The CSRF token for a form; none in a copy kept offline, whose token would expire unseen."""
    if g.get("offline_copy"):
        return ""
    return generate_csrf()


def distance(metres: float) -> str:
    """A distance as people say it: 350 m, 1.2 km."""
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres)} m"


def init_app(app: Flask) -> None:
    app.before_request(mark_offline_copy)
    app.jinja_env.filters["distance"] = distance
    # Flask-WTF offers csrf_token() both as a global (macros) and through a context processor (pages).
    app.jinja_env.globals["csrf_token"] = csrf_token_unless_offline
    app.context_processor(lambda: {"csrf_token": csrf_token_unless_offline})
    app.jinja_env.filters["jsontext"] = json_text
    app.jinja_env.filters["points"] = points
    app.after_request(security_headers)
    app.jinja_env.globals.update(navigation=navigation, url_with=url_with, Role=Role, local_today=local_today,
                                 get_locale=get_locale)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
