"""A batch of operations is applied in one transaction with a fixed number of SQL statements for its
answers, and keeps every guarantee of applying them one by one: each operation once, revisions,
parallel edits flagged, every change audited (in one entry for the batch, listing them)."""

from __future__ import annotations

import typing as t
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from inspect_app.audit import services as audit
from inspect_app.audit.models import AuditEntry
from inspect_app.campaigns import services as campaign_services
from inspect_app.checklists import services as checklist_services
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.sync import ops as sync_ops
from inspect_app.sync.models import SyncOp
from inspect_app.visits.models import Answer
from inspect_app.visits.models import Visit
from tests.fixtures import World

from .conftest import Api

ITEMS = 45


def new() -> str:
    return str(uuid.uuid4())


def answer(item_id: int, value: str | None, *, base_rev: int = 0, note: str | None = None,
           op_id: str | None = None) -> dict[str, t.Any]:
    return {"op_id": op_id or new(), "type": "answer", "item_id": item_id, "value": value, "note": note,
            "base_rev": base_rev}


def count(model: t.Any, *where: t.Any) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def big_visits(world: World, make_school: t.Callable[..., t.Any]) -> tuple[list[int], list[Visit]]:
    """Two started visits of a checklist of 45 number questions, both the inspector's."""
    rows = "\n".join(f"|        | integer | n{k} | 数量{k} | Count {k} |" for k in range(ITEMS))
    text = ("| survey |\n|        | type | name | label::Chinese (zh) | label::English (en) |\n" + rows
            + "\n| settings |\n|          | form_title | form_id | version | default_language |\n"
              "|          | 批量检查表 | batch_test | 1 | Chinese (zh) |\n")
    version, _ = checklist_services.import_checklist(text.encode(), filename="batch.md", actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="B1", name="批量", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    visits = campaign_services.add_schools(campaign, [make_school(world.away), make_school(world.away)],
                                          actor=world.supervisor)
    campaign_services.assign_inspector(visits, world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return [i.id for i in sorted(version.items, key=lambda i: i.position)], visits


def batch(items: list[int], size: int, *, edit: bool) -> list[dict[str, t.Any]]:
    """``size`` answers with and without notes, blank ones among them, and one item answered twice.

    The edits change every value or note but those of the blank answers without a note (unchanged).
    """
    ops = [answer(items[k], None if k % 7 == 3 else str(k + (100 if edit else 0)), base_rev=1 if edit else 0,
                  note=("复核" if edit else "备注") if k % 2 else None) for k in range(size - 1)]
    return ops + [answer(items[0], "999" if edit else "998", base_rev=0)]


def test_a_batch_of_5_answers_costs_the_statements_of_a_batch_of_40(world: World, app: Flask, api: Api,
                                                                    big_visits: tuple[list[int], list[Visit]]) -> None:
    items, (small, large) = big_visits
    seen: list[str] = []

    def statement(*args: t.Any) -> None:
        seen.append(args[2])

    def send(visit: Visit, ops: list[dict[str, t.Any]]) -> int:
        seen.clear()
        event.listen(db.engine, "before_cursor_execute", statement)
        try:
            response = api.post(f"/api/v1/visits/{visit.uuid}/ops", json={"ops": ops},
                                headers={"Idempotency-Key": new()})
        finally:
            event.remove(db.engine, "before_cursor_execute", statement)
        assert response.status_code == 200
        assert {r["status"] for r in response.json["results"][:-1]} <= {"applied", "unchanged"}
        return len(seen)

    assert send(small, batch(items, 5, edit=False)) == send(large, batch(items, 40, edit=False))
    assert send(small, batch(items, 5, edit=True)) == send(large, batch(items, 40, edit=True))
    stored = db.session.scalars(sa.select(Answer).where(Answer.visit_id == large.id,
                                                        Answer.item_id == items[5])).one()
    assert (stored.value, stored.note, stored.rev) == ("105", "复核", 2)
    # The item answered twice in each batch: four revisions, none of them a parallel edit.
    first = db.session.scalars(sa.select(Answer).where(Answer.visit_id == large.id, Answer.item_id == items[0])).one()
    assert (first.value, first.rev) == ("999", 4)
    assert count(SyncOp, SyncOp.status == "conflict") == 0
    unchanged = count(SyncOp, SyncOp.status == "unchanged")
    assert unchanged == 3  # blank and without a note both times: items 10, 24 and 38 of the large batch
    # One audit entry per batch (four), listing every change but the unchanged answers.
    batches = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "answer.batch")).all()
    assert len(batches) == 4 and count(AuditEntry, AuditEntry.action == "answer.save") == 0
    assert sum(len(e.after["changes"]) for e in batches) == count(SyncOp) - unchanged
    assert all(e.after["count"] == len(e.after["changes"]) for e in batches)
    assert audit.verify().ok


def test_each_change_in_a_batch_is_listed_in_its_audit_entry_with_what_it_replaced(world: World, api: Api) -> None:
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "enrolled")
    ops = [answer(item, "1"), answer(item, "2", note="复核"), answer(item, "2", base_rev=2, note="复核")]
    response = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", json={"ops": ops},
                        headers={"Idempotency-Key": new()})
    assert [(r["status"], r["rev"]) for r in response.json["results"]] == [("applied", 1), ("applied", 2),
                                                                          ("unchanged", 2)]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "answer.batch")).one()
    stored = db.session.scalars(sa.select(Answer).where(Answer.item_id == item)).one()
    assert (entry.object_type, entry.object_id, entry.before) == ("visits", world.visit.id, None)
    assert entry.after == {"count": 2, "changes": [
        {"answer": stored.id, "item": "enrolled", "value": "1", "note": None, "before": None, "rev": 1},
        {"answer": stored.id, "item": "enrolled", "value": "2", "note": "复核",
         "before": {"value": "1", "note": None}, "rev": 2}]}
    assert audit.verify().ok


def test_an_operation_twice_in_one_batch_is_applied_once(world: World, api: Api) -> None:
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "enrolled")
    op_id = new()
    ops = [answer(item, "7", op_id=op_id), answer(item, "7", op_id=op_id), answer(item, "8", op_id=op_id)]
    results = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", json={"ops": ops},
                       headers={"Idempotency-Key": new()}).json["results"]
    assert [(r["status"], r["rev"]) for r in results] == [("applied", 1), ("duplicate", 1), ("refused", None)]
    assert op_id in results[2]["message"]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "answer.batch")).one()
    assert count(SyncOp) == 1 and [c["value"] for c in entry.after["changes"]] == ["7"]


def test_a_batch_meeting_an_operation_recorded_at_the_same_moment_is_taken_again(
        world: World, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    items = {i.name: i.id for i in world.visit.checklist_version.items}
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    first = answer(items["enrolled"], "5")
    api.post(url, json={"ops": [first]}, headers={"Idempotency-Key": new()})
    # The first reading of the batch misses that operation, as if the other request committed just after it.
    original, calls = sync_ops.Batch.__init__, []

    def missing_the_other(self: sync_ops.Batch, *args: t.Any, **kwargs: t.Any) -> None:
        original(self, *args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            self.earlier.clear()

    monkeypatch.setattr(sync_ops.Batch, "__init__", missing_the_other)
    response = api.post(url, json={"ops": [answer(items["opinion"], "良好"), first]},
                        headers={"Idempotency-Key": new()})
    assert response.status_code == 200 and len(calls) == 2
    assert [r["status"] for r in response.json["results"]] == ["applied", "duplicate"]
    assert count(SyncOp) == 2 and count(Answer) == 2
    # Each batch's entry lists its own answer; the batch taken again wrote one entry, not two.
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "answer.batch")
                                 .order_by(AuditEntry.id)).all()
    assert [[c["item"] for c in e.after["changes"]] for e in entries] == [["enrolled"], ["opinion"]]
    assert audit.verify().ok


@pytest.mark.parametrize("size", [1, 12, ITEMS])
def test_a_batch_of_n_answers_writes_one_audit_entry_listing_its_n_changes(
        api: Api, big_visits: tuple[list[int], list[Visit]], size: int) -> None:
    items, (visit, _other) = big_visits
    url = f"/api/v1/visits/{visit.uuid}/ops"

    def send(ops: list[dict[str, t.Any]]) -> list[AuditEntry]:
        last = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
        response = api.post(url, json={"ops": ops}, headers={"Idempotency-Key": new()})
        assert {r["status"] for r in response.json["results"]} == {"applied"}
        return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)))

    # The first answers also start the visit (an entry of its own, as on the page).
    first = send([answer(items[k], str(k)) for k in range(size)])
    assert [e.action for e in first] == ["visit.start", "answer.batch"]
    assert first[1].after["count"] == size
    assert [(c["item"], c["value"], c["before"], c["rev"]) for c in first[1].after["changes"]] == [
        (f"n{k}", str(k), None, 1) for k in range(size)]
    (edits,) = send([answer(items[k], str(k + 1), base_rev=1, note="复核") for k in range(size)])
    stored = dict(db.session.execute(sa.select(Answer.item_id, Answer.id).where(Answer.visit_id == visit.id)).all())
    assert (edits.action, edits.object_type, edits.object_id) == ("answer.batch", "visits", visit.id)
    assert (edits.school_id, edits.campaign_id) == (visit.school_id, visit.campaign_id)
    assert edits.after["changes"] == [
        {"answer": stored[items[k]], "item": f"n{k}", "value": str(k + 1), "note": "复核",
         "before": {"value": str(k), "note": None}, "rev": 2} for k in range(size)]
    assert audit.verify().ok


def test_an_op_id_taken_by_another_request_meanwhile_sends_the_batch_round_again(
        world: World, app: Flask, api: Api, big_visits: tuple[list[int], list[Visit]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two batches on two visits carrying one op_id at the same moment both pass the read of earlier
    operations; the second meets the first's row when it stores its operations, rolls back everything it
    wrote and is taken again: then it finds the operation and refuses it. Nothing of it is left behind."""
    items, (first, second) = big_visits
    op_id = new()
    sent = api.post(f"/api/v1/visits/{first.uuid}/ops", json={"ops": [answer(items[0], "7", op_id=op_id)]},
                    headers={"Idempotency-Key": new()})
    assert sent.json["results"][0]["status"] == "applied"

    built = sync_ops.Batch.__init__
    rounds: list[int] = []

    def blind_at_first(self: sync_ops.Batch, *args: t.Any, **kw: t.Any) -> None:
        built(self, *args, **kw)
        if not rounds:  # as if the other request had not committed yet when this one read
            self.earlier = {}
        rounds.append(len(self.earlier))

    monkeypatch.setattr(sync_ops.Batch, "__init__", blind_at_first)
    key, ops = new(), [answer(items[0], "8", op_id=op_id), answer(items[1], "9")]
    again = api.post(f"/api/v1/visits/{second.uuid}/ops", json={"ops": ops}, headers={"Idempotency-Key": key})
    assert again.status_code == 200 and rounds == [0, 1]
    assert [r["status"] for r in again.json["results"]] == ["refused", "applied"]
    assert op_id in again.json["results"][0]["message"]
    # The first round's answers went with its rollback; the second round's are stored once.
    assert count(Answer, Answer.visit_id == second.id) == 1
    assert count(SyncOp, SyncOp.op_id == op_id) == 1
    assert count(AuditEntry, AuditEntry.action == "answer.batch", AuditEntry.object_id == second.id) == 1
    replay = api.post(f"/api/v1/visits/{second.uuid}/ops", json={"ops": ops}, headers={"Idempotency-Key": key})
    assert replay.json == again.json and replay.headers.get("Idempotent-Replayed") == "true"
