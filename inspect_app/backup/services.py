"""Back up an instance into one archive, and restore an empty instance from one.

A backup holds a consistent snapshot of the database (SQLite's online backup API, or
``pg_dump --format=custom``), then the stored files of each storage area (``core/storage.py``):
``uploads`` (photos, evidence and the roster files of reconciliation runs; ``UPLOAD_DIR``) and
``reports`` (finished reports; ``REPORT_OUTPUT_DIR``) — or the same areas in the object store when
``STORAGE_URL`` names one. The database is copied first: a file the database refers to was written
before the row that names it was committed, so every file the snapshot needs is in the archive.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path
from pathlib import PurePosixPath

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from ..audit import services as audit
from ..audit.chain import Verdict
from ..config import VERSION
from ..core import storage
from ..extensions import db
from . import archive
from .archive import BackupError


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, t.Any]
    files: int
    # The backup's schema is older than the code's: `inspect-app db upgrade` must follow.
    needs_upgrade: bool
    audit: Verdict | None


def database_kind() -> str:
    kind = db.engine.dialect.name
    if kind not in archive.DATABASE_MEMBERS:
        raise BackupError(f"cannot back up a {kind} database")
    return kind


def schema_revision() -> str | None:
    """The alembic revision the database is at (None before the first migration)."""
    if not sa.inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _script() -> ScriptDirectory:
    return ScriptDirectory(current_app.config["MIGRATIONS_DIR"])


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database is in memory: nothing to back up or restore")
    return Path(database)


def _pg_command(program: str) -> tuple[str, dict[str, str]]:
    """The program's path and an environment carrying the password (kept off the command line)."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(f"{program} not found: install PostgreSQL's client programs (apt-get install "
                          "postgresql-client)")
    env = dict(os.environ)
    if db.engine.url.password:
        env["PGPASSWORD"] = str(db.engine.url.password)
    return found, env


def _pg_url() -> str:
    url = db.engine.url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.returncode}")


def _snapshot_database(kind: str, target: Path) -> None:
    if kind == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    program, env = _pg_command("pg_dump")
    _run([program, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={_pg_url()}"], env)


def default_output() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Path(current_app.instance_path) / "backups" / f"inspect-{stamp}.tar.gz"


def create(out: Path | None = None) -> tuple[Path, dict[str, t.Any]]:
    """Write a backup archive (by default into ``instance/backups/``); return its path and manifest."""
    out = out or default_output()
    out.parent.mkdir(parents=True, exist_ok=True)
    kind = database_kind()
    manifest = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), "app_version": VERSION,
                "database": kind, "revision": schema_revision(), "folders": list(storage.AREAS)}
    db.session.rollback()  # nothing of this session's in the snapshot
    partial = out.with_name(out.name + ".part")
    writer = archive.Writer(partial)
    try:
        with tempfile.TemporaryDirectory(prefix="inspect-backup-") as tmp:
            snapshot = Path(tmp) / Path(archive.DATABASE_MEMBERS[kind]).name
            _snapshot_database(kind, snapshot)
            writer.add_file(snapshot, archive.DATABASE_MEMBERS[kind])
        for name in storage.AREAS:
            store = storage.area(name)
            for key in sorted(store.keys()):
                with store.open(key) as fh:
                    writer.add_stream(fh, f"files/{name}/{key}", store.size(key))
        manifest = writer.close(manifest)
    except BaseException:
        writer.abort()
        raise
    os.replace(partial, out)
    return out, manifest


# ------------------------------------------------------------------------------------------------
# Restore


def check_revision(revision: str | None) -> bool:
    """Refuse a backup from a schema this code does not know; True when it is older than the code's."""
    script = _script()
    head = script.get_current_head()
    if revision == head:
        return False
    known = {rev.revision for rev in script.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"the backup's database is at schema revision {revision}, which this version of the application "
            f"does not know (its latest is {head}): restore it with the version that made it, then upgrade")
    return True


def _database_is_empty() -> bool:
    if db.engine.dialect.name == "sqlite":
        path = _sqlite_path()
        if not path.exists():
            return True
    inspector = sa.inspect(db.engine)
    with db.engine.connect() as conn:
        for table in inspector.get_table_names():
            if table == "alembic_version":
                continue
            if conn.execute(sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1)).first():
                return False
    return True


def _clear(store: storage.Storage) -> None:
    for key in list(store.keys()):
        store.delete(key)
    root = getattr(store, "root", None)  # a local folder: the subfolders left empty go too
    if isinstance(root, Path) and root.is_dir():
        for path in root.iterdir():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)


def _copy(fh: t.BinaryIO, target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(fh, out, storage.CHUNK)


def _restore_database(kind: str, source: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        path = _sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(path.name + ".restoring")
        shutil.copyfile(source, staged)
        # A write-ahead log left by the replaced database must not be replayed onto the restored one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(staged, path)
        return
    program, env = _pg_command("pg_restore")
    _run([program, "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={_pg_url()}",
          str(source)], env)


def restore(path: Path, *, force: bool = False) -> Restored:
    """Fill an empty instance from a backup, then check the audit chain.

    Refuses a damaged archive, another kind of database, an unknown schema revision, and — unless
    ``force`` — a database with rows or instance folders with files in them (``force`` replaces them).
    """
    manifest = archive.verify(path)
    kind = database_kind()
    if manifest["database"] != kind:
        raise BackupError(f"the backup holds a {manifest['database']} database; this instance uses {kind}")
    needs_upgrade = check_revision(manifest["revision"])
    unknown = [name for name in manifest["folders"] if name not in storage.AREAS]
    if unknown:
        raise BackupError(f"the backup holds files of {', '.join(unknown)}, which this version does not know")
    stores = {name: storage.area(name) for name in manifest["folders"]}
    if not force:
        if not _database_is_empty():
            raise BackupError("the database is not empty: restore into an empty one, or give --force to replace it")
        for name, store in stores.items():
            if next(iter(store.keys()), None) is not None:
                raise BackupError(f"the stored {name} files are not empty: give --force to replace them")
    with tempfile.TemporaryDirectory(prefix="inspect-restore-") as tmp:
        member = PurePosixPath(archive.DATABASE_MEMBERS[kind])
        snapshot = Path(tmp) / member.name
        archive.extract(path, str(member.parent), lambda _key, fh: _copy(fh, snapshot))
        _restore_database(kind, snapshot)
    files = 0
    for name, store in stores.items():
        _clear(store)
        files += archive.extract(path, f"files/{name}", store.save)
    verdict = None if needs_upgrade else audit.verify()
    db.session.remove()
    return Restored(manifest, files, needs_upgrade, verdict)
