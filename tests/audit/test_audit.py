from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from inspect_app.audit import services
from inspect_app.audit.models import AppendOnlyError
from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db


def test_entries_cannot_be_changed_or_deleted_through_the_orm(world) -> None:
    entry = services.record(world.admin, "user.password", world.admin)
    db.session.commit()
    entry.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_the_database_itself_refuses_updates_and_deletes(world) -> None:
    services.record(world.admin, "user.password", world.admin)
    db.session.commit()
    for statement in ("UPDATE audit_entries SET note = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) > 0


def test_an_entry_keeps_who_what_and_the_values_before_and_after(world) -> None:
    entry = services.record(world.supervisor, "campaign.start", world.campaign,
                            before={"status": "planning"}, after={"status": "active"})
    db.session.commit()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.actor_name == "city" and stored.actor_id == world.supervisor.id
    assert stored.object_type == "campaigns" and stored.object_id == world.campaign.id
    assert stored.campaign_id == world.campaign.id
    assert stored.before == {"status": "planning"} and stored.after == {"status": "active"}
    assert stored.created_at.tzinfo is not None
