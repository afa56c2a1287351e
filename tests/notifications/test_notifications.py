"""In-app notifications: who hears of what, the unread count in the top bar, reading them."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from inspect_app.extensions import db
from inspect_app.notifications import labels
from inspect_app.notifications.models import Notification
from inspect_app.rectification import services as rect_services

from ..rectification.test_services import _ready

BELL = re.compile(r'<span class="bellcount">(\d+)</span>')


def _kinds(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_each_step_tells_the_people_who_act_next(world, make_rects) -> None:
    (rect,) = make_rects(world.school, world.supervisor)
    assert _kinds(world.school_contact) == ["rectification.opened"]
    assert _kinds(world.other_school_contact) == []
    _ready(rect, world)
    rect_services.submit(rect, actor=world.school_contact)
    # The supervisors whose scope holds the school; not the other county's, and never the actor.
    assert _kinds(world.supervisor) == ["rectification.submitted"]
    assert _kinds(world.county_supervisor) == ["rectification.submitted"]
    assert _kinds(world.other_county_supervisor) == [] and _kinds(world.viewer) == []
    rect_services.return_to_school(rect, reason="缺少文件。", actor=world.county_supervisor)
    assert _kinds(world.school_contact)[-1] == "rectification.returned"
    rect_services.submit(rect, actor=world.school_contact)
    rect_services.close(rect, note=None, actor=world.supervisor)
    assert _kinds(world.school_contact)[-1] == "rectification.closed"
    assert "rectification.closed" not in _kinds(world.supervisor)


def test_messages_are_written_in_the_readers_language(world, make_rects) -> None:
    (rect,) = make_rects(world.school, world.supervisor)
    (note,) = db.session.scalars(sa.select(Notification).where(Notification.user_id == world.school_contact.id))
    chinese = labels.message(note.kind, note.params)
    assert rect.finding.reference in chinese and "已确认" in chinese
    with force_locale("en"):
        english = labels.message(note.kind, note.params)
    assert english.startswith("A problem found at your school was confirmed")


def test_the_top_bar_counts_unread_and_reading_leads_to_the_problem(world, make_rects, client, auth) -> None:
    (rect,) = make_rects(world.school, world.supervisor)
    rect_services.set_due_on(rect, rect.due_on + timedelta(days=3), actor=world.supervisor)
    db.session.commit()
    unread = len(_kinds(world.school_contact))
    assert unread == 2
    auth.login(world.school_contact)
    page = client.get("/rectification/mine").text
    assert BELL.search(page).group(1) == str(unread)
    inbox = client.get("/notifications/").text
    assert rect.finding.reference in inbox and inbox.count('class="unread') == unread
    note_id = db.session.scalars(sa.select(Notification.id).where(Notification.user_id == world.school_contact.id)
                                 .order_by(Notification.id)).first()
    response = client.post(f"/notifications/{note_id}/read")
    assert response.status_code == 302 and response.location.endswith(f"/rectification/{rect.id}")
    page = client.get("/rectification/mine").text
    assert (BELL.search(page).group(1) if BELL.search(page) else "0") == str(unread - 1)
    client.post("/notifications/read-all")
    assert not BELL.search(client.get("/rectification/mine").text)
    assert "class=\"unread" not in client.get("/notifications/").text


def test_nobody_reads_another_persons_notification(world, make_rects, client, auth) -> None:
    make_rects(world.school, world.supervisor)
    db.session.commit()
    note = db.session.scalars(sa.select(Notification).where(Notification.user_id == world.school_contact.id)).one()
    auth.login(world.supervisor)
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    client.post("/notifications/read-all")
    db.session.expire_all()
    assert note.read_at is None
    assert note.params["reference"] not in client.get("/notifications/").text
