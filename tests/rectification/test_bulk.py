"""Bulk actions over ticked rows: every row checked, every row audited, all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from inspect_app.audit.models import AuditEntry
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.rectification import services
from inspect_app.rectification.models import Rectification
from inspect_app.rectification.models import RectificationStatus as S

from .test_services import _ready


@pytest.fixture
def rects(world, make_rects):
    made = make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1"))
    db.session.commit()
    return made


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) or 0


def _submit(rect, world) -> None:
    _ready(rect, world)
    services.submit(rect, actor=world.school_contact)


def test_closing_every_ticked_row_audits_each(world, rects) -> None:
    for rect in rects:
        _submit(rect, world)
    before = _audit_count()
    n = services.bulk_apply(rects, services.BulkAction("close", note="集中复核，整改到位。"), actor=world.supervisor)
    assert n == 3 and {r.status for r in rects} == {S.CLOSED}
    closed = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rectification.closed")).all()
    assert sorted(e.object_id for e in closed) == sorted(r.id for r in rects)
    assert {e.note for e in closed} == {"集中复核，整改到位。"}
    assert _audit_count() == before + 3


def test_one_row_that_cannot_move_stops_them_all_and_is_named(world, rects) -> None:
    first, second, third = rects
    _submit(first, world)
    _submit(third, world)
    before = _audit_count()
    with pytest.raises(InvalidTransition) as refused:
        services.bulk_apply(rects, services.BulkAction("close"), actor=world.supervisor)
    assert "1" in refused.value.message and "3" in refused.value.message
    (detail,) = refused.value.details
    assert second.finding.reference in detail and world.school.name in detail
    assert second.status.label in detail
    assert (first.status, second.status, third.status) == (S.SUBMITTED, S.NOT_STARTED, S.SUBMITTED)
    assert _audit_count() == before


@pytest.mark.parametrize(("spec", "message"), [
    (services.BulkAction("return", note=" "), "returned"),
    (services.BulkAction("partial", note=""), "remains"),
    (services.BulkAction("deadline"), "deadline"),
    (services.BulkAction("deadline", due_on=local_today() - timedelta(days=1)), "passed"),
    (services.BulkAction("explode"), "Choose"),
])
def test_missing_or_wrong_inputs_are_refused_before_any_row(world, rects, spec, message) -> None:
    for rect in rects:
        _submit(rect, world)
    with force_locale("en"), pytest.raises(ValidationFailed) as refused:
        services.bulk_apply(rects, spec, actor=world.supervisor)
    assert message in refused.value.message
    assert {r.status for r in rects} == {S.SUBMITTED}


def test_a_new_deadline_for_all_but_not_for_a_closed_one(world, rects) -> None:
    later = local_today() + timedelta(days=60)
    services.bulk_apply(rects, services.BulkAction("deadline", due_on=later, note="统一调整"), actor=world.supervisor)
    assert {r.due_on for r in rects} == {later}
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rectification.deadline")).all()
    assert len(entries) == 3 and {e.note for e in entries} == {"统一调整"}
    _submit(rects[0], world)
    services.close(rects[0], note=None, actor=world.supervisor)
    with pytest.raises(InvalidTransition):
        services.bulk_apply(rects, services.BulkAction("deadline", due_on=later + timedelta(days=1)),
                            actor=world.supervisor)
    assert {r.due_on for r in rects} == {later}


def test_responsible_unit_and_person_for_many_and_for_one(world, rects) -> None:
    services.bulk_apply(rects, services.BulkAction("responsible", unit="学校财务室", person="王会计"),
                        actor=world.supervisor)
    assert {(r.responsible_unit, r.responsible_person) for r in rects} == {("学校财务室", "王会计")}
    services.set_responsible(rects[0], unit="学生资助办公室", person="", actor=world.county_supervisor)
    assert (rects[0].responsible_unit, rects[0].responsible_person) == ("学生资助办公室", None)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "rectification.responsible")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"responsible_unit": "学校财务室", "responsible_person": "王会计"}
    assert entry.after == {"responsible_unit": "学生资助办公室", "responsible_person": None}
    with pytest.raises(ValidationFailed):
        services.set_responsible(rects[0], unit="单" * 200, person=None, actor=world.supervisor)


def test_the_bulk_form_on_the_list(world, rects, client, auth) -> None:
    for rect in rects[:2]:
        _submit(rect, world)
    db.session.commit()
    auth.login(world.county_supervisor)
    page = client.get("/rectification/?status=submitted").text
    assert 'name="rect_id"' in page and 'data-bulkbar' in page
    referer = {"Referer": "http://localhost/rectification/?status=submitted"}
    # The third row is not submitted: nothing is closed, and the flash names it.
    response = client.post("/rectification/bulk", headers=referer, follow_redirects=True,
                           data={"rect_id": [str(r.id) for r in rects], "action": "close", "note": ""})
    assert rects[2].finding.reference in response.text
    db.session.expire_all()
    assert [r.status for r in rects] == [S.SUBMITTED, S.SUBMITTED, S.NOT_STARTED]
    response = client.post("/rectification/bulk", headers=referer,
                           data={"rect_id": [str(r.id) for r in rects[:2]], "action": "close", "note": "好"})
    assert response.status_code == 302 and response.location.endswith("/rectification/?status=submitted")
    db.session.expire_all()
    assert [r.status for r in rects] == [S.CLOSED, S.CLOSED, S.NOT_STARTED]


def test_a_row_outside_the_scope_makes_the_whole_request_not_found(world, rects, make_rects, client, auth) -> None:
    (elsewhere,) = make_rects(world.other_school, world.supervisor)
    db.session.commit()
    auth.login(world.county_supervisor)
    later = (local_today() + timedelta(days=50)).isoformat()
    response = client.post("/rectification/bulk", data={"rect_id": [str(rects[0].id), str(elsewhere.id)],
                                                        "action": "deadline", "due_on": later})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Rectification, rects[0].id).due_on != local_today() + timedelta(days=50)
    assert client.get("/rectification/").text.count('name="rect_id"') == 3
