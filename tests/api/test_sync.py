"""The sync API's contract: idempotent writes (201/200/409), batches under an Idempotency-Key,
per-item revisions with parallel edits flagged, submission once, and duplicates stopped by the database."""

from __future__ import annotations

import hashlib
import io
import typing as t
import uuid

import sqlalchemy as sa
from flask import Flask
from PIL import Image

from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db
from inspect_app.media.models import Attachment
from inspect_app.sync.models import OpStatus
from inspect_app.sync.models import SyncOp
from inspect_app.sync.models import SyncRequest
from inspect_app.visits.models import Answer
from inspect_app.visits.models import Visit
from inspect_app.visits.models import VisitStatus
from tests.fixtures import PASSWORD
from tests.fixtures import World
from tests.fixtures import answer_all

from .conftest import Api


def new() -> str:
    return str(uuid.uuid4())


def items(world: World) -> dict[str, int]:
    return {i.name: i.id for i in world.visit.checklist_version.items}


def answer(item_id: int, value: str | None, *, base_rev: int = 0, note: str | None = None,
           entry: str | None = None, op_id: str | None = None) -> dict[str, t.Any]:
    return {"op_id": op_id or new(), "type": "answer", "item_id": item_id, "entry": entry, "value": value,
            "note": note, "base_rev": base_rev, "client_ts": "2026-11-27T09:00:00+08:00"}


def jpeg(color: str = "red", size: tuple[int, int] = (800, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def count(model: t.Any, *where: t.Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


# --- visits ---------------------------------------------------------------------------------------


def test_opening_a_visit_is_201_then_200_then_409(world: World, api: Api) -> None:
    visit = world.visit
    body = {"school_id": visit.school_id, "checklist_version_id": visit.checklist_version_id,
            "started_at": "2026-11-27T08:30:00+08:00"}
    first = api.put(f"/api/v1/visits/{visit.uuid}", json=body)
    assert first.status_code == 201, first.json
    assert first.json["started_at"] == "2026-11-27T00:30:00Z"
    again = api.put(f"/api/v1/visits/{visit.uuid}", json=body)
    assert again.status_code == 200 and again.json == first.json
    other = api.put(f"/api/v1/visits/{visit.uuid}", json={**body, "started_at": "2026-11-27T10:00:00+08:00"})
    assert other.status_code == 409 and other.json["current"] == first.json
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).status == VisitStatus.IN_PROGRESS  # type: ignore[union-attr]
    wrong = api.put(f"/api/v1/visits/{visit.uuid}", json={**body, "school_id": world.other_school.id})
    assert wrong.status_code == 409
    assert count(SyncRequest, SyncRequest.visit_id == visit.id) == 4


def test_a_visit_of_someone_else_is_404_and_other_roles_403(world: World, api: Api, app: Flask) -> None:
    body = {"school_id": world.visit.school_id, "checklist_version_id": world.visit.checklist_version_id,
            "started_at": "2026-11-27T08:30:00+08:00"}
    other = Api(app, world.other_inspector.username)
    assert other.put(f"/api/v1/visits/{world.visit.uuid}", json=body).status_code == 404
    assert other.get(f"/api/v1/visits/{world.visit.uuid}").status_code == 404
    school = Api(app, world.school_contact.username)
    assert school.put(f"/api/v1/visits/{world.visit.uuid}", json=body).status_code == 403
    assert api.put(f"/api/v1/visits/{new()}", json=body).status_code == 404


# --- batches ---------------------------------------------------------------------------------------


def test_a_batch_applies_each_operation_once_and_a_replay_gets_the_same_answer(world: World, api: Api) -> None:
    ids = items(world)
    ops = [answer(ids["S1_1"], "no", note="未成立领导小组"), answer(ids["enrolled"], "420")]
    key = new()
    first = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", json={"ops": ops}, headers={"Idempotency-Key": key})
    assert first.status_code == 200
    assert [r["status"] for r in first.json["results"]] == ["applied", "applied"]
    assert [r["rev"] for r in first.json["results"]] == [1, 1]
    replay = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", json={"ops": ops}, headers={"Idempotency-Key": key})
    assert replay.status_code == 200 and replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    # The same operations in a new batch (the answer to the first was lost): duplicates, nothing applied twice.
    resent = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", json={"ops": ops}, headers={"Idempotency-Key": new()})
    assert [r["status"] for r in resent.json["results"]] == ["duplicate", "duplicate"]
    assert [r["rev"] for r in resent.json["results"]] == [1, 1]
    answers = db.session.scalars(sa.select(Answer).where(Answer.visit_id == world.visit.id)).all()
    assert {(a.item_id, a.value, a.rev) for a in answers} == {(ids["S1_1"], "no", 1), (ids["enrolled"], "420", 1)}
    assert count(SyncOp) == 2
    # One audit entry for the batch, about the visit, listing both answers (none of its own per answer).
    assert count(AuditEntry, AuditEntry.action == "answer.save") == 0
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "answer.batch")).one()
    assert (entry.object_type, entry.object_id, entry.after["count"]) == ("visits", world.visit.id, 2)
    assert [(c["item"], c["value"], c["note"], c["before"]) for c in entry.after["changes"]] == [
        ("S1_1", "no", "未成立领导小组", None), ("enrolled", "420", None, None)]
    row = db.session.scalars(sa.select(SyncRequest).where(SyncRequest.idempotency_key == key)).one()
    assert row.replays == 1 and row.counts["applied"] == 2


def test_a_key_reused_for_another_body_is_422_and_a_missing_key_400(world: World, api: Api) -> None:
    ids = items(world)
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    key = new()
    first = api.post(url, json={"ops": [answer(ids["enrolled"], "1")]}, headers={"Idempotency-Key": key})
    assert first.status_code == 200
    reused = api.post(url, json={"ops": [answer(ids["enrolled"], "2")]}, headers={"Idempotency-Key": key})
    assert reused.status_code == 422 and key in reused.json["error"]
    missing = api.post(url, json={"ops": [answer(ids["enrolled"], "3")]})
    assert missing.status_code == 400 and "Idempotency-Key" in missing.json["error"]
    assert db.session.scalars(sa.select(Answer.value)).all() == ["1"]


def test_successive_edits_from_one_tablet_are_not_conflicts(world: World, api: Api) -> None:
    ids = items(world)
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    # Three edits made offline, all on the revision the tablet last saw (none): only the last counts.
    ops = [answer(ids["enrolled"], str(n)) for n in (1, 2, 3)]
    result = api.post(url, json={"ops": ops}, headers={"Idempotency-Key": new()}).json["results"]
    assert [r["status"] for r in result] == ["applied"] * 3 and [r["rev"] for r in result] == [1, 2, 3]
    later = api.post(url, json={"ops": [answer(ids["enrolled"], "4", base_rev=1)]},
                     headers={"Idempotency-Key": new()}).json["results"][0]
    assert later["status"] == "applied" and later["rev"] == 4
    same = api.post(url, json={"ops": [answer(ids["enrolled"], "4", base_rev=4)]},
                    headers={"Idempotency-Key": new()}).json["results"][0]
    assert same["status"] == "unchanged" and same["rev"] == 4
    assert count(SyncOp, SyncOp.status == OpStatus.CONFLICT) == 0


def test_two_inspectors_on_one_visit_last_write_wins_and_the_parallel_edit_is_flagged(
        world: World, app: Flask, api: Api, make_user: t.Callable[..., t.Any]) -> None:
    from inspect_app.auth.models import Role
    from inspect_app.campaigns import services as campaign_services

    colleague = make_user(Role.INSPECTOR, username="colleague", county=world.home)
    campaign_services.assign_inspector([world.visit], colleague, actor=world.supervisor)
    db.session.commit()
    other = Api(app, "colleague", client_id="tablet-b")
    ids = items(world)
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    a = api.post(url, json={"ops": [answer(ids["S2_1"], "good")]}, headers={"Idempotency-Key": new()})
    assert a.json["results"][0]["status"] == "applied"
    # The colleague's tablet never saw that answer (base 0) and sends another one: it wins, flagged.
    b = other.post(url, json={"ops": [answer(ids["S2_1"], "poor", note="档案缺失")]},
                   headers={"Idempotency-Key": new()})
    result = b.json["results"][0]
    assert result["status"] == "conflict" and result["rev"] == 2
    assert result["replaced"]["value"] == "good" and result["replaced"]["by"] == world.inspector.display_name
    stored = db.session.scalars(sa.select(Answer).where(Answer.item_id == ids["S2_1"])).one()
    assert (stored.value, stored.note, stored.rev) == ("poor", "档案缺失", 2)
    flagged = db.session.scalars(sa.select(SyncOp).where(SyncOp.status == OpStatus.CONFLICT)).one()
    assert flagged.previous["value"] == "good" and flagged.user_id == colleague.id
    # The same value from both sides is no conflict.
    c = api.post(url, json={"ops": [answer(ids["S2_1"], "poor", base_rev=1, note="档案缺失")]},
                 headers={"Idempotency-Key": new()})
    assert c.json["results"][0]["status"] == "unchanged"


def test_entries_photos_and_checkin_travel_as_operations(world: World, app: Flask, api: Api,
                                                         make_campaign: t.Callable[..., t.Any]) -> None:
    ids = items(world)
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    ops = [{"op_id": new(), "type": "checkin", "latitude": "34.512345", "longitude": "109.765432",
            "accuracy_m": 12.5, "at": "2026-11-27T08:31:00+08:00"},
           {"op_id": new(), "type": "photo_remove", "media": new()},
           {"op_id": new(), "type": "teleport"},
           answer(ids["opinion"], "x" * 5000)]
    results = api.post(url, json={"ops": ops}, headers={"Idempotency-Key": new()}).json["results"]
    assert [r["status"] for r in results] == ["applied", "unchanged", "refused", "refused"]
    assert "teleport" in results[2]["message"]
    db.session.expire_all()
    visit = db.session.get(Visit, world.visit.id)
    assert visit is not None and str(visit.checkin_latitude) == "34.512345" and str(visit.checkin_accuracy_m) == "12.5"
    assert count(SyncOp, SyncOp.status == OpStatus.REFUSED) == 2


def test_removing_an_entry_that_is_not_there_is_refused_not_a_crash(world: World, api: Api) -> None:
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    ops = [{"op_id": new(), "type": "entry_remove"}, {"op_id": new(), "type": "entry_remove", "entry": new()}]
    response = api.post(url, json={"ops": ops}, headers={"Idempotency-Key": new()})
    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results] == ["refused", "refused"]
    assert all(r["message"] for r in results)


def test_photos_put_under_their_uuid_are_201_200_409(world: World, api: Api, app: Flask) -> None:
    ids = items(world)
    key, data = new(), jpeg()
    query = f"visit={world.visit.uuid}&item={ids['site']}&taken_at=2026-11-27T09:15:00%2B08:00"
    headers = {"X-Content-SHA256": hashlib.sha256(data).hexdigest(), "Content-Type": "image/jpeg"}
    first = api.put(f"/api/v1/media/{key}?{query}", data=data, headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["uuid"] == key and first.json["taken_at"] == "2026-11-27T01:15:00Z"
    assert first.json["latitude"] is None
    again = api.put(f"/api/v1/media/{key}?{query}", data=data, headers=headers)
    # The same photo, now processed in the background: only its status and the stored file's hash moved on.
    processed = {"status", "sha256"}
    assert again.status_code == 200 and again.json["status"] == "ready"
    assert {k: v for k, v in again.json.items() if k not in processed} == \
        {k: v for k, v in first.json.items() if k not in processed}
    other = jpeg("blue")
    clash = api.put(f"/api/v1/media/{key}?{query}", data=other,
                    headers={**headers, "X-Content-SHA256": hashlib.sha256(other).hexdigest()})
    assert clash.status_code == 409 and clash.json["current"]["uuid"] == key
    moved = api.put(f"/api/v1/media/{key}?visit={world.visit.uuid}&item={ids['S1_1']}", data=data, headers=headers)
    assert moved.status_code == 409
    damaged = api.put(f"/api/v1/media/{new()}?{query}", data=data[:-10], headers=headers)
    assert damaged.status_code == 400 and "SHA-256" in damaged.json["error"]
    assert count(Attachment) == 1
    stored = db.session.scalars(sa.select(Attachment)).one()
    assert stored.stamped_path and (app.config["UPLOAD_DIR"] and stored.source_sha256 == headers["X-Content-SHA256"])
    removed = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", headers={"Idempotency-Key": new()},
                       json={"ops": [{"op_id": new(), "type": "photo_remove", "media": key}]})
    assert removed.json["results"][0]["status"] == "applied"
    assert count(Attachment) == 0


def test_a_signature_of_the_school_needs_a_name_and_replaces_the_earlier_one(world: World, api: Api) -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (600, 200), (0, 0, 0, 0)).save(buffer, "PNG")
    data = buffer.getvalue()
    headers = {"X-Content-SHA256": hashlib.sha256(data).hexdigest(), "Content-Type": "image/png"}
    base = f"visit={world.visit.uuid}&kind=signature&signer=school"
    nameless = api.put(f"/api/v1/media/{new()}?{base}", data=data, headers=headers)
    assert nameless.status_code == 400
    first = api.put(f"/api/v1/media/{new()}?{base}&signer_name=王校长", data=data, headers=headers)
    second = api.put(f"/api/v1/media/{new()}?{base}&signer_name=王校长", data=data, headers=headers)
    assert first.status_code == second.status_code == 201 and second.json["signer"] == "school"
    kept = db.session.scalars(sa.select(Attachment)).one()
    assert kept.uuid == second.json["uuid"] and kept.signer_name == "王校长"


# --- submission --------------------------------------------------------------------------------------


def test_submitting_is_idempotent_and_later_changes_are_refused_and_flagged(world: World, app: Flask,
                                                                          api: Api) -> None:
    url = f"/api/v1/visits/{world.visit.uuid}/submit"
    early = api.post(url, headers={"Idempotency-Key": new()})
    assert early.status_code == 422 and early.json["details"]
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组"})
    db.session.commit()
    key = new()
    first = api.post(url, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and first.json["findings_raised"] == 1
    assert api.post(url, headers={"Idempotency-Key": key}).json == first.json
    other = api.post(url, headers={"Idempotency-Key": new()})
    assert other.status_code == 200 and other.json["already"] is True
    from inspect_app.findings.models import Finding

    assert count(Finding) == 1
    late = api.post(f"/api/v1/visits/{world.visit.uuid}/ops", headers={"Idempotency-Key": new()},
                    json={"ops": [answer(items(world)["enrolled"], "999", base_rev=1)]})
    result = late.json["results"][0]
    assert result["status"] == "refused" and result["message"]
    assert db.session.scalars(sa.select(Answer.value).where(Answer.item_id == items(world)["enrolled"])).one() == "100"


# --- authentication -----------------------------------------------------------------------------------


def test_a_session_write_needs_the_csrf_header_and_an_ended_session_gets_401(world: World, app: Flask) -> None:
    client = app.test_client()
    assert client.post("/auth/login", data={"username": "insp", "password": PASSWORD}).status_code == 302
    app.config["WTF_CSRF_ENABLED"] = True
    api = Api.from_client(client)
    body = {"ops": [answer(items(world)["enrolled"], "5")]}
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    refused = client.post(url, json=body, headers={"Idempotency-Key": new()})
    assert refused.status_code == 400
    token = client.get("/api/v1/csrf").json["csrf_token"]
    ok = client.post(url, json=body, headers={"Idempotency-Key": new(), "X-CSRFToken": token})
    assert ok.status_code == 200
    # The password changed elsewhere: this session has ended. 401, the client logs in again and resumes.
    world.inspector.set_password("another-password")
    db.session.commit()
    key = new()
    body2 = {"ops": [answer(items(world)["enrolled"], "6", base_rev=1)]}
    ended = client.post(url, json=body2, headers={"Idempotency-Key": key, "X-CSRFToken": token})
    assert ended.status_code == 401 and ended.json["error"]
    token = client.get("/api/v1/csrf").json["csrf_token"]
    wrong = client.post("/api/v1/session", json={"username": "insp", "password": "nope"},
                        headers={"X-CSRFToken": token})
    assert wrong.status_code == 401
    again = client.post("/api/v1/session", json={"username": "insp", "password": "another-password"},
                        headers={"X-CSRFToken": token})
    assert again.status_code == 200
    resumed = client.post(url, json=body2, headers={"Idempotency-Key": key, "X-CSRFToken": again.json["csrf_token"]})
    assert resumed.status_code == 200 and resumed.json["results"][0]["status"] == "applied"
    del api


def test_a_token_works_without_csrf_until_it_is_revoked(world: World, app: Flask, runner: t.Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    printed = runner.invoke(args=["users", "token", "insp", "--name", "平板同步"])
    assert printed.exit_code == 0, printed.output
    token = printed.output.strip()
    assert token.startswith("ins_") and len(token) > 40
    from inspect_app.auth.models import ApiToken

    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.prefix + "…"
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json == {"user": {"id": world.inspector.id, "username": "insp",
                                                          "display_name": world.inspector.display_name,
                                                          "role": "inspector"}, "via_token": True}
    url = f"/api/v1/visits/{world.visit.uuid}/ops"
    ok = client.post(url, json={"ops": [answer(items(world)["enrolled"], "7")]},
                     headers={**headers, "Idempotency-Key": new()})
    assert ok.status_code == 200
    assert db.session.scalars(sa.select(SyncRequest.via_token)).all() == [True]
    # A token works on the API only.
    assert client.get(f"/visits/{world.visit.id}", headers=headers).status_code == 302
    listed = runner.invoke(args=["users", "tokens", "insp"])
    assert "平板同步" in listed.output and "active" in listed.output
    revoked = runner.invoke(args=["users", "revoke-token", "insp", str(stored.id)])
    assert revoked.exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer ins_made-up"}).status_code == 401
    assert "revoked" in runner.invoke(args=["users", "tokens", "insp"]).output
