"""Sessions end on the server: logout, password change, "sign out everywhere", idle timeout; cookie flags."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from inspect_app.audit.models import AuditEntry
from inspect_app.config import DefaultConfig
from inspect_app.db import frozen_time
from inspect_app.extensions import db
from inspect_app.rectification.models import Rectification

from ..fixtures import PASSWORD


def _login(client: FlaskClient, username: str, password: str = PASSWORD, **extra: str) -> None:
    response = client.post("/auth/login", data={"username": username, "password": password, **extra})
    assert response.status_code == 302, response.text


def _copy(app: Flask, source: FlaskClient, *names: str) -> FlaskClient:
    """A second client holding copies of ``source``'s cookies, as someone who copied them would."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def _set_cookie_headers(response: object, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]  # type: ignore[attr-defined]


def test_a_cookie_copied_before_logout_reads_and_saves_nothing_afterwards(world, app, make_rects) -> None:
    rect_id = make_rects(world.school, world.supervisor)[0].id
    db.session.commit()
    client = app.test_client()
    _login(client, "school1")
    thief = _copy(app, client, "session")
    assert thief.get("/rectification/mine").status_code == 200
    assert client.post("/auth/logout").status_code == 302
    assert thief.get("/rectification/mine").status_code == 302
    saved = thief.post(f"/rectification/{rect_id}/measures", data={"measures": "被盗会话写入"})
    assert saved.status_code == 302 and "/auth/login" in saved.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Rectification, rect_id).measures != "被盗会话写入"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "auth.logout")).one()
    assert entry.actor_name == "school1" and entry.after == {"address": "127.0.0.1"}


def test_the_remember_me_cookie_is_revoked_at_logout_and_bounded(world, app) -> None:
    client = app.test_client()
    response = client.post("/auth/login", data={"username": "insp", "password": PASSWORD, "remember": "y"})
    [cookie] = _set_cookie_headers(response, "remember_token")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    assert expires.replace(tzinfo=UTC) <= datetime.now(UTC) + timedelta(days=30, minutes=1)
    remembered = _copy(app, client, "remember_token")
    assert remembered.get("/visits/mine").status_code == 200
    stale = _copy(app, client, "remember_token")
    client.post("/auth/logout")
    assert stale.get("/visits/mine").status_code == 302
    assert remembered.get("/visits/mine").status_code == 302


@pytest.mark.config(REMEMBER_COOKIE_DURATION=90 * 24 * 3600)
def test_a_longer_remember_me_setting_is_cut_to_30_days(app) -> None:
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)


def test_changing_the_password_ends_copied_sessions(world, app) -> None:
    client = app.test_client()
    _login(client, "insp")
    thief = _copy(app, client, "session")
    client.post("/auth/password", data={"current": PASSWORD, "new": "river-lamp-42", "repeat": "river-lamp-42"})
    assert client.get("/visits/mine").status_code == 200
    assert thief.get("/visits/mine").status_code == 302


def test_the_admin_signs_a_user_out_everywhere(world, app, auth, client) -> None:
    victim = app.test_client()
    _login(victim, "insp", remember="y")
    remembered = _copy(app, victim, "remember_token")
    auth.login(world.admin)
    assert f"/auth/users/{world.inspector.id}/signout" in client.get("/auth/users").text
    response = client.post(f"/auth/users/{world.inspector.id}/signout")
    assert response.status_code == 302
    assert victim.get("/visits/mine").status_code == 302
    assert remembered.get("/visits/mine").status_code == 302
    assert client.get("/auth/users").status_code == 200
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "user.signout")).one()
    assert entry.actor_name == "root" and entry.object_id == world.inspector.id


def test_users_signout_command(world, app, runner) -> None:
    victim = app.test_client()
    _login(victim, "insp")
    result = runner.invoke(args=["users", "signout", "insp"])
    assert result.exit_code == 0, result.output
    assert victim.get("/visits/mine").status_code == 302


@pytest.mark.config(HTTPS=True)
def test_under_https_every_cookie_is_secure_and_hsts_is_sent(world, app) -> None:
    client = app.test_client()
    response = client.post("/auth/login", data={"username": "insp", "password": PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_without_https_no_hsts(app, client) -> None:
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


@pytest.mark.config(IDLE_TIMEOUT=3600)
def test_a_desk_session_ends_after_the_idle_timeout(world, app) -> None:
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    desk, tablet = app.test_client(), app.test_client()
    with frozen_time(start):
        _login(desk, "insp")
        _login(tablet, "insp2", remember="y")
    with frozen_time(start + timedelta(minutes=50)):
        assert desk.get("/visits/mine").status_code == 200
    with frozen_time(start + timedelta(minutes=100)):
        assert desk.get("/visits/mine").status_code == 200
    with frozen_time(start + timedelta(minutes=161)):
        assert desk.get("/visits/mine").status_code == 302
        assert desk.get("/visits/mine").status_code == 302
        assert desk.get("/api/v1/me").status_code == 401
        assert tablet.get("/visits/mine").status_code == 200


def test_the_idle_timeout_defaults_to_eight_hours() -> None:
    assert DefaultConfig.IDLE_TIMEOUT == 8 * 3600
