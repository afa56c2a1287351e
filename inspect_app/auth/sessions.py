"""The browser session: who the client is, starting a session, the idle timeout and the forced password change.

The session cookie and the remember-me cookie carry ``User.get_id()``, which includes the user's
``session_token``; logout, a password change and "sign out everywhere" rotate that token on the
server, so a copy of either cookie stops loading the user.
"""

from __future__ import annotations

import typing as t

from flask import current_app
from flask import flash
from flask import g
from flask import jsonify
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from ..db import utcnow

if t.TYPE_CHECKING:
    from .models import User

# Pages a user whose password must change may still open.
WHILE_PASSWORD_MUST_CHANGE = {"auth.password", "auth.logout", "dashboard.language", "api.csrf_token", "api.me"}
# Write the last-seen time into the cookie at most this often (seconds).
SEEN_RESOLUTION = 60


def client_address() -> str | None:
    """The client's address: the request's peer, or behind ``PROXY_COUNT`` trusted proxies what they forwarded."""
    proxies = int(current_app.config.get("PROXY_COUNT", 0))
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    if proxies and forwarded:
        return forwarded[-min(proxies, len(forwarded))][:64]
    return request.remote_addr


def _now() -> int:
    return int(utcnow().timestamp())


def start_session(user: User, *, remember: bool) -> None:
    """Log ``user`` in on this client; "stay logged in" sessions are spared the idle timeout."""
    login_user(user, remember=remember)
    session["remembered"] = remember
    session["seen"] = _now()


def note_remembered(_app: t.Any, **_kwargs: t.Any) -> None:
    """A session restored from the remember-me cookie belongs to a kept device: no idle timeout."""
    session["remembered"] = True


def end_session() -> None:
    logout_user()
    for key in ("remembered", "seen"):
        session.pop(key, None)


def enforce_session_rules() -> t.Any:
    """Before each request: end a session idle too long; send a user who must change the password there."""
    if request.endpoint is None or request.endpoint.endswith("static"):
        return None
    if not current_user.is_authenticated or g.get("api_token"):
        return None
    now = _now()
    timeout = int(current_app.config.get("IDLE_TIMEOUT") or 0)
    seen = session.get("seen")
    if timeout and not session.get("remembered") and isinstance(seen, int) and now - seen > timeout:
        end_session()
        flash(_("You were logged out after a long time without activity."), "info")
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if not isinstance(seen, int) or now - seen >= SEEN_RESOLUTION:
        session["seen"] = now
    if current_user.must_change_password and request.endpoint not in WHILE_PASSWORD_MUST_CHANGE:
        if request.path.startswith("/api/"):
            return jsonify(error=_("Change your password before you go on."), code="forbidden"), 403
        return redirect(url_for("auth.password"))
    return None
