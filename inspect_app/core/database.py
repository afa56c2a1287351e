"""Database engine settings, and how SQLite serves several writers.

Every SQLite connection gets its pragmas (WAL, foreign keys, a busy timeout).
SQLite allows one writer at a time; left to itself, a transaction that read first and then wants to write can fail at
once with "database is locked" when another writer got there in between, whatever the timeout. So a
request that may write (any method but GET, HEAD and OPTIONS) begins its first transaction with
``BEGIN IMMEDIATE``, which takes the write lock first; reading requests, commands and tasks keep the
driver's deferred transactions.

The app serialises those writing requests itself, across its threads and processes: before ``BEGIN
IMMEDIATE`` a request takes an exclusive lock on a file beside the database (``DATABASE-writer.lock``,
``flock``), held until its connection goes back to the pool, after the commit or rollback. Waiting
requests sleep in the kernel and the next one wakes as soon as the lock is let go, in contrast to
SQLite's busy handler, which polls with sleeps that grow to a tenth of a second and lets newcomers
overtake a writer that has waited long. A writer thus waits only as long as the writers before it
take (the server's request timeout bounds it, and a process that dies lets its lock go). Commands
and tasks that write meet a request's lock in SQLite's busy handler, for up to
``SQLITE_BUSY_TIMEOUT`` milliseconds; one that still cannot get it in time is answered 503 with
Retry-After (errors.py). Slow work that writes nothing (a password's hash check) is done between
transactions (:func:`commit_before_slow_work`), so that no writer waits for it.
"""

from __future__ import annotations

import fcntl
import os
import typing as t

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import request
from sqlalchemy import event
from sqlalchemy import orm
from sqlalchemy import pool
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine

from ..extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_TRANSACTION_INFO = "transaction_info"
_LOCK_FILE, _LOCK_HELD = "writer_lock_fd", "writer_lock_held"
DEFAULT_BUSY_TIMEOUT = 15_000
_installed = False


def _is_sqlite(dbapi_connection: t.Any) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _sqlite_pragmas(dbapi_connection: t.Any, connection_record: t.Any) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT"] if has_app_context() else DEFAULT_BUSY_TIMEOUT
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(timeout)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _mark_writing_request() -> None:
    if request.method not in SAFE_METHODS:
        g.sqlite_write_first = True


def writing_request() -> bool:
    """Whether the transaction about to begin is the first of a request that may write.

    Only the first: what the request reads after its commit (and a task run in its process when
    the queue is immediate, in an application context of its own) begins as any reader does.
    """
    return has_app_context() and bool(g.pop("sqlite_write_first", False))


def commit_before_slow_work() -> None:
    """End the request's transaction before slow work that reads and writes nothing, when nothing is
    waiting to be written; what the request writes afterwards begins a transaction as the first did.

    A writing request's transaction holds SQLite's write lock from its start (and on PostgreSQL an open
    transaction should not sit idle): a sign-in's password hash check of a tenth of a second would make
    every other writer wait as long. Objects read before are expired by the commit: take what the slow
    work needs from them first.
    """
    session = db.session
    if session.new or session.dirty or session.deleted:
        return  # a change is under way: it keeps its transaction (and the lock) to the end
    session.commit()
    if has_request_context():
        _mark_writing_request()


def insert_or_skip(target: t.Any, index_elements: t.Sequence[str] | None = None, *,
                   connection: Connection | None = None) -> sa.Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` in the dialect of the database (PostgreSQL or SQLite): a row whose
    unique key (``index_elements``, or any) is taken is skipped rather than refused, and ``RETURNING`` gives
    back only the rows inserted. Two writers inserting the same key at once both succeed; one row is stored.
    ``connection``: the one a flush is using, in a mapper event; otherwise the session's."""
    dialect = (connection or db.session.get_bind()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(target).on_conflict_do_nothing(index_elements=index_elements)


def transaction_info(session: orm.Session) -> dict[str, t.Any]:
    """What is known for as long as the session's transaction lasts: emptied when it ends (committed,
    rolled back or closed; the end of a savepoint leaves it)."""
    info: dict[str, t.Any] = session.info.setdefault(_TRANSACTION_INFO, {})
    return info


@event.listens_for(orm.Session, "after_transaction_end")
def _transaction_ended(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TRANSACTION_INFO, None)


def _take_writer_lock(connection: Connection) -> None:
    """Wait for the database's writer lock (an ``flock`` on a file beside it), for this connection until it
    goes back to the pool. Each connection opens the file itself: locks of two connections of one process
    exclude each other as those of two processes do."""
    database = connection.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return  # a database of this process alone
    info = connection.connection.info
    if info.get(_LOCK_HELD):
        return
    if _LOCK_FILE not in info:
        info[_LOCK_FILE] = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(info[_LOCK_FILE], fcntl.LOCK_EX)  # the thread waits without the GIL
    info[_LOCK_HELD] = True


def _release_writer_lock(_dbapi_connection: t.Any, record: pool.ConnectionPoolEntry) -> None:
    if record.info.pop(_LOCK_HELD, False):
        fcntl.flock(record.info[_LOCK_FILE], fcntl.LOCK_UN)


def _close_writer_lock(dbapi_connection: t.Any, record: pool.ConnectionPoolEntry) -> None:
    _release_writer_lock(dbapi_connection, record)
    lock_file = record.info.pop(_LOCK_FILE, None)
    if lock_file is not None:
        os.close(lock_file)


def _begin(connection: Connection) -> None:
    # The driver then sees a transaction open and does not begin its own before the first write.
    if connection.dialect.name == "sqlite" and writing_request():
        _take_writer_lock(connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    global _installed
    app.config.setdefault("SQLITE_BUSY_TIMEOUT", DEFAULT_BUSY_TIMEOUT)
    app.before_request(_mark_writing_request)
    if not _installed:
        event.listen(Engine, "connect", _sqlite_pragmas)
        event.listen(Engine, "begin", _begin)
        # Back in the pool (after the commit or rollback) the connection lets the next writer in.
        event.listen(pool.Pool, "checkin", _release_writer_lock)
        for gone in ("close", "detach"):  # closed (invalidated too), or taken out of the pool
            event.listen(pool.Pool, gone, _close_writer_lock)
        _installed = True
