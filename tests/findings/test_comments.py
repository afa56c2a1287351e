"""The conversation on a finding between the school and its supervisors."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from docx import Document

from inspect_app.audit.models import AuditEntry
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings import comments
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import FindingComment
from inspect_app.notifications.models import Notification
from inspect_app.reports import services as report_services
from inspect_app.visits import services as visit_services

from ..fixtures import answer_all


@pytest.fixture
def finding(world, app):
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    (raised,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    finding_services.confirm_finding(raised, actor=world.supervisor)
    db.session.commit()
    return raised


def _inbox(user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id,
                                                                 Notification.kind == "finding.comment")))


def test_a_comment_from_the_school_tells_the_supervisors_and_is_audited(world, finding) -> None:
    comment = comments.add_comment(finding, "  领导小组已于6月1日成立，文件已上传。 ", actor=world.school_contact)
    assert comment.body == "领导小组已于6月1日成立，文件已上传。"
    assert [c.id for c in comments.comments([finding.id])[finding.id]] == [comment.id]
    told = _inbox(world.supervisor) + _inbox(world.county_supervisor)
    assert {n.kind for n in told} == {"finding.comment"} and len(told) == 2
    assert told[0].rectification_id == finding.rectification.id
    assert not _inbox(world.other_county_supervisor) and not _inbox(world.school_contact)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "finding.comment")).one()
    assert entry.object_type == "findings" and entry.object_id == finding.id and entry.school_id == world.school.id


def test_a_comment_from_a_supervisor_tells_the_school(world, finding) -> None:
    comments.add_comment(finding, "请补充会议纪要。", actor=world.county_supervisor)
    (told,) = _inbox(world.school_contact)
    assert told.params["author"] == world.county_supervisor.display_name
    assert not _inbox(world.county_supervisor)


def test_empty_and_overlong_comments_are_refused(world, finding) -> None:
    for body in ("   ", "字" * 2001):
        with pytest.raises(ValidationFailed):
            comments.add_comment(finding, body, actor=world.school_contact)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingComment)) == 0


def test_the_school_and_the_supervisor_talk_on_both_pages(world, finding, auth, client) -> None:
    auth.login(world.school_contact)
    rect_id = finding.rectification.id
    response = client.post(f"/findings/{finding.id}/comments",
                           data={"body": "已整改，请复核。", "back": "rectification"})
    assert response.status_code == 302 and response.location.endswith(f"/rectification/{rect_id}#comments")
    page = client.get(f"/rectification/{rect_id}").get_data(as_text=True)
    assert "已整改，请复核。" in page and world.school_contact.display_name in page
    auth.logout()
    auth.login(world.supervisor)
    client.post(f"/findings/{finding.id}/comments", data={"body": "请补充照片。"})
    page = client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert page.index("已整改，请复核。") < page.index("请补充照片。")
    auth.logout()
    auth.login(world.viewer)
    assert client.post(f"/findings/{finding.id}/comments", data={"body": "插话"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FindingComment)) == 2


def test_the_school_report_lists_the_conversation(world, finding) -> None:
    comments.add_comment(finding, "领导小组已成立。", actor=world.school_contact)
    comments.add_comment(finding, "请上传成立文件。", actor=world.supervisor)
    db.session.commit()
    data = report_services.build("school-report", world.campaign, school=world.school).data
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "沟通记录" in text
    assert f"{world.school_contact.display_name}（" in text and "）：领导小组已成立。" in text
    assert text.index("领导小组已成立。") < text.index("请上传成立文件。")
