"""`inspect-app backup create|verify|restore`: one archive, checked member by member, restored exactly."""

from __future__ import annotations

import io
import json
import tarfile
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from inspect_app import create_app
from inspect_app.audit import services as audit
from inspect_app.extensions import db

from .conftest import PG_URL
from .conftest import _config

FILES = {
    ("UPLOAD_DIR", "photos/2026/12/a.jpg"): b"\xff\xd8photo",
    ("UPLOAD_DIR", "rosters/1/1-roster.xlsx"): b"PK roster 610502200801014309",
    ("REPORT_OUTPUT_DIR", "1.docx"): b"PK report",
}


def _tables() -> dict[str, list[str]]:
    """Every table's rows, as sorted text (JSON columns cannot be ordered by PostgreSQL)."""
    names = sorted(sa.inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        return {name: sorted(repr(tuple(row)) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')))
                for name in names}


def _files(app: Flask) -> dict[str, bytes]:
    found = {}
    for key in ("UPLOAD_DIR", "REPORT_OUTPUT_DIR"):
        root = Path(app.config[key])
        for path in root.rglob("*") if root.is_dir() else []:
            if path.is_file():
                found[f"{key}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return found


def _write_files(app: Flask) -> None:
    for (key, name), data in FILES.items():
        path = Path(app.config[key]) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.fixture
def backed_up(app: Flask, world: t.Any, runner: t.Any, tmp_path: Path) -> tuple[Path, dict[str, t.Any], dict]:
    """The world, some audit entries and files, backed up; what the tables and files held then."""
    for i in range(3):
        audit.record(world.supervisor, "campaign.start", world.campaign, after={"i": i})
    db.session.commit()
    _write_files(app)
    tables, files = _tables(), _files(app)
    out = tmp_path / "backup.tar.gz"
    result = runner.invoke(args=["backup", "create", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, tables, {"files": files}


def test_the_archive_holds_the_database_the_files_and_a_manifest(app: Flask, backed_up: t.Any,
                                                                   runner: t.Any) -> None:
    out, _tables_then, _ = backed_up
    with tarfile.open(out) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    kind = "postgresql" if PG_URL else "sqlite"
    assert manifest["database"] == kind and manifest["app_version"] and manifest["created_at"]
    with app.app_context():
        assert manifest["revision"] == db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    assert {"files/uploads/photos/2026/12/a.jpg", "files/uploads/rosters/1/1-roster.xlsx",
            "files/reports/1.docx", "manifest.json"} <= names
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert listed["files/reports/1.docx"]["size"] == len(b"PK report")
    assert set(listed) == names - {"manifest.json"}
    result = runner.invoke(args=["backup", "verify", str(out)])
    assert result.exit_code == 0 and "match the manifest" in result.output


def _rewrite(source: Path, target: Path, change: t.Callable[[str, bytes], bytes | None]) -> None:
    with tarfile.open(source) as tar, tarfile.open(target, "w:gz") as out:
        for member in tar:
            data = tar.extractfile(member).read()  # type: ignore[union-attr]
            new = change(member.name, data)
            if new is None:
                continue
            member.size = len(new)
            out.addfile(member, io.BytesIO(new))


def test_a_damaged_member_is_named(backed_up: t.Any, runner: t.Any, tmp_path: Path) -> None:
    out = backed_up[0]
    bad = tmp_path / "bad.tar.gz"
    _rewrite(out, bad, lambda name, data: data + b"!" if name.endswith("a.jpg") else data)
    result = runner.invoke(args=["backup", "verify", str(bad)])
    assert result.exit_code == 1 and "files/uploads/photos/2026/12/a.jpg" in result.output
    missing = tmp_path / "missing.tar.gz"
    _rewrite(out, missing, lambda name, data: None if name.endswith("1.docx") else data)
    result = runner.invoke(args=["backup", "verify", str(missing)])
    assert result.exit_code == 1 and "files/reports/1.docx" in result.output and "missing" in result.output
    result = runner.invoke(args=["backup", "restore", str(bad), "--force"])
    assert result.exit_code == 1 and "a.jpg" in result.output


def test_restore_brings_back_every_row_and_every_byte(app: Flask, backed_up: t.Any, world: t.Any,
                                                      runner: t.Any) -> None:
    out, tables, then = backed_up
    # Change data and files after the backup.
    world.school.name = "改过的名字"
    audit.record(world.admin, "user.password", world.admin)
    db.session.commit()
    (Path(app.config["UPLOAD_DIR"]) / "photos/2026/12/a.jpg").write_bytes(b"changed")
    (Path(app.config["UPLOAD_DIR"]) / "rosters/1/1-roster.xlsx").unlink()
    (Path(app.config["REPORT_OUTPUT_DIR"]) / "2.docx").write_bytes(b"new")
    db.session.close()

    refused = runner.invoke(args=["backup", "restore", str(out)])
    assert refused.exit_code == 1 and "not empty" in refused.output and "--force" in refused.output

    result = runner.invoke(args=["backup", "restore", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.output
    db.session.remove()
    assert _tables() == tables
    assert _files(app) == then["files"]


def _empty_instance(tmp: Path) -> Flask:
    if PG_URL:
        url = PG_URL.rsplit("/", 1)[0] + "/" + PG_URL.rsplit("/", 1)[1] + "_restore"
        admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                                 isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    else:
        url = f"sqlite:///{tmp / 'restored.sqlite3'}"
    return create_app(_config(url, tmp))


def test_restore_fills_an_empty_instance(app: Flask, backed_up: t.Any, tmp_path: Path) -> None:
    out, tables, then = backed_up
    fresh = _empty_instance(tmp_path / "fresh")
    with fresh.app_context():  # the command runs in the pushed context: the fresh instance's
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(out)])
        assert result.exit_code == 0, result.output
        assert "audit log intact" in result.output
        assert _tables() == tables
        db.engine.dispose()
    assert _files(fresh) == then["files"]
    if PG_URL:
        admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{fresh.config["DATABASE_URL"].rsplit("/", 1)[1]}"'))
        admin.dispose()


def test_a_backup_from_an_unknown_schema_is_refused(backed_up: t.Any, runner: t.Any, tmp_path: Path) -> None:
    out = backed_up[0]
    newer = tmp_path / "newer.tar.gz"

    def bump(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["revision"] = "ffffffffffff"
        return json.dumps(manifest).encode()

    _rewrite(out, newer, bump)
    result = runner.invoke(args=["backup", "restore", str(newer), "--force"])
    assert result.exit_code == 1 and "ffffffffffff" in result.output and "does not know" in result.output


@pytest.mark.skipif(bool(PG_URL), reason="an older schema is built on a fresh SQLite file")
def test_a_backup_from_an_older_schema_is_restored_and_upgrade_is_asked_for(tmp_path: Path) -> None:
    old = create_app(_config(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path / "old"))
    with old.app_context():
        upgrade(revision="f318e320c6f7")
        db.engine.dispose()
    out = tmp_path / "old.tar.gz"
    assert old.test_cli_runner().invoke(args=["backup", "create", "--out", str(out)]).exit_code == 0
    fresh = create_app(_config(f"sqlite:///{tmp_path / 'new.sqlite3'}", tmp_path / "new"))
    result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(out)])
    assert result.exit_code == 0, result.output
    assert "inspect-app db upgrade" in result.output
    with fresh.app_context():
        upgrade()
        assert audit.verify().ok
        db.engine.dispose()
