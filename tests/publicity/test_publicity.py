"""公示 from a checked roster: the rows kept, the 5-working-day rule, objections, the documents, the pages."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import typing as t
import zipfile
from datetime import date
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from flask import Flask

from inspect_app.audit.models import AuditEntry
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.funds import services as funds_services
from inspect_app.publicity import documents
from inspect_app.publicity import services
from inspect_app.publicity.models import ObjectionOutcome
from inspect_app.publicity.models import PublicNotice
from inspect_app.rosters import services as roster_services
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.visits.models import Visit
from tests.fixtures import World
from tests.reports.gbt_checks import check_document
from tests.reports.gbt_checks import pdf_pages

IDS = ("11010519491231002X", "440524188001010014", "34052419800101001X", "120223198902021249")
ROSTER_CSV = (
    "姓名,身份证号,学校标识码,学校名称,学段,年级,资助项目,档次,发放金额,家庭住址,家庭经济困难情况\n"
    f"张三,{IDS[0]},2161030001,华州第一小学,小学,五年级2班,小学寄宿生生活补助,一档,500,华州区赤水镇一村,低保户\n"
    f"李四,{IDS[1]},2161030001,华州第一小学,小学,六年级1班,小学寄宿生生活补助,,500,华州区赤水镇二村,父亲残疾\n"
    f"王五,{IDS[2]},2161020002,临渭第二小学,小学,三年级,小学寄宿生生活补助,,500,临渭区某村,单亲\n"
)
MONDAY = date(2023, 3, 6)
FRIDAY = date(2023, 3, 10)
ID_PATTERN = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def make_run(world: World, csv: str = ROSTER_CSV) -> ReconciliationRun:
    funds_services.install_shipped_standards(actor=None)
    run = roster_services.create_run(
        semester="2023春", county=world.away, actor=world.supervisor,
        uploads=[roster_services.Upload(InputKind.ROSTER, "华州区花名册.csv", csv.encode("utf-8"))])
    roster_services.execute_run(run)
    assert run.status == "done"
    return run


def make_notice(world: World, run: ReconciliationRun | None = None) -> PublicNotice:
    return services.create_notice(run=run or make_run(world), school=world.school, starts_on=MONDAY, ends_on=FRIDAY,
                                  contact_name="赵老师", contact_phone="0913-4711234",
                                  payment_date=date(2023, 3, 20), actor=world.supervisor)


def xml_text(blob: bytes) -> str:
    package = zipfile.ZipFile(io.BytesIO(blob))
    return "".join(package.read(n).decode("utf8") for n in package.namelist() if n.endswith(".xml"))


def all_text(blob: bytes) -> str:
    document = docx.Document(io.BytesIO(blob))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_a_notice_keeps_the_schools_rows_without_personal_data(world: World) -> None:
    notice = make_notice(world)
    assert notice.row_count == 2
    assert [r["name"] for r in notice.rows] == ["张三", "李四"]
    assert notice.rows[0] == {"name": "张三", "grade": "五年级2班", "level": "小学", "programme": "小学寄宿生生活补助",
                              "tier": 1, "amount": "500.00"}
    assert all(set(r) == set(services.LISTED_FIELDS) for r in notice.rows)
    stored = str(notice.rows)
    assert not any(i in stored for i in IDS) and "赤水镇" not in stored and "低保户" not in stored
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "publicity.create")).one()
    assert entry.school_id == world.school.id


def test_the_notice_survives_the_roster_files_purge(app: Flask, world: World) -> None:
    run = make_run(world)
    notice = make_notice(world, run)
    run.inputs[0].path = ""
    db.session.flush()
    with pytest.raises(services.RosterFileGone, match="华州区花名册.csv"):
        services.school_rows(run, world.school)
    assert "张三" in all_text(documents.render_notice(notice))


def test_the_notice_document_is_a_gbt9704_document_without_id_numbers(world: World, tmp_path: Path) -> None:
    notice = make_notice(world)
    blob = documents.render_notice(notice)
    text = check_document(blob)
    assert "华州第一小学2023年春季学期学生资助受助学生名单公示" in text.replace("\n", "")
    assert "2023年3月6日至2023年3月10日（共5个工作日）" in text
    assert "联系人：赵老师" in text and "联系电话：0913-4711234" in text
    assert "张三" in text and "五年级2班" in text and "一档" in text and "王五" not in text
    raw = xml_text(blob)
    assert not ID_PATTERN.search(raw)
    assert not any(i in raw for i in IDS) and "赤水镇" not in raw and "低保户" not in raw
    tool = Path("/work/shared/tools/gbt9704-docx-check")
    if tool.exists():
        path = tmp_path / "公示.docx"
        path.write_bytes(blob)
        result = subprocess.run([str(tool), str(path), "--expect", "联系电话"], capture_output=True, text=True,
                                check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_cards_one_per_recipient(app: Flask, world: World) -> None:
    notice = make_notice(world)
    settings = documents.Settings(org_name="渭南市学生资助管理中心", helpline=app.config["HELPLINE"])
    blob = documents.render_cards(notice, funds_services.standards_table(), settings)
    text = all_text(blob)
    assert text.count("学生资助明白卡") == 2
    assert "张三" in text and "李四" in text and "王五" not in text
    assert "小学寄宿生生活补助" in text and "一档每生每学期500元" in text and "500元" in text
    assert "2023年3月20日" in text and app.config["HELPLINE"] in text and "0913-4711234" in text
    raw = xml_text(blob)
    assert not ID_PATTERN.search(raw) and not any(i in raw for i in IDS)
    section = docx.Document(io.BytesIO(blob)).sections[0]
    assert abs(section.page_width.mm - 210) < 1 and abs(section.page_height.mm - 297) < 1


def test_five_working_days(world: World) -> None:
    assert services.working_days(MONDAY, FRIDAY) == 5
    assert services.working_days(date(2023, 3, 9), date(2023, 3, 15)) == 5  # Thu → next Wed
    assert services.working_days(MONDAY, date(2023, 3, 9)) == 4
    assert services.earliest_end(date(2023, 3, 9)) == date(2023, 3, 15)
    run = make_run(world)
    with pytest.raises(ValidationFailed, match="不少于5个工作日"):
        services.create_notice(run=run, school=world.school, starts_on=MONDAY, ends_on=date(2023, 3, 9),
                               contact_name="赵老师", contact_phone="1", actor=world.supervisor)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotice)) == 0


def test_objections_are_recorded_handled_and_audited(world: World) -> None:
    notice = make_notice(world)
    objection = services.record_objection(notice, received_on=date(2023, 3, 7), raised_by="家长",
                                          content="李四家庭条件较好", actor=world.school_contact)
    assert objection.outcome == ObjectionOutcome.PENDING
    services.handle_objection(objection, handling="入户核实，家庭确属困难", outcome=ObjectionOutcome.REJECTED,
                              actor=world.school_contact)
    assert objection.outcome == ObjectionOutcome.REJECTED and objection.handled_by == world.school_contact
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["publicity.objection", "publicity.objection_handled"]
    with pytest.raises(ValidationFailed):
        services.record_objection(notice, received_on=date(2023, 3, 1), content="早于公示", actor=world.supervisor)


def test_pages_and_scope(app: Flask, world: World, client: t.Any, auth: t.Any) -> None:
    run = make_run(world)
    db.session.commit()
    auth.login(world.county_supervisor)
    assert client.get(f"/publicity/new?run_id={run.id}").status_code == 200
    response = client.post("/publicity/new", data={
        "run_id": run.id, "school_id": world.school.id, "starts_on": "2023-03-06", "ends_on": "2023-03-09",
        "contact_name": "赵老师", "contact_phone": "0913-4711234"})
    assert response.status_code == 400 and "不少于5个工作日" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotice)) == 0
    response = client.post("/publicity/new", data={
        "run_id": run.id, "school_id": world.school.id, "starts_on": "2023-03-06", "ends_on": "2023-03-10",
        "contact_name": "赵老师", "contact_phone": "0913-4711234"})
    notice = db.session.scalars(sa.select(PublicNotice)).one()
    assert response.status_code == 302 and response.location.endswith(f"/publicity/notices/{notice.id}")
    page = client.get(f"/publicity/notices/{notice.id}").get_data(as_text=True)
    assert "张三" in page and IDS[0] not in page
    download = client.get(f"/publicity/notices/{notice.id}/notice.docx")
    assert download.status_code == 200 and download.data.startswith(b"PK")
    assert client.get(f"/publicity/notices/{notice.id}/cards.docx").status_code == 200
    auth.logout()

    auth.login(world.school_contact)
    assert client.get(f"/publicity/schools/{world.school.id}").status_code == 200
    assert client.get(f"/publicity/schools/{world.other_school.id}").status_code == 404
    assert client.get("/publicity/new").status_code == 403
    response = client.post(f"/publicity/notices/{notice.id}/objections",
                           data={"received_on": "2023-03-07", "content": "名单有误"})
    assert response.status_code == 302
    objection = notice.objections[0]
    response = client.post(f"/publicity/objections/{objection.id}/handle",
                           data={"handling": "已核实并更正", "outcome": "upheld"})
    assert response.status_code == 302
    db.session.refresh(objection)
    assert objection.outcome == ObjectionOutcome.UPHELD
    auth.logout()

    auth.login(world.other_school_contact)
    assert client.get(f"/publicity/notices/{notice.id}").status_code == 404
    assert client.post(f"/publicity/notices/{notice.id}/objections",
                       data={"received_on": "2023-03-07", "content": "越权"}).status_code == 404
    auth.logout()
    auth.login(world.inspector)
    assert client.get(f"/publicity/notices/{notice.id}").status_code == 403


def test_a_purged_roster_file_is_named_not_a_500(app: Flask, world: World, client: t.Any, auth: t.Any) -> None:
    run = make_run(world)
    run.inputs[0].path = ""
    db.session.commit()
    auth.login(world.supervisor)
    response = client.post("/publicity/new", data={
        "run_id": run.id, "school_id": world.school.id, "starts_on": "2023-03-06", "ends_on": "2023-03-10",
        "contact_name": "赵老师", "contact_phone": "0913-4711234"})
    assert response.status_code == 410
    assert "华州区花名册.csv" in response.get_data(as_text=True)


def test_the_visit_page_shows_the_schools_publicity(app: Flask, world: World, client: t.Any, auth: t.Any) -> None:
    notice = make_notice(world)
    services.record_objection(notice, received_on=date(2023, 3, 7), content="名单有误", actor=world.supervisor)
    db.session.commit()
    visit = db.session.scalars(sa.select(Visit).where(Visit.school_id == world.school.id)).first()
    assert visit is not None
    auth.login(world.inspector)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert 'id="visit-publicity"' in page and "C6" in page
    assert "2023-03-06 – 2023-03-10" in page and "处理中" in page
    assert f"/publicity/notices/{notice.id}" not in page  # inspectors read the records here only


def test_reports_build_publicity(app: Flask, world: World, runner: t.Any, tmp_path: Path) -> None:
    out = tmp_path / "公示.docx"
    missing = runner.invoke(args=["reports", "build", "publicity", "--school", world.school.code, "--out", str(out)])
    assert missing.exit_code != 0 and "尚无公示" in missing.output
    make_notice(world)
    db.session.commit()
    result = runner.invoke(args=["reports", "build", "publicity", "--school", world.school.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    check_document(out.read_bytes())
    assert "张三" in all_text(out.read_bytes())
    no_school = runner.invoke(args=["reports", "build", "publicity", "--out", str(out)])
    assert no_school.exit_code == 2 and "--school" in no_school.output
    no_campaign = runner.invoke(args=["reports", "build", "notice", "--school", world.school.code, "--out",
                                      str(tmp_path / "n.docx")])
    assert no_campaign.exit_code == 2 and "--campaign" in no_campaign.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_the_notice_and_the_cards_as_pdf(app: Flask, world: World, client: t.Any, auth: t.Any,
                                        tmp_path: Path) -> None:
    notice = make_notice(world)
    notice.rows = notice.rows * 4  # eight cards: six on the first A4 page, two on the second
    db.session.commit()
    auth.login(world.supervisor)
    response = client.get(f"/publicity/notices/{notice.id}/notice.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    cards = client.get(f"/publicity/notices/{notice.id}/cards.pdf")
    assert cards.status_code == 200
    path = tmp_path / "cards.pdf"
    path.write_bytes(cards.data)
    pages, sizes = pdf_pages(path)
    assert pages == 2 and all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes)
