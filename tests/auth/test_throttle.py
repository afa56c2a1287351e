"""Sign-in resists guessing: locks per account name and per address, on the form and the API alike."""

from __future__ import annotations

import sqlite3
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from inspect_app import create_app
from inspect_app.audit.models import AuditEntry
from inspect_app.auth import services
from inspect_app.auth.models import LoginAttempt
from inspect_app.db import frozen_time
from inspect_app.extensions import db

from ..fixtures import PASSWORD

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _form(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> object:
    return client.post("/auth/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _api(client: FlaskClient, username: str, password: str, address: str = "10.0.0.1") -> object:
    return client.post("/api/v1/session", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_five_failures_lock_the_form_with_a_message_beside_the_field(world, client) -> None:
    with frozen_time(START):
        for _ in range(4):
            assert _form(client, "insp", "wrong-guess").status_code == 200
        locked = _form(client, "insp", "wrong-guess")
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == str(15 * 60)
    assert "登录失败次数过多" in locked.text and "15" in locked.text
    assert 'class="error"' in locked.text.split('name="password"')[1].split("</div>")[0]
    with frozen_time(START + timedelta(minutes=5)):
        # The right password does not get through a lock either.
        again = _form(client, "insp", PASSWORD)
        assert again.status_code == 429 and again.headers["Retry-After"] == str(10 * 60)
    with frozen_time(START + timedelta(minutes=16)):
        assert _form(client, "insp", PASSWORD).status_code == 302


def test_the_api_answers_429_json_with_retry_after(world, client) -> None:
    with frozen_time(START):
        for _ in range(4):
            assert _api(client, "insp", "wrong-guess").status_code == 401
        locked = _api(client, "insp", "wrong-guess")
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == str(15 * 60)
    assert locked.json["retry_after"] == 15 * 60 and "15" in locked.json["error"]
    assert locked.json["code"] == "too_many_requests"
    with frozen_time(START + timedelta(minutes=1)):
        assert _api(client, "insp", PASSWORD).status_code == 429


def test_the_form_and_the_api_share_one_count(world, client) -> None:
    with frozen_time(START):
        for attempt in range(4):
            (_form if attempt % 2 else _api)(client, "insp", "wrong-guess")
        assert _form(client, "insp", "wrong-guess").status_code == 429


def test_failures_outside_the_window_do_not_add_up(world, client) -> None:
    for minute in range(0, 40, 10):
        with frozen_time(START + timedelta(minutes=minute)):
            _form(client, "insp", "wrong-guess")
    with frozen_time(START + timedelta(minutes=41)):
        assert _form(client, "insp", PASSWORD).status_code == 302


def test_each_further_lock_lasts_twice_as_long(world, client) -> None:
    now = START
    for expected in (15, 30, 60):
        with frozen_time(now):
            for _ in range(5):
                response = _form(client, "insp", "wrong-guess")
        assert response.headers["Retry-After"] == str(expected * 60)
        now += timedelta(minutes=expected, seconds=1)
    assert db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "auth.lock")).all()


def test_a_success_clears_the_account_count(world, client) -> None:
    with frozen_time(START):
        for _ in range(4):
            _form(client, "insp", "wrong-guess")
        assert _form(client, "insp", PASSWORD).status_code == 302
        client.post("/auth/logout")
        for _ in range(4):
            assert _form(client, "insp", "wrong-guess").status_code == 200


def test_one_address_guessing_many_accounts_is_locked(world, client) -> None:
    names = [f"user{n}" for n in range(20)]
    with frozen_time(START):
        for name in names[:19]:
            assert _form(client, name, "wrong-guess", address="10.9.9.9").status_code == 200
        assert _form(client, names[19], "wrong-guess", address="10.9.9.9").status_code == 429
        assert _form(client, "insp", PASSWORD, address="10.9.9.9").status_code == 429
        # Another address is not affected.
        assert _form(client, "insp", PASSWORD, address="10.0.0.2").status_code == 302


@pytest.mark.config(LOGIN_MAX_FAILURES=2, LOGIN_LOCK=60, LOGIN_WINDOW=60)
def test_the_limits_are_settings(world, client) -> None:
    with frozen_time(START):
        _form(client, "insp", "wrong-guess")
        locked = _form(client, "insp", "wrong-guess")
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"


def test_unknown_and_known_accounts_get_the_same_answer_and_the_same_hash_work(world, app, client,
                                                                              monkeypatch) -> None:
    checked: list[str] = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    known, unknown = _form(client, "insp", "wrong-guess"), _form(client, "nobody", "wrong-guess")
    assert known.status_code == unknown.status_code == 200
    strip = str.maketrans("", "", "0123456789")
    assert known.text.replace("insp", "").translate(strip) == unknown.text.replace("nobody", "").translate(strip)
    # The unknown name was checked against a hash made like a real one (the known one goes through User).
    assert checked and checked[0].startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0])
    with frozen_time(START):
        for _ in range(5):
            last = _form(client, "ghost", "wrong-guess", address="10.0.0.7")
    assert last.status_code == 429


def test_sign_in_events_go_into_the_audit_log_with_the_address(world, client) -> None:
    _form(client, "insp", "wrong-guess", address="10.1.2.3")
    _form(client, "nobody", "wrong-guess", address="10.1.2.3")
    _form(client, "insp", PASSWORD, address="10.1.2.3")
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("auth.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_name, e.after["address"]) for e in entries] == [
        ("auth.failure", "system", "10.1.2.3"), ("auth.failure", "system", "10.1.2.3"),
        ("auth.login", "insp", "10.1.2.3")]
    assert entries[0].object_id == world.inspector.id and entries[1].after["username"] == "nobody"


@pytest.mark.config(PROXY_COUNT=1)
def test_behind_a_proxy_the_forwarded_address_counts(world, client) -> None:
    client.post("/auth/login", data={"username": "insp", "password": "wrong-guess"},
                headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.5"})
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "auth.failure")).one()
    assert entry.after["address"] == "10.0.0.5"


def test_the_lock_holds_across_processes(world, app) -> None:
    """A second application on the same database (another worker process) sees the lock."""
    first = app.test_client()
    with frozen_time(START):
        for _ in range(5):
            _form(first, "insp", "wrong-guess")
    settings = ("TESTING", "SECRET_KEY", "UPLOAD_DIR", "REPORT_OUTPUT_DIR", "WTF_CSRF_ENABLED", "PASSWORD_HASH_METHOD",
                "DATABASE_URL")
    worker = create_app({key: app.config[key] for key in settings})
    with frozen_time(START + timedelta(minutes=1)):
        response = _form(worker.test_client(), "insp", PASSWORD)
    assert response.status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 2
    with worker.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("wrong", [False, True], ids=["right password", "wrong password"])
def test_the_password_check_holds_no_transaction_so_other_writers_go_on(world, client, monkeypatch,
                                                                        wrong: bool) -> None:
    """The hash check takes a tenth of a second; a sign-in's transaction (on SQLite, the database's write
    lock, taken at its start) must not be held meanwhile, or every other writer waits for it."""
    seen: list[tuple[bool, bool]] = []
    check = services.check_password_hash

    def watched(stored: str, password: str) -> bool:
        other_writer = True
        if db.engine.dialect.name == "sqlite":
            other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            except sqlite3.OperationalError:  # database is locked
                other_writer = False
            finally:
                other.close()
        seen.append((db.session().in_transaction(), other_writer))
        return check(stored, password)

    monkeypatch.setattr(services, "check_password_hash", watched)
    response = _api(client, world.inspector.username, "wrong" if wrong else PASSWORD)
    assert response.status_code == (401 if wrong else 200)
    assert seen == [(False, True)]
    # What the sign-in writes after the check is written: the login, or the failure counted.
    action = "auth.failure" if wrong else "auth.login"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action))
