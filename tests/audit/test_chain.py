"""The audit log's hash chain: every entry sealed, tampering named by `inspect-app audit verify`."""

from __future__ import annotations

import multiprocessing
import threading
import typing as t
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy.exc import DatabaseError

from inspect_app import create_app
from inspect_app.audit import chain
from inspect_app.audit import services
from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db

from ..conftest import PG_URL
from ..conftest import _config


def _entries(n: int, world: t.Any) -> list[AuditEntry]:
    made = [services.record(world.admin, "user.password", world.admin, after={"n": i}) for i in range(n)]
    db.session.commit()
    return made


def _set_note(entry_id: int, note: str) -> None:
    """Rewrite one entry behind the application's back: lift the trigger, UPDATE, put it back."""
    _without_triggers(f"UPDATE audit_entries SET note = '{note}' WHERE id = {entry_id}")


def _without_triggers(statement: str) -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        db.session.execute(sa.text(statement))
        db.session.execute(sa.text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
    else:
        triggers = db.session.execute(sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'")).all()
        assert len(triggers) == 2
        for name, _sql in triggers:
            db.session.execute(sa.text(f"DROP TRIGGER {name}"))
        db.session.execute(sa.text(statement))
        for _name, sql in triggers:
            db.session.execute(sa.text(sql))
    db.session.commit()


def test_each_entry_is_sealed_to_the_one_before(world: t.Any) -> None:
    first, second, third = _entries(3, world)
    db.session.expire_all()
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert second.id == first.id + 1 and third.id == second.id + 1
    assert len(third.hash) == 64 and third.hash != second.hash
    verdict = services.verify()
    assert verdict.ok and verdict.head.hash == third.hash and verdict.head.id == third.id
    head = services.head()
    assert head.hash == third.hash and head.count == verdict.count >= 3


def test_entries_flushed_together_form_one_chain(world: t.Any) -> None:
    for i in range(5):
        services.record(None, "system.test", object_type="system", after={"i": i, 7: "int key"},
                        note="batch")
    db.session.commit()
    assert services.verify().ok


def test_a_rolled_back_entry_leaves_no_gap(world: t.Any) -> None:
    services.record(None, "system.test", object_type="system")
    db.session.flush()
    db.session.rollback()
    kept = services.record(None, "system.test", object_type="system")
    db.session.commit()
    assert kept.id == db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    assert services.verify().ok


def test_one_transaction_reads_the_head_once_and_again_after_a_savepoint_is_rolled_back(world: t.Any) -> None:
    reads: list[str] = []

    def seen(_conn: t.Any, _cursor: t.Any, statement: str, *_args: t.Any) -> None:
        if "FROM audit_entries ORDER BY audit_entries.id DESC" in " ".join(statement.split()):
            reads.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        first = services.record(None, "system.test", object_type="system", note="first")
        db.session.flush()
        second = services.record(None, "system.test", object_type="system", note="second")
        db.session.flush()
        assert len(reads) == 1 and second.prev_hash == first.hash
        savepoint = db.session.begin_nested()
        services.record(None, "system.test", object_type="system", note="taken back")
        db.session.flush()
        savepoint.rollback()
        third = services.record(None, "system.test", object_type="system", note="third")
        db.session.flush()
        assert len(reads) == 2 and third.prev_hash == second.hash and third.id == second.id + 1
        db.session.commit()
        services.record(None, "system.test", object_type="system", note="next transaction")
        db.session.commit()
        assert len(reads) == 3
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert services.verify().ok


def test_id_numbers_in_audit_data_are_masked(world: t.Any) -> None:
    entry = services.record(world.admin, "roster.run", object_type="roster_runs",
                            after={"description": "张三：610502200801014309: the check character should be 1."},
                            note="610502200801014309")
    db.session.commit()
    db.session.expire_all()
    assert entry.after == {"description": "张三：6105**********4309: the check character should be 1."}
    assert entry.note == "6105**********4309"
    assert services.verify().ok


def test_an_edited_entry_is_named(world: t.Any, runner: t.Any) -> None:
    entries = _entries(4, world)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _set_note(entries[1].id, "rewritten")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {entries[1].id}:" in result.output and "content does not match" in result.output


def test_a_deleted_entry_is_named(world: t.Any, runner: t.Any) -> None:
    ids = [e.id for e in _entries(4, world)]
    _without_triggers(f"DELETE FROM audit_entries WHERE id = {ids[2]}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at entry {ids[3]}: entry {ids[2]} missing" in result.output


def test_a_forged_entry_is_named(world: t.Any, runner: t.Any) -> None:
    entries = _entries(2, world)
    forged = entries[-1].id + 1
    db.session.execute(sa.insert(AuditEntry.__table__).values(
        id=forged, created_at=datetime(2026, 1, 1, tzinfo=UTC), actor_name="admin", action="user.password",
        object_type="users", prev_hash=entries[-1].hash, hash="f" * 64))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at entry {forged}:" in result.output


def test_a_forged_entry_with_a_valid_hash_breaks_the_next_link(world: t.Any) -> None:
    entries = _entries(3, world)
    # Renumbering is impossible without rewriting every later entry: take the middle one's place.
    row = {name: getattr(entries[1], name) for name in chain.FIELDS}
    last_id = entries[2].id
    _without_triggers(f"DELETE FROM audit_entries WHERE id = {row['id']}")
    row.update(note="forged", before=None, after={"n": 1})
    values = {**row, "hash": chain.entry_hash(row)}
    db.session.execute(sa.insert(AuditEntry.__table__).values(**values))
    db.session.commit()
    verdict = services.verify()
    assert not verdict.ok and verdict.bad_id == last_id and "link" in verdict.reason


def test_verify_prints_the_head(world: t.Any, runner: t.Any) -> None:
    entries = _entries(2, world)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert entries[-1].hash in result.output and "entries" in result.output


def test_the_audit_page_shows_the_head(world: t.Any, client: t.Any, auth: t.Any) -> None:
    auth.login(world.admin)  # signing in is itself audited
    entries = _entries(1, world)
    head = services.head()
    page = client.get("/audit/").get_data(as_text=True)
    assert entries[-1].hash in page and str(head.count) in page


# --- concurrent writers: several processes and threads, each with its own connection ------------

def _append(app: Flask, n: int) -> None:
    with app.app_context():
        for i in range(n):
            services.record(None, "system.test", object_type="system", after={"i": i})
            db.session.commit()


def _append_many(url: str, tmp: str, n: int) -> None:
    app = create_app(_config(url, Path(tmp)))
    _append(app, n)
    with app.app_context():
        db.engine.dispose()


def test_concurrent_appends_leave_one_chain(app: Flask, tmp_path: t.Any) -> None:
    writers, each = 4, 15
    url = app.config["DATABASE_URL"]  # the test's own database, PostgreSQL or an SQLite file
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_append_many, args=(url, str(tmp_path), each)) for _ in range(writers)]
    # Threads share one application, as the threads of one server process do; each has its own
    # application context, session and connection.
    shared = create_app(_config(url, Path(tmp_path)))
    threads = [threading.Thread(target=_append, args=(shared, each)) for _ in range(2)]
    for worker in (*processes, *threads):
        worker.start()
    for worker in (*processes, *threads):
        worker.join(timeout=120)
    assert all(p.exitcode == 0 for p in processes)
    with shared.app_context():
        db.engine.dispose()
    with app.app_context():
        verdict = services.verify()
        assert verdict.ok, verdict.reason
        assert verdict.count == (writers + 2) * each
        hashes = db.session.scalars(sa.select(AuditEntry.prev_hash)).all()
        assert len(set(hashes)) == len(hashes)  # no two entries follow the same one: no fork


# --- the migration that introduced the chain ----------------------------------------------------

def _fresh_database(tmp: t.Any, name: str) -> str:
    if not PG_URL:
        return f"sqlite:///{tmp / f'{name}.sqlite3'}"
    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    database = PG_URL.rsplit("/", 1)[1] + "_" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + "/" + database


def test_the_migration_chains_existing_entries_and_keeps_them_append_only(tmp_path: t.Any) -> None:
    app = create_app(_config(_fresh_database(tmp_path, "chain"), tmp_path))
    with app.app_context():
        upgrade(revision="f318e320c6f7")
        rows = [
            {"id": 1, "at": "2026-03-01 08:00:00.123456", "after": '{"status": "active", "n": 1.5}', "note": None},
            {"id": 2, "at": "2026-03-01 09:00:00", "after": '{"名称": "临渭区", "7": [1, 2]}', "note": "整改"},
            # PostgreSQL's sequence skips ids after a rolled-back transaction: the chain links across.
            {"id": 5, "at": "2026-03-02 10:00:00", "after": None, "note": None},
        ]
        for row in rows:
            db.session.execute(sa.text(
                "INSERT INTO audit_entries (id, created_at, actor_name, action, object_type, object_id, after, note) "
                "VALUES (:id, :at, 'system', 'campaign.start', 'campaigns', 1, :after, :note)"), row)
        db.session.commit()
        upgrade()
        verdict = services.verify()
        assert verdict.ok, verdict.reason
        assert verdict.count == 3 and verdict.head.id == 5
        for statement in ("UPDATE audit_entries SET note = 'x'", "DELETE FROM audit_entries"):
            with pytest.raises(DatabaseError):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        entry = services.record(None, "system.test", object_type="system")
        db.session.commit()
        assert entry.id == 6 and services.verify().ok
        db.session.commit()  # the migration runs on a connection of its own: hold no lock on the table
        downgrade(revision="f318e320c6f7")
        with pytest.raises(DatabaseError):
            db.session.execute(sa.text("DELETE FROM audit_entries"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        _drop_database(app.config["DATABASE_URL"])


def _drop_database(url: str) -> None:
    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))
    admin.dispose()
