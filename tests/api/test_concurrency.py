"""Requests that arrive at the same moment: the database's unique keys, not checks made beforehand,
keep every operation, file and submission single (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import threading
import typing as t
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db
from inspect_app.findings.models import Finding
from inspect_app.media.models import Attachment
from inspect_app.sync.models import OpStatus
from inspect_app.sync.models import SyncKind
from inspect_app.sync.models import SyncOp
from inspect_app.sync.models import SyncRequest
from inspect_app.visits.models import Answer
from tests.fixtures import World
from tests.fixtures import answer_all

from .conftest import Api

ROUNDS = 3


def at_once(calls: list[t.Callable[[], t.Any]]) -> list[t.Any]:
    """Run the calls in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[t.Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def count(model: t.Any, *where: t.Any) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def test_the_same_batch_sent_twice_at_once_is_applied_once(world: World, app: Flask) -> None:
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "enrolled")
    tablets = [Api(app, "insp"), Api(app, "insp")]
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    for n in range(ROUNDS):
        body = {"ops": [{"op_id": str(uuid.uuid4()), "type": "answer", "item_id": item, "value": str(n),
                         "note": None, "base_rev": n}]}
        key = str(uuid.uuid4())
        first, second = at_once([lambda c=c, b=body, k=key: c.post(url, json=b, headers={"Idempotency-Key": k})
                                 for c in tablets])
        assert first.status_code == second.status_code == 200
        assert first.json == second.json and first.json["results"][0]["status"] == "applied"
    assert count(SyncOp) == ROUNDS and count(SyncRequest) == ROUNDS
    answer = db.session.scalars(sa.select(Answer).where(Answer.item_id == item)).one()
    assert (answer.value, answer.rev) == (str(ROUNDS - 1), ROUNDS)
    # One audit entry per batch applied (each lists its one answer), none for the replays.
    assert count(AuditEntry, AuditEntry.action == "answer.batch") == ROUNDS
    assert count(AuditEntry, AuditEntry.action == "answer.save") == 0


def test_the_same_operation_in_two_batches_at_once_is_applied_once(world: World, app: Flask) -> None:
    item = next(i.id for i in world.visit.checklist_version.items if i.name == "opinion")
    tablets = [Api(app, "insp"), Api(app, "insp")]
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    op = {"op_id": str(uuid.uuid4()), "type": "answer", "item_id": item, "value": "良好", "note": None, "base_rev": 0}
    results = at_once([lambda c=c: c.post(url, json={"ops": [op]}, headers={"Idempotency-Key": str(uuid.uuid4())})
                       for c in tablets])
    assert sorted(r.json["results"][0]["status"] for r in results) == ["applied", "duplicate"]
    assert count(SyncOp) == 1 and count(Answer) == 1


def test_submissions_at_once_submit_once(world: World, app: Flask) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组"})
    db.session.commit()
    tablets = [Api(app, "insp") for _ in range(3)]
    url = f"/api/v1/visits/{world.visit.uuid}/submit"
    results = at_once([lambda c=c: c.post(url, headers={"Idempotency-Key": str(uuid.uuid4())}) for c in tablets])
    assert sorted(r.status_code for r in results) == [200, 200, 201]
    assert sorted(r.json["already"] for r in results) == [False, True, True]
    assert count(Finding) == 1
    assert count(AuditEntry, AuditEntry.action == "visit.submit") == 1
    assert count(SyncRequest, SyncRequest.kind == SyncKind.SUBMIT) == 3


def test_the_same_photo_put_twice_at_once_is_stored_once(world: World, app: Flask) -> None:
    from inspect_app.media import services as media

    item = next(i.id for i in world.visit.checklist_version.items if i.name == "site")
    tablets = [Api(app, "insp"), Api(app, "insp")]
    for n in range(ROUNDS):
        buffer = io.BytesIO()
        Image.new("RGB", (1600, 1200), (200, 100 + n, 0)).save(buffer, "JPEG")
        data = buffer.getvalue()
        headers = {"X-Content-SHA256": hashlib.sha256(data).hexdigest(), "Content-Type": "image/jpeg"}
        url = f"/api/v1/media/{uuid.uuid4()}?visit={world.visit.uuid}&item={item}"
        results = at_once([lambda c=c, u=url, d=data, h=headers: c.put(u, data=d, headers=h) for c in tablets])
        assert sorted(r.status_code for r in results) == [200, 201]
    assert count(Attachment) == ROUNDS
    assert count(AuditEntry, AuditEntry.action == "photo.add") == ROUNDS
    # The request that lost the race rolled back its own files only: every stored photo is on disk.
    for attachment in db.session.scalars(sa.select(Attachment)):
        for variant in ({}, {"thumb": True}, {"stamped": True}):
            assert media.file_path(attachment, **variant).is_file()


@pytest.mark.parametrize("model", ["op", "request", "attachment"])
def test_the_database_itself_refuses_a_second_row_under_the_same_key(world: World, app: Flask, model: str) -> None:
    """Even a write that skipped every check cannot store an operation, a batch or a file twice."""
    visit = world.visit
    op_id, key = str(uuid.uuid4()), str(uuid.uuid4())
    batch = SyncRequest(visit_id=visit.id, user_id=world.inspector.id, kind=SyncKind.OPS, idempotency_key="first",
                        request_hash="x", status_code=200, response={})
    db.session.add(batch)
    db.session.flush()

    def row() -> t.Any:
        if model == "request":
            return SyncRequest(visit_id=visit.id, user_id=world.inspector.id, kind=SyncKind.OPS, idempotency_key=key,
                               request_hash="x", status_code=200, response={})
        if model == "op":
            return SyncOp(op_id=op_id, request_id=batch.id, visit_id=visit.id, user_id=world.inspector.id,
                          type="answer", payload_hash="x", status=OpStatus.APPLIED)
        return Attachment(uuid=key, kind="photo", visit_id=visit.id, original_name="a.jpg", path="a.jpg",
                          content_type="image/jpeg", size_bytes=1, sha256="x")

    db.session.add(row())
    db.session.commit()
    db.session.add(row())
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_many_tablets_writing_at_once_are_served_one_after_the_other_not_refused(world: World, app: Flask) -> None:
    items = [i.id for i in world.visit.checklist_version.items if i.type.takes_answer][:20]
    tablets = [Api(app, "insp", client_id=f"tablet-{n}") for n in range(24)]
    url = f"/api/v1/visits/{world.visit.uuid}/ops"

    def batch(n: int) -> dict[str, t.Any]:
        return {"ops": [{"op_id": str(uuid.uuid4()), "type": "answer", "item_id": item, "value": str(n), "note": None,
                         "base_rev": None} for item in items]}

    bodies = [batch(n) for n in range(len(tablets))]
    results = at_once([lambda c=c, b=b: c.post(url, json=b, headers={"Idempotency-Key": str(uuid.uuid4())})
                       for c, b in zip(tablets, bodies, strict=True)])
    assert [r.status_code for r in results] == [200] * len(tablets)
    assert count(SyncOp) == len(tablets) * len(items)
