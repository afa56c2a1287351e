"""Extension requests (延期申请): the school asks with a reason and a date; a supervisor approves or rejects."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from inspect_app.audit.models import AuditEntry
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.notifications.models import Notification
from inspect_app.rectification import services
from inspect_app.rectification.models import ExtensionRequest
from inspect_app.rectification.models import ExtensionStatus
from inspect_app.rectification.models import RectificationStatus as S

from .test_services import _ready


@pytest.fixture
def rect(world, make_rects):
    (rect,) = make_rects(world.school, world.supervisor, due_in=10)
    db.session.commit()
    return rect


def _entries(rect, prefix="rectification.extension"):
    return db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "rectifications", AuditEntry.object_id == rect.id,
                                    AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)).all()


def _inbox(user, kind):
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id,
                                                            Notification.kind == kind)).all()


def test_the_school_asks_and_the_supervisors_in_scope_are_told(world, rect) -> None:
    wanted = rect.due_on + timedelta(days=14)
    request = services.request_extension(rect, reason="需补发资金，待财政审批。", proposed_due_on=wanted,
                                         actor=world.school_contact)
    assert request.status == ExtensionStatus.PENDING
    assert (request.current_due_on, request.proposed_due_on) == (rect.due_on, wanted)
    assert rect.due_on == local_today() + timedelta(days=10), "asking changes nothing yet"
    (entry,) = _entries(rect)
    assert entry.action == "rectification.extension_request" and entry.actor_name == world.school_contact.username
    assert entry.note == "需补发资金，待财政审批。" and entry.after["proposed_due_on"] == wanted.isoformat()
    # The city supervisor and the school's county supervisor; not the other county's.
    assert len(_inbox(world.supervisor, "extension.requested")) == 1
    assert len(_inbox(world.county_supervisor, "extension.requested")) == 1
    assert _inbox(world.other_county_supervisor, "extension.requested") == []


@pytest.mark.parametrize(("days_after", "reason", "message"), [
    (0, "理由", "not later"),
    (-3, "理由", "not later"),
    (400, "理由", "more than a year"),
    (5, "  ", "Say why"),
])
def test_a_request_must_move_the_deadline_later_within_a_year_and_say_why(world, rect, days_after, reason,
                                                                          message) -> None:
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        services.request_extension(rect, reason=reason, proposed_due_on=rect.due_on + timedelta(days=days_after),
                                   actor=world.school_contact)
    assert message in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExtensionRequest)) == 0


def test_one_request_at_a_time_in_the_application_and_in_the_database(world, rect) -> None:
    services.request_extension(rect, reason="第一次", proposed_due_on=rect.due_on + timedelta(days=5),
                               actor=world.school_contact)
    with pytest.raises(InvalidTransition) as refused:
        services.request_extension(rect, reason="第二次", proposed_due_on=rect.due_on + timedelta(days=9),
                                   actor=world.school_contact)
    assert rect.finding.reference in refused.value.message
    db.session.commit()
    # Even bypassing the service, the partial unique index admits one pending request only.
    db.session.add(ExtensionRequest(rectification_id=rect.id, reason="绕过", current_due_on=rect.due_on,
                                    proposed_due_on=rect.due_on + timedelta(days=3)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_approval_moves_the_deadline_and_keeps_the_old_one(world, rect) -> None:
    old = rect.due_on
    request = services.request_extension(rect, reason="需要更多时间。", proposed_due_on=old + timedelta(days=20),
                                         actor=world.school_contact)
    granted = old + timedelta(days=15)  # less than asked
    services.approve_extension(request, due_on=granted, note="同意延期15天。", actor=world.county_supervisor)
    assert rect.due_on == granted
    assert request.status == ExtensionStatus.APPROVED and request.granted_due_on == granted
    assert request.current_due_on == old and request.decided_by_id == world.county_supervisor.id
    entry = _entries(rect, "rectification.extension_approve")[0]
    assert entry.before == {"due_on": old.isoformat()} and entry.after["due_on"] == granted.isoformat()
    assert entry.note == "同意延期15天。"
    (told,) = _inbox(world.school_contact, "extension.approved")
    assert told.params["date"] == granted.isoformat()
    with pytest.raises(InvalidTransition):
        services.reject_extension(request, note="改主意了", actor=world.supervisor)
    # The school may ask again, from the new deadline.
    again = services.request_extension(rect, reason="再次申请。", proposed_due_on=granted + timedelta(days=5),
                                       actor=world.school_contact)
    assert again.current_due_on == granted
    assert [r.id for r in rect.extension_requests] == [request.id, again.id]


def test_approval_needs_a_later_date_that_has_not_passed(world, rect) -> None:
    request = services.request_extension(rect, reason="理由。", proposed_due_on=rect.due_on + timedelta(days=20),
                                         actor=world.school_contact)
    for wrong in (rect.due_on, rect.due_on - timedelta(days=1)):
        with pytest.raises(ValidationFailed):
            services.approve_extension(request, due_on=wrong, note=None, actor=world.supervisor)
    assert request.status == ExtensionStatus.PENDING


def test_rejection_needs_a_reason_and_the_deadline_stands(world, rect) -> None:
    old = rect.due_on
    request = services.request_extension(rect, reason="人手不足。", proposed_due_on=old + timedelta(days=20),
                                         actor=world.school_contact)
    with pytest.raises(ValidationFailed):
        services.reject_extension(request, note=" ", actor=world.supervisor)
    services.reject_extension(request, note="请按期完成。", actor=world.supervisor)
    assert rect.due_on == old and request.status == ExtensionStatus.REJECTED
    assert request.decision_note == "请按期完成。"
    (told,) = _inbox(world.school_contact, "extension.rejected")
    assert told.params["note"] == "请按期完成。"


def test_the_school_can_withdraw_its_request(world, rect) -> None:
    request = services.request_extension(rect, reason="理由。", proposed_due_on=rect.due_on + timedelta(days=3),
                                         actor=world.school_contact)
    services.withdraw_extension(request, actor=world.school_contact)
    assert request.status == ExtensionStatus.CANCELLED
    assert _entries(rect, "rectification.extension_cancel")[0].actor_name == world.school_contact.username
    with pytest.raises(InvalidTransition):
        services.approve_extension(request, due_on=rect.due_on + timedelta(days=3), note=None, actor=world.supervisor)


def test_closing_cancels_a_pending_request_and_a_closed_one_takes_none(world, rect) -> None:
    request = services.request_extension(rect, reason="理由。", proposed_due_on=rect.due_on + timedelta(days=3),
                                         actor=world.school_contact)
    _ready(rect, world)
    services.submit(rect, actor=world.school_contact)
    services.close(rect, note="整改到位。", actor=world.supervisor)
    assert rect.status == S.CLOSED and request.status == ExtensionStatus.CANCELLED
    assert services.pending_extension(rect) is None
    with pytest.raises(InvalidTransition):
        services.request_extension(rect, reason="理由。", proposed_due_on=rect.due_on + timedelta(days=3),
                                   actor=world.school_contact)


def test_the_whole_exchange_through_the_pages(app, world, rect, client, auth) -> None:
    wanted = (rect.due_on + timedelta(days=12)).isoformat()
    auth.login(world.school_contact)
    page = client.get(f"/rectification/{rect.id}").text
    assert 'name="proposed_due_on"' in page
    response = client.post(f"/rectification/{rect.id}/extension", data={"proposed_due_on": wanted,
                                                                        "reason": "需重新公示。"})
    assert response.status_code == 302
    page = client.get(f"/rectification/{rect.id}").text
    assert "需重新公示。" in page and 'name="proposed_due_on"' not in page
    auth.logout()

    auth.login(world.county_supervisor)
    listed = client.get("/rectification/?extension=pending").text
    assert rect.finding.reference in listed and "badge-extension" in listed
    request = db.session.scalars(sa.select(ExtensionRequest)).one()
    decide = f"/rectification/{rect.id}/extension/{request.id}/decide"
    response = client.post(decide, data={"decision": "approve", "due_on": wanted, "note": "同意。"},
                           headers={"Referer": f"http://localhost/rectification/{rect.id}"})
    assert response.status_code == 302
    db.session.expire_all()
    assert rect.due_on.isoformat() == wanted and request.status == ExtensionStatus.APPROVED
    # A second decision is refused with the reason, and changes nothing.
    response = client.post(decide, data={"decision": "reject", "note": "不同意"},
                           headers={"Referer": f"http://localhost/rectification/{rect.id}"})
    assert response.status_code == 303
    db.session.expire_all()
    assert request.status == ExtensionStatus.APPROVED

def test_a_request_is_decided_only_through_its_own_rectification(world, make_rects, client, auth) -> None:
    first, second = make_rects(world.school, world.supervisor, items=("S1_1", "S2_1"))
    request = services.request_extension(second, reason="理由。", proposed_due_on=second.due_on + timedelta(days=5),
                                         actor=world.school_contact)
    db.session.commit()
    auth.login(world.supervisor)
    response = client.post(f"/rectification/{first.id}/extension/{request.id}/decide",
                           data={"decision": "reject", "note": "不同意"})
    assert response.status_code == 404
    db.session.expire_all()
    assert request.status == ExtensionStatus.PENDING


def test_the_extension_table_is_headed_with_the_extension_reason(world, rect, client, auth) -> None:
    services.request_extension(rect, reason="需重新公示。", proposed_due_on=rect.due_on + timedelta(days=5),
                               actor=world.school_contact)
    db.session.commit()
    for user in (world.school_contact, world.supervisor):
        auth.login(user)
        page = client.get(f"/rectification/{rect.id}").text
        table = page[page.index('id="extensions"'):]
        table = table[:table.index("</table>")]
        assert "<th>延期理由</th>" in table and "回避原因" not in table
        auth.logout()
