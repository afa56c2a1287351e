from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.media.models import Attachment
from inspect_app.visits import services as visit_services

from ..fixtures import answer_all


def _pdf() -> bytes:
    # pypdf is only needed here to write a one-page scan.
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def rect(world, app):
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未成立领导小组。"})
    (finding,) = visit_services.submit_visit(world.visit, actor=world.inspector)
    rect = finding_services.confirm_finding(finding, actor=world.supervisor)
    db.session.commit()
    return rect


def test_a_pdf_scan_is_accepted_as_evidence_and_served_inline(world, rect, auth, client) -> None:
    auth.login(world.school_contact)
    response = client.post(f"/rectification/{rect.id}/evidence",
                           data={"file": (io.BytesIO(_pdf()), "整改报告.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    attachment = db.session.scalars(sa.select(Attachment).where(Attachment.rectification_id == rect.id)).one()
    assert attachment.content_type == "application/pdf"
    served = client.get(f"/media/{attachment.id}?inline=1")
    assert served.status_code == 200 and served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("inline")
    served.close()
    thumb = client.get(f"/media/{attachment.id}?thumb=1")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    thumb.close()
    page = client.get(f"/rectification/{rect.id}").get_data(as_text=True)
    assert f"/media/{attachment.id}?inline=1" in page and f"/media/{attachment.id}?thumb=1" in page


def test_something_else_named_pdf_is_refused(world, rect, auth, client) -> None:
    auth.login(world.school_contact)
    client.post(f"/rectification/{rect.id}/evidence",
                data={"file": (io.BytesIO(b"%PDF-1.4 garbage"), "scan.pdf")}, content_type="multipart/form-data")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)
                             .where(Attachment.rectification_id == rect.id)) == 0


def test_uploading_and_removing_evidence_shows_in_the_history(world, rect, auth, client) -> None:
    auth.login(world.school_contact)
    client.post(f"/rectification/{rect.id}/evidence",
                data={"file": (io.BytesIO(_pdf()), "整改报告.pdf")}, content_type="multipart/form-data")
    attachment = db.session.scalars(sa.select(Attachment).where(Attachment.rectification_id == rect.id)).one()
    client.post(f"/media/{attachment.id}/delete")
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert "evidence.remove" in actions
    page = client.get(f"/rectification/{rect.id}").get_data(as_text=True)
    history = page[page.index('class="timeline"'):]
    assert "上传了佐证材料“整改报告.pdf”" in history and "的佐证材料“整改报告.pdf”" in history
    auth.logout()
    auth.login(world.supervisor)
    finding_page = client.get(f"/findings/{rect.finding_id}").get_data(as_text=True)
    timeline = finding_page[finding_page.index('class="timeline"'):]
    assert "上传了佐证材料“整改报告.pdf”" in timeline and "删除了" in timeline
