"""SQLite serves writers one after the other: a request that may write takes the write lock when its
transaction begins, so it waits its turn instead of failing half-way; reading requests take none."""

from __future__ import annotations

import sqlite3

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


@pytest.mark.parametrize(("method", "holds_lock"), [("POST", True), ("PUT", True), ("GET", False)])
def test_a_writing_request_takes_the_write_lock_when_its_transaction_begins(app: Flask, method: str,
                                                                            holds_lock: bool) -> None:
    with app.test_request_context("/", method=method):
        app.preprocess_request()
        db.session.execute(sa.text("SELECT 1"))
        assert _another_writer_can_begin(app) is not holds_lock
        db.session.rollback()
        assert _another_writer_can_begin(app)
        # What the request reads after its commit begins as any reader does.
        db.session.execute(sa.text("SELECT 1"))
        assert _another_writer_can_begin(app)
        db.session.rollback()


def test_the_busy_timeout_is_the_configured_one(app: Flask) -> None:
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == app.config["SQLITE_BUSY_TIMEOUT"]
