"""SQLite serves writers one after the other: a request that may write takes the app's writer lock and
SQLite's write lock when its transaction begins, so it waits its turn instead of failing half-way;
reading requests take neither."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.extensions import db
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's locking")


def _another_writer_can_begin(app: Flask) -> bool:
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as err:
        if "locked" not in str(err):
            raise
        return False
    finally:
        other.close()


def _writer_lock_free(app: Flask) -> bool:
    """Whether another process could take the app's writer lock now."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-writer.lock"
    if not os.path.exists(path):
        return True
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go of a lock taken here
    return True


@pytest.mark.parametrize(("method", "holds_lock"), [("POST", True), ("PUT", True), ("GET", False)])
def test_a_writing_request_takes_the_write_lock_when_its_transaction_begins(app: Flask, method: str,
                                                                            holds_lock: bool) -> None:
    with app.test_request_context("/", method=method):
        app.preprocess_request()
        db.session.execute(sa.text("SELECT 1"))
        assert _another_writer_can_begin(app) is not holds_lock
        assert _writer_lock_free(app) is not holds_lock
        db.session.rollback()
        assert _another_writer_can_begin(app) and _writer_lock_free(app)
        # What the request reads after its commit begins as any reader does.
        db.session.execute(sa.text("SELECT 1"))
        assert _another_writer_can_begin(app) and _writer_lock_free(app)
        db.session.rollback()


@pytest.mark.config(SQLITE_BUSY_TIMEOUT=1)
def test_a_second_writer_waits_for_the_first_to_end_however_short_the_busy_timeout(app: Flask) -> None:
    """SQLite alone would refuse the second writer after its 1 ms busy timeout; the app's lock makes it wait,
    and it goes on as soon as the first has committed."""
    began, done = threading.Event(), threading.Event()
    outcome: list[object] = []

    def second() -> None:
        with app.test_request_context("/", method="POST"):
            app.preprocess_request()
            began.set()
            try:
                db.session.execute(sa.text("CREATE TABLE second_writer (n INTEGER)"))
                db.session.commit()
                outcome.append("written")
            except sa.exc.OperationalError as err:  # pragma: no cover - what the lock prevents
                outcome.append(err)
                db.session.rollback()
            finally:
                db.session.remove()
                done.set()

    with app.test_request_context("/", method="POST"):
        app.preprocess_request()
        db.session.execute(sa.text("CREATE TABLE first_writer (n INTEGER)"))
        thread = threading.Thread(target=second)
        thread.start()
        assert began.wait(10)
        assert not done.wait(0.5)  # waiting for the first writer, not failing
        db.session.commit()
        assert done.wait(10)
        thread.join(10)
    assert outcome == ["written"]


def test_the_busy_timeout_is_the_configured_one(app: Flask) -> None:
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT"]
