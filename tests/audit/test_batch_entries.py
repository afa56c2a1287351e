"""A tablet's batch of answers is one audit entry: told as a sentence on the audit page and in the
visit's history, and read back per answer for an item's history and a problem's history."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from inspect_app.audit import sentences
from inspect_app.audit import services as audit
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.visits import services as visit_services
from inspect_app.visits.answer_sheet import answer_history
from tests.fixtures import PASSWORD
from tests.fixtures import Auth
from tests.fixtures import World
from tests.fixtures import answer_all


def send(app: Flask, world: World, ops: list[tuple[str, str | None, str | None, int]]) -> None:
    """Answers (item name, value, note, base revision) sent by the inspector's tablet as one batch."""
    items = {i.name: i.id for i in world.visit.checklist_version.items}
    client = app.test_client()
    login = client.post("/auth/login", data={"username": world.inspector.username, "password": PASSWORD})
    assert login.status_code == 302
    body = {"ops": [{"op_id": str(uuid.uuid4()), "type": "answer", "item_id": items[name], "value": value,
                     "note": note, "base_rev": rev} for name, value, note, rev in ops]}
    response = client.post(f"/api/v1/visits/{world.visit.uuid}/ops", json=body,
                           headers={"Accept": "application/json", "X-Client-Id": "tablet-a",
                                    "Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 200 and {r["status"] for r in response.json["results"]} == {"applied"}


@pytest.fixture
def synced(app: Flask, world: World) -> World:
    world.inspector.display_name = "李四"
    db.session.commit()
    send(app, world, [("S1_1", "no", "未成立领导小组", 0), ("enrolled", "420", None, 0)])
    send(app, world, [("enrolled", "430", None, 1)])
    return world


def test_the_audit_page_and_the_visits_history_tell_a_batch_in_one_sentence(
        synced: World, auth: Auth, client: FlaskClient) -> None:
    visit = f"{synced.school.name}（{synced.campaign.name}）"
    auth.login(synced.supervisor)
    page = client.get("/audit/").get_data(as_text=True)
    table = page[page.index('<table class="list audit">'):]
    assert (f"李四 从平板同步了{visit}的2处答案修改：检查项 S1_1：“no”，备注“未成立领导小组”；"
            "检查项 enrolled：“420”") in table
    assert f"李四 从平板同步了{visit}的1处答案修改：检查项 enrolled 由“420”改为“430”" in table
    assert "changes" not in table  # the data as recorded is for administrators
    history = client.get(f"/visits/{synced.visit.id}").get_data(as_text=True)
    assert "检查项 enrolled 由“420”改为“430”" in history[history.index('class="timeline"'):]


def test_a_batch_sentence_names_its_first_changes_and_counts_the_others(app: Flask) -> None:
    changes = [{"answer": k, "item": f"n{k}", "value": str(k + 1), "note": None,
                "before": {"value": str(k), "note": None}, "rev": 2} for k in range(7)]
    after = {"count": 7, "changes": changes}
    with app.test_request_context():
        told = sentences.sentence("answer.batch", None, after, None, who="李四", object="华州第一小学")
        assert told.startswith("李四 从平板同步了华州第一小学的7处答案修改：检查项 n0 由“0”改为“1”；")
        assert "检查项 n4 由“4”改为“5”；另有2处修改" in told and "n5" not in told
        with force_locale("en"):
            told = sentences.sentence("answer.batch", None, {"count": 1, "changes": changes[:1]}, None,
                                      who="Li Si", object="School 1")
        assert told == "Li Si synced 1 change of the answers of School 1 from a tablet: item n0 “0” → “1”"


def test_an_items_history_shows_its_changes_from_the_page_and_from_batches(app: Flask, synced: World) -> None:
    enrolled = next(i for i in synced.visit.checklist_version.items if i.name == "enrolled")
    visit_services.save_answer(synced.visit, enrolled, value="440", note="复核", actor=synced.supervisor)
    db.session.commit()
    changes = answer_history(synced.visit, enrolled)
    assert [(c.entry.action, c.action, c.before, c.after) for c in changes] == [
        ("answer.batch", "answer.save", None, {"item": "enrolled", "value": "420", "note": None}),
        ("answer.batch", "answer.save", {"value": "420", "note": None},
         {"item": "enrolled", "value": "430", "note": None}),
        ("answer.save", "answer.save", {"value": "430", "note": None},
         {"item": "enrolled", "value": "440", "note": "复核"})]
    with app.test_request_context():
        told = [line.text for line in sentences.lines(changes)]
    assert told[0] == "李四 填写检查项 enrolled：“420”" and told[1] == "李四 填写检查项 enrolled：“430”"
    assert told[2].endswith("填写检查项 enrolled：“440”，备注“复核”")
    assert audit.verify().ok


def test_a_problems_history_shows_how_its_answer_came_to_be(
        app: Flask, world: World, auth: Auth, client: FlaskClient) -> None:
    world.inspector.display_name = "李四"
    answer_all(app, world.visit, world.inspector)
    db.session.commit()
    send(app, world, [("S1_1", "no", "未成立领导小组", 1), ("enrolled", "420", None, 1)])
    (finding,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    finding_services.confirm_finding(finding, due_on=local_today() + timedelta(days=10), actor=world.supervisor)
    db.session.commit()
    auth.login(world.county_supervisor)
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    timeline = page[page.index('class="timeline"'):]
    assert "李四 填写检查项 S1_1：“no”，备注“未成立领导小组”" in timeline
    assert "enrolled" not in timeline  # the batch's other answer is not this problem's
    auth.logout()
    auth.login(world.school_contact)
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert "李四 填写检查项" not in page


