from __future__ import annotations

import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from inspect_app.audit.models import AuditEntry
from inspect_app.db import frozen_time
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.rectification import evidence
from inspect_app.rectification import services
from inspect_app.rectification.models import RectificationStatus as S
from inspect_app.visits import services as visit_services

from ..fixtures import answer_all


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "green").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def rect(world, app):
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    (finding,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    return finding_services.confirm_finding(finding, actor=world.supervisor)


def _ready(rect, world) -> None:
    services.save_measures(rect, measures="已成立领导小组。", actor=world.school_contact)
    evidence.add_evidence(rect, _jpeg(), filename="文件.jpg", actor=world.school_contact)


def test_the_happy_path_from_not_started_to_closed(world, rect) -> None:
    assert rect.status == S.NOT_STARTED
    _ready(rect, world)
    assert rect.status == S.IN_PROGRESS
    services.submit(rect, actor=world.school_contact)
    assert rect.status == S.SUBMITTED and rect.submitted_by_id == world.school_contact.id
    services.close(rect, note="复核到位。", actor=world.supervisor)
    assert rect.status == S.CLOSED and rect.closed_on == local_today() and rect.verify_note == "复核到位。"
    assert not rect.is_overdue


def test_submitting_needs_measures_and_evidence(world, rect) -> None:
    with pytest.raises(ValidationFailed):
        services.submit(rect, actor=world.school_contact)
    services.save_measures(rect, measures="已整改。", actor=world.school_contact)
    with pytest.raises(ValidationFailed) as refused:
        services.submit(rect, actor=world.school_contact)
    assert rect.status == S.IN_PROGRESS
    assert refused.value.message


def test_returned_work_goes_back_to_the_school_with_the_reason(world, rect) -> None:
    _ready(rect, world)
    services.submit(rect, actor=world.school_contact)
    with pytest.raises(ValidationFailed):
        services.return_to_school(rect, reason="", actor=world.supervisor)
    services.return_to_school(rect, reason="缺少成立文件。", actor=world.supervisor)
    assert rect.status == S.RETURNED and rect.return_reason == "缺少成立文件。"
    services.save_measures(rect, measures="已补充成立文件。", actor=world.school_contact)
    assert rect.status == S.IN_PROGRESS
    services.submit(rect, actor=world.school_contact)
    assert rect.status == S.SUBMITTED and rect.return_reason is None


def test_partial_rectification_stays_open_until_submitted_again(world, rect) -> None:
    _ready(rect, world)
    services.submit(rect, actor=world.school_contact)
    with pytest.raises(ValidationFailed):
        services.mark_partial(rect, note=" ", actor=world.supervisor)
    services.mark_partial(rect, note="花名册补签未完成。", actor=world.supervisor)
    assert rect.status == S.PARTIAL
    services.save_measures(rect, measures="花名册已补签。", actor=world.school_contact)
    assert rect.status == S.PARTIAL
    services.submit(rect, actor=world.school_contact)
    assert rect.status == S.SUBMITTED


@pytest.mark.parametrize(("state", "action"), [
    (S.NOT_STARTED, "close"), (S.NOT_STARTED, "return"), (S.NOT_STARTED, "partial"),
    (S.IN_PROGRESS, "close"), (S.RETURNED, "close"), (S.PARTIAL, "close"),
    (S.SUBMITTED, "submit"), (S.SUBMITTED, "measures"),
    (S.CLOSED, "close"), (S.CLOSED, "return"), (S.CLOSED, "measures"), (S.CLOSED, "submit"),
])
def test_illegal_moves_are_refused_and_say_why(world, rect, state, action) -> None:
    rect.status = state
    rect.measures = "已整改。"
    evidence.add_evidence(rect, _jpeg(), filename="a.jpg", actor=world.school_contact) if state not in (
        S.SUBMITTED, S.CLOSED) else None
    db.session.flush()
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    calls = {
        "close": lambda: services.close(rect, note=None, actor=world.supervisor),
        "return": lambda: services.return_to_school(rect, reason="x", actor=world.supervisor),
        "partial": lambda: services.mark_partial(rect, note="x", actor=world.supervisor),
        "submit": lambda: services.submit(rect, actor=world.school_contact),
        "measures": lambda: services.save_measures(rect, measures="再次整改。", actor=world.school_contact),
    }
    with pytest.raises(InvalidTransition) as refused:
        calls[action]()
    assert state.label in refused.value.message
    assert rect.status == state
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_every_transition_is_in_the_audit_log_with_actor_before_and_after(world, rect) -> None:
    _ready(rect, world)
    services.submit(rect, actor=world.school_contact)
    services.return_to_school(rect, reason="材料不足。", actor=world.supervisor)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "rectifications", AuditEntry.object_id == rect.id)
        .order_by(AuditEntry.id)
    ).all()
    moves = [(e.action, e.actor_name, (e.before or {}).get("status"), (e.after or {}).get("status"), e.note)
             for e in entries if e.action.startswith("rectification.") and "status" in (e.after or {})]
    assert moves == [
        ("rectification.open", "city", None, "not_started", None),
        ("rectification.in_progress", "school1", "not_started", "in_progress", None),
        ("rectification.submitted", "school1", "in_progress", "submitted", None),
        ("rectification.returned", "city", "submitted", "returned", "材料不足。"),
    ]


def test_overdue_follows_the_asia_shanghai_calendar_across_midnight(world, rect) -> None:
    # 23:59 on the deadline in Beijing is 15:59 UTC the same day: not yet overdue.
    due = rect.due_on
    last_minute = datetime(due.year, due.month, due.day, 15, 59, tzinfo=UTC)
    with frozen_time(last_minute):
        assert local_today() == due and not rect.is_overdue
        assert rect.days_left == 0
    # One minute later it is the next day in Beijing, while UTC still shows the deadline's date.
    with frozen_time(last_minute + timedelta(minutes=1)):
        assert (last_minute + timedelta(minutes=1)).date() == due
        assert rect.is_overdue and rect.days_left == -1
        overdue = db.session.scalars(services.rectification_query(world.supervisor, overdue=True)).unique().all()
        assert overdue == [rect]
    # Closing ends it being overdue, whatever the date.
    _ready(rect, world)
    services.submit(rect, actor=world.school_contact)
    services.close(rect, note=None, actor=world.supervisor)
    with frozen_time(last_minute + timedelta(days=3)):
        assert not rect.is_overdue


def test_a_deadline_can_be_extended_and_the_old_one_is_kept(world, rect) -> None:
    old = rect.due_on
    services.set_due_on(rect, old + timedelta(days=15), actor=world.supervisor)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rectification.deadline")).one()
    assert entry.before == {"due_on": old.isoformat()}
    with pytest.raises(ValidationFailed):
        services.set_due_on(rect, local_today() - timedelta(days=1), actor=world.supervisor)


def test_each_viewer_sees_only_the_rectifications_in_scope(world, rect) -> None:
    def visible(user):
        return db.session.scalars(services.rectification_query(user)).unique().all()

    assert visible(world.school_contact) == [rect]
    assert visible(world.county_supervisor) == [rect]
    assert visible(world.supervisor) == [rect]
    assert visible(world.other_school_contact) == []
    assert visible(world.other_county_supervisor) == []
