"""The rectification-tracking migration on a database that already holds rectifications with evidence."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade
from flask_migrate import upgrade

from inspect_app import create_app
from inspect_app.extensions import db

BEFORE = "5d1c2a7e9b10"
NOW = "2026-09-15 17:30:00"  # 01:30 on 16 September in Beijing

ROWS = [
    "INSERT INTO counties (id, name, position) VALUES (1, '华州区', 1)",
    "INSERT INTO schools (id, code, name, county_id, level, active, created_at, updated_at) "
    "VALUES (1, '2161030001', '华州第一小学', 1, 'primary', 1, :now, :now)",
    "INSERT INTO checklists (id, form_id, title, created_at, updated_at) VALUES (1, 'f', '检查表', :now, :now)",
    "INSERT INTO checklist_versions (id, checklist_id, version, title, status, source_name, source_sha256, "
    "default_language, created_at) VALUES (1, 1, '1', '{}', 'published', 'f.md', 'x', 'zh', :now)",
    "INSERT INTO campaigns (id, code, name, term, checklist_version_id, status, default_due_on, cross_county, "
    "created_at, updated_at) VALUES (1, 'C1', '检查', '2026年秋季学期', 1, 'active', '2026-12-31', 1, :now, :now)",
    "INSERT INTO visits (id, uuid, campaign_id, school_id, checklist_version_id, status, created_at, updated_at) "
    "VALUES (1, 'u1', 1, 1, 1, 'approved', :now, :now)",
    "INSERT INTO findings (id, visit_id, campaign_id, school_id, description, severity, status, created_at, "
    "updated_at) VALUES (1, 1, 1, 1, '问题', 'general', 'confirmed', :now, :now)",
    "INSERT INTO rectifications (id, finding_id, status, due_on, created_at, updated_at) "
    "VALUES (1, 1, 'in_progress', '2026-12-31', :now, :now)",
    "INSERT INTO attachments (id, uuid, kind, rectification_id, original_name, path, content_type, size_bytes, "
    "sha256, created_at) VALUES (1, 'a1', 'photo', 1, 'a.jpg', 'p/a.jpg', 'image/jpeg', 10, 'x', :now)",
]


def test_upgrade_backfills_the_opening_day_and_downgrade_keeps_the_rows(tmp_path: Path) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}", "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(sa.text(statement), {"now": NOW})
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT opened_on FROM rectifications")).scalar() == "2026-09-16"
            assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM attachments WHERE rectification_id = 1")).scalar() == 1
        upgrade()
        db.engine.dispose()
