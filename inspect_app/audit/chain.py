"""The audit log as a hash chain: each entry seals its own content and the entry before it.

An entry's ``hash`` is the SHA-256 of its canonical content — a JSON document with sorted keys of
its id, time (UTC, ISO 8601 with microseconds), actor, action, object, scope, before, after, note
and ``prev_hash``, the hash of the entry before it (64 zeros for the first). Changing, removing or
slipping in an entry breaks the chain at that point, which :func:`verify` finds; the head hash,
published in the monthly report, pins the end of the chain so that the last entries cannot be cut
off unnoticed either.

Appends are serialised: the entry's id (the head's id + 1) and ``prev_hash`` are taken inside the
writer's transaction after the head is locked — ``pg_advisory_xact_lock`` on PostgreSQL, the
database's write lock on SQLite — so that concurrent writers never fork the chain. The migration
that introduced the chain (``migrations/versions/*_audit_hash_chain.py``) keeps its own copy of
:func:`canonical`; the two must stay identical.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

from ..core.database import transaction_info
from ..db import utcnow
from .models import AuditEntry

GENESIS = "0" * 64
# The key of the PostgreSQL advisory lock held by a transaction while it appends to the log.
LOCK_KEY = 0x5A5A_A0D1
_HEAD = "audit_chain_head"
FIELDS = ("id", "created_at", "actor_id", "actor_name", "action", "object_type", "object_id", "school_id",
          "campaign_id", "before", "after", "note", "prev_hash")


def _time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: t.Mapping[str, t.Any]) -> bytes:
    """The bytes an entry's hash is taken over: the fields of :data:`FIELDS` as stable JSON."""
    doc = {name: row[name] for name in FIELDS}
    doc["created_at"] = _time(doc["created_at"])
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(row: t.Mapping[str, t.Any]) -> str:
    return hashlib.sha256(canonical(row)).hexdigest()


def _as_stored(value: t.Any) -> t.Any:
    """A JSON value as it reads back from the database (keys become strings, tuples lists)."""
    return None if value is None else json.loads(json.dumps(value))


_HEAD_QUERY = "SELECT audit_entries.id, audit_entries.hash FROM audit_entries ORDER BY audit_entries.id DESC LIMIT 1"
# On PostgreSQL the lock and the read go in one round trip: two statements of one simple query (no
# parameters), each with its own snapshot, so the read sees every entry committed before the lock was
# granted. Every other writer waits from the lock to this transaction's commit: the fewer round trips
# in between, the shorter the wait.
_LOCK_AND_HEAD = f"SELECT pg_advisory_xact_lock({LOCK_KEY}); {_HEAD_QUERY}"


def _lock_and_read_head(connection: sa.Connection) -> tuple[int, str]:
    """Take the append lock within the current transaction and return the head's id and hash."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        result = connection.exec_driver_sql(_LOCK_AND_HEAD, execution_options={"no_parameters": True})
        try:
            cursor = result.cursor  # the head's read is the query's second result
            if cursor is None or not cursor.nextset():
                raise RuntimeError("the audit chain's head was not read with its lock")
            row = cursor.fetchone()
        finally:
            result.close()
    else:
        if dialect == "sqlite":
            # pysqlite opens a transaction only at the first write: read the head under the write lock.
            dbapi = connection.connection.dbapi_connection
            if dbapi is not None and not dbapi.in_transaction:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        row = connection.exec_driver_sql(_HEAD_QUERY).first()
    if row is None:
        return 0, GENESIS
    return int(row[0]), row[1] or GENESIS


def _seal_values(row: dict[str, t.Any], head: tuple[int, str]) -> tuple[int, str]:
    """Give ``row`` (an entry's columns) the id and ``prev_hash`` that follow ``head`` and its hash;
    return the new head."""
    if row.get("created_at") is None:
        row["created_at"] = utcnow()
    row["id"], row["prev_hash"] = head[0] + 1, head[1]
    sealed = {name: row.get(name) for name in FIELDS}
    sealed["before"], sealed["after"] = _as_stored(sealed["before"]), _as_stored(sealed["after"])
    row["hash"] = entry_hash(sealed)
    return row["id"], row["hash"]


@event.listens_for(AuditEntry, "before_insert")
def _seal(mapper: t.Any, connection: sa.Connection, target: AuditEntry) -> None:
    session = orm.object_session(target)
    info = transaction_info(session) if session is not None else {}
    head = info.get(_HEAD)
    if head is None:
        head = _lock_and_read_head(connection)
    row = {name: getattr(target, name) for name in FIELDS}
    head = _seal_values(row, head)
    target.created_at, target.id, target.prev_hash, target.hash = (row["created_at"], row["id"], row["prev_hash"],
                                                                   row["hash"])
    # Several entries flushed together are inserted after all of them are sealed: chain them here.
    info[_HEAD] = head


# Once read, the head is kept for the rest of the transaction: the lock taken with it (the advisory
# lock, SQLite's write lock) is held as long, so no other writer can append meanwhile, and the next
# flushes of the transaction chain on without reading it again. A rollback, of a savepoint too, may
# take back entries sealed after it: the head is read again after one.
@event.listens_for(orm.Session, "after_soft_rollback")
def _forget_head(session: orm.Session, *args: t.Any) -> None:
    transaction_info(session).pop(_HEAD, None)


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many entries, the last one's id, time and hash."""

    count: int
    id: int | None
    hash: str
    at: datetime | None


@dataclass(frozen=True)
class Verdict:
    count: int
    head: Head
    # The first entry that does not match and why; None when the chain holds.
    bad_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.bad_id is None


def head(session: orm.Session | orm.scoped_session[t.Any]) -> Head:
    """The head of the chain, read as of now."""
    count = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0
    row = session.execute(sa.select(AuditEntry.id, AuditEntry.hash, AuditEntry.created_at)
                          .order_by(AuditEntry.id.desc()).limit(1)).first()
    if row is None:
        return Head(0, None, GENESIS, None)
    return Head(count, row.id, row.hash or "", row.created_at)


def _check(row: t.Any, prev_id: int, prev_hash: str) -> str:
    """Why ``row`` does not follow the entry ``prev_id`` with hash ``prev_hash``; "" when it does."""
    if row.id != prev_id + 1:
        if row.prev_hash == prev_hash and row.hash == entry_hash(row._mapping):
            return ""  # ids the database skipped before the chain began (see the migration)
        if row.id <= prev_id:
            return f"id out of order after entry {prev_id}"
        missing = f"entry {prev_id + 1}" if row.id == prev_id + 2 else f"entries {prev_id + 1}–{row.id - 1}"
        return f"{missing} missing: the link to entry {prev_id} is broken"
    if row.prev_hash != prev_hash:
        return f"the link to entry {prev_id} is broken (prev_hash does not match its hash)"
    if row.hash != entry_hash(row._mapping):
        return "its content does not match its hash (changed, or written outside the application)"
    return ""


def verify(session: orm.Session | orm.scoped_session[t.Any]) -> Verdict:
    """Walk the chain in id order; the first entry that does not match is named in the verdict."""
    columns = [getattr(AuditEntry, name) for name in FIELDS] + [AuditEntry.hash]
    stmt = sa.select(*columns).order_by(AuditEntry.id).execution_options(yield_per=2000)
    count, prev_id, prev_hash, last_at = 0, 0, GENESIS, None
    with session.execute(stmt) as result:  # a server-side cursor on PostgreSQL: closed on return
        for row in result:
            reason = _check(row, prev_id, prev_hash) if row.hash is not None else "it has no hash"
            if reason:
                return Verdict(count, Head(count, prev_id or None, prev_hash, last_at), row.id, reason)
            count, prev_id, prev_hash, last_at = count + 1, row.id, row.hash, row.created_at
    return Verdict(count, Head(count, prev_id or None, prev_hash, last_at))
