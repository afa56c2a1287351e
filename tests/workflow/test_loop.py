"""The whole inspection loop through HTTP, as each role would walk it in a browser."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import timedelta

import sqlalchemy as sa
from docx import Document
from flask import Flask
from PIL import Image

from inspect_app.audit.models import AuditEntry
from inspect_app.auth.models import Role
from inspect_app.campaigns.models import Campaign
from inspect_app.checklists.models import ChecklistItem
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.findings.models import Finding
from inspect_app.findings.models import FindingStatus
from inspect_app.rectification.models import RectificationStatus
from inspect_app.schools import regions
from inspect_app.visits.models import Answer
from inspect_app.visits.models import Visit
from inspect_app.visits.models import VisitStatus

from ..fixtures import PASSWORD


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _login(app: Flask, username: str):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_plan_inspect_review_rectify_close_and_report(app: Flask, make_county, make_school, make_user,
                                                      checklist) -> None:
    linwei, huazhou = make_county("临渭区"), make_county("华州区")
    school = make_school(huazhou, name="华州第一小学", code="2161030001")
    make_school(linwei, name="临渭第二小学", code="2161020002")
    make_user(Role.SUPERVISOR, username="city", city=regions.home_city())
    inspector = make_user(Role.INSPECTOR, username="insp", county=linwei)
    make_user(Role.INSPECTOR, username="local", county=huazhou)
    make_user(Role.SCHOOL, username="school1", school=school)
    db.session.commit()
    items = {i.name: i.id for i in checklist.items}
    today = local_today()

    # 1. The supervisor plans a cross-inspection.
    boss = _login(app, "city")
    response = boss.post("/campaigns/new", data={
        "name": "2026年秋季学期学生资助工作交叉检查", "code": "JC2026Q", "term": "2026年秋季学期",
        "checklist_version_id": checklist.id, "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=10)).isoformat(),
        "default_due_on": (today + timedelta(days=30)).isoformat(), "cross_county": "y",
    })
    assert response.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "JC2026Q"))
    assert campaign is not None
    page = boss.get(f"/campaigns/{campaign.id}/schools?county={huazhou.id}")
    assert "华州第一小学" in page.text and "临渭第二小学" not in page.text
    assert boss.post(f"/campaigns/{campaign.id}/schools", data={"school_id": school.id}).status_code == 302
    visit = db.session.scalar(sa.select(Visit).where(Visit.campaign_id == campaign.id))
    assert visit is not None and visit.school_id == school.id

    # The cross-county rule refuses an inspector from the school's own county, naming why.
    local = db.session.scalar(sa.select(db.Model.metadata.tables["users"].c.id).where(
        db.Model.metadata.tables["users"].c.username == "local"))
    refused = boss.post(f"/campaigns/{campaign.id}/assign",
                        data={"visit_id": visit.id, "inspector_id": local, "action": "assign"},
                        follow_redirects=True)
    assert "华州区" in refused.text and "华州第一小学" in refused.text
    assert boss.post(f"/campaigns/{campaign.id}/assign", data={
        "visit_id": visit.id, "inspector_id": inspector.id, "action": "assign"}).status_code == 302
    assert boss.post(f"/campaigns/{campaign.id}/start").status_code == 302

    # 2. The inspector fills the checklist on a tablet, which sends what was entered through the sync API.
    field = _login(app, "insp")
    mine = field.get("/visits/mine")
    assert "华州第一小学" in mine.text
    ops = []
    for name, value in [("day", today.isoformat()), ("S1_1", "no"), ("S1_2", "yes"), ("S2_1", "good"),
                        ("enrolled", "420"), ("opinion", "总体良好")]:
        note = "未成立资助工作领导小组，无正式文件。" if name == "S1_1" else None
        ops.append({"op_id": str(uuid.uuid4()), "type": "answer", "item_id": items[name], "value": value,
                    "note": note, "base_rev": 0})
    saved = field.post(f"/api/v1/visits/{visit.uuid}/ops", json={"ops": ops},
                       headers={"Idempotency-Key": str(uuid.uuid4())})
    assert saved.status_code == 200, saved.text
    assert {r["status"] for r in saved.get_json()["results"]} == {"applied"}
    jpeg = _jpeg()
    photo = field.put(f"/api/v1/media/{uuid.uuid4()}?visit={visit.uuid}&item={items['S1_1']}&filename=IMG_0001.jpg",
                      data=jpeg, headers={"X-Content-SHA256": hashlib.sha256(jpeg).hexdigest()})
    assert photo.status_code == 201
    # A reload shows what was entered.
    again = field.get(f"/visits/{visit.id}")
    assert "未成立资助工作领导小组" in again.text
    assert re.search(rf'name="value-{items["S1_1"]}" value="no" checked', again.text)
    assert field.post(f"/visits/{visit.id}/submit").status_code == 302
    db.session.refresh(visit)
    assert visit.status == VisitStatus.SUBMITTED

    # 3. The supervisor reviews: rewords and confirms the finding with a deadline.
    finding = db.session.scalar(sa.select(Finding).where(Finding.visit_id == visit.id))
    assert finding is not None and finding.status == FindingStatus.RAISED
    assert finding.item_id == items["S1_1"]
    due = today + timedelta(days=20)
    review = boss.get(f"/visits/{visit.id}")
    assert "未成立资助工作领导小组" in review.text
    assert boss.post(f"/findings/{finding.id}/confirm", data={
        "description": "学校未成立学生资助工作领导小组。", "severity": "major", "due_on": due.isoformat(),
    }).status_code == 302
    assert boss.post(f"/visits/{visit.id}/approve").status_code == 302
    db.session.refresh(finding)
    assert finding.status == FindingStatus.CONFIRMED and finding.description == "学校未成立学生资助工作领导小组。"
    rect = finding.rectification
    assert rect is not None and rect.due_on == due and rect.status == RectificationStatus.NOT_STARTED

    # 4. The school sees its finding, records measures, uploads evidence and submits.
    contact = _login(app, "school1")
    assert "学校未成立学生资助工作领导小组" in contact.get("/rectification/mine").text
    assert contact.post(f"/rectification/{rect.id}/measures",
                        data={"measures": "已于本月成立领导小组，印发成立文件。"}).status_code == 302
    assert contact.post(f"/rectification/{rect.id}/evidence",
                        data={"file": (io.BytesIO(_jpeg()), "文件.jpg")}).status_code == 302
    assert contact.post(f"/rectification/{rect.id}/submit").status_code == 302
    db.session.refresh(rect)
    assert rect.status == RectificationStatus.SUBMITTED

    # 5. The supervisor verifies and closes it (销号).
    assert boss.post(f"/rectification/{rect.id}/verify",
                     data={"decision": "close", "note": "复核到位"}).status_code == 302
    db.session.refresh(rect)
    assert rect.status == RectificationStatus.CLOSED and rect.closed_on == local_today()

    # 6. The report comes out, with figures taken from the data.
    asked = boss.post(f"/reports/campaigns/{campaign.id}/investigation")
    assert asked.status_code == 302
    status = boss.get(asked.location + "/status").get_json()
    assert status["status"] == "done"
    report = boss.get(status["download"])
    assert report.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(report.data)).paragraphs)
    report.close()
    assert "1所" in text and "学生资助工作交叉检查" in text
    notice = contact.get(f"/reports/campaigns/{campaign.id}/schools/{rect.finding.school_id}/notice.docx")
    assert notice.status_code == 200
    assert "限期整改的通知" in "\n".join(p.text for p in Document(io.BytesIO(notice.data)).paragraphs)

    # Every step left its trace in the audit log.
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"campaign.create", "visit.plan", "visit.assign", "campaign.start", "answer.batch", "photo.add",
            "visit.submit", "finding.raise", "finding.edit", "finding.confirm", "visit.approve",
            "rectification.measures", "evidence.add", "rectification.submitted",
            "rectification.closed", "report.request"} <= actions
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)
                             .where(Answer.visit_id == visit.id)) == 6
    assert db.session.get(ChecklistItem, items["S1_1"]) is not None
