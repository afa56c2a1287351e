"""A school's aid archive (资助档案): the page, the .zip with its index, who may open it, and the background build."""

from __future__ import annotations

import io
import typing as t
import zipfile
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from PIL import Image

from inspect_app.archive import services
from inspect_app.archive.collect import collect
from inspect_app.archive.models import ArchiveJob
from inspect_app.core.jobs import JobStatus
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.funds.programmes import Semester
from inspect_app.rectification.evidence import add_evidence
from inspect_app.visits import services as visit_services
from tests.fixtures import answer_all

TERM = "2026秋"


def _jpeg(colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def inspected(app: t.Any, world: t.Any) -> t.Any:
    """The world's visit submitted with two failing items, both confirmed, one with evidence."""
    answer_all(app, world.visit, world.inspector,
               failing={"S1_1": "未成立领导小组。", "S1_2": "=HYPERLINK(\"http://x\")"})
    findings = visit_services.submit_visit(world.visit, actor=world.inspector)
    rects = [finding_services.confirm_finding(f, actor=world.supervisor) for f in findings]
    add_evidence(rects[0], _jpeg(), filename="整改照片.jpg", actor=world.school_contact)
    db.session.commit()
    return rects


def _zip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def _index(archive: zipfile.ZipFile) -> list[tuple[t.Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(archive.read("00-目录.xlsx")))
    return list(book["目录"].iter_rows(min_row=2, values_only=True))


def test_the_archive_zip_opens_and_its_index_lists_every_file(world, inspected, runner, tmp_path) -> None:
    out = tmp_path / "archive.zip"
    result = runner.invoke(args=["archive", "build", "--school", world.school.code, "--term", TERM, "--out", str(out)])
    assert result.exit_code == 0, result.output
    archive = _zip(out.read_bytes())
    names = set(archive.namelist()) - {"00-目录.xlsx"}
    listed = {row[5] for row in _index(archive)}
    assert listed == names
    sections = {name.split("/")[0] for name in names}
    assert {"01-检查记录", "03-问题与整改", "05-整改佐证材料", "06-整改文书"} <= sections
    assert any(name.endswith("整改照片.jpg") for name in names)
    assert any(name.endswith("整改通知书.docx") for name in names)
    problems = openpyxl.load_workbook(io.BytesIO(archive.read("03-问题与整改/问题清单与整改情况.xlsx"))).active
    rows = list(problems.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    # A note that a spreadsheet would run as a formula is kept as text.
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell is not None)


def test_a_school_downloads_its_own_archive_and_no_other(world, inspected, auth, client) -> None:
    auth.login(world.school_contact)
    page = client.get(f"/archive/schools/{world.school.id}?term={TERM}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "整改佐证材料" in text and "2026年秋季学期" in text
    response = client.get(f"/archive/schools/{world.school.id}/{TERM}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "filename*=UTF-8''2161030001" in response.headers["Content-Disposition"]
    archive = _zip(response.get_data())
    assert len(_index(archive)) == len(archive.namelist()) - 1
    assert world.school.name in client.get("/archive/mine").get_data(as_text=True)
    # Another school's archive is not there for it (as everything outside one's scope).
    assert client.get(f"/archive/schools/{world.other_school.id}").status_code == 404
    assert client.get(f"/archive/schools/{world.other_school.id}/{TERM}.zip").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("supervisor", 200), ("county_supervisor", 200), ("viewer", 200),
                                             ("other_county_supervisor", 404), ("inspector", 404),
                                             ("other_school_contact", 404)])
def test_who_may_open_a_school_archive(world, inspected, auth, client, who, status) -> None:
    auth.login(getattr(world, who))
    assert client.get(f"/archive/schools/{world.school.id}?term={TERM}").status_code == status


def test_a_malformed_term_is_refused_by_name(world, auth, client) -> None:
    auth.login(world.supervisor)
    response = client.get(f"/archive/schools/{world.school.id}?term=next-year")
    assert response.status_code == 400
    assert "next-year" in response.get_data(as_text=True)


def test_the_school_page_links_its_archive(world, inspected, auth, client) -> None:
    auth.login(world.supervisor)
    page = client.get(f"/schools/{world.school.id}").get_data(as_text=True)
    assert f"/archive/schools/{world.school.id}?term={TERM}" in page.replace("%E7%A7%8B", "秋")


@pytest.mark.config(ARCHIVE_INLINE_MAX_FILES=2)
def test_a_large_archive_is_built_in_the_background(world, inspected, auth, client) -> None:
    auth.login(world.county_supervisor)
    page = client.get(f"/archive/schools/{world.school.id}?term={TERM}").get_data(as_text=True)
    assert "Build the archive" in page or "生成档案" in page
    # The direct download sends the person back to build it.
    assert client.get(f"/archive/schools/{world.school.id}/{TERM}.zip").status_code == 302
    response = client.post(f"/archive/schools/{world.school.id}/{TERM}/build")
    assert response.status_code == 302
    job = db.session.scalars(sa.select(ArchiveJob)).one()
    db.session.refresh(job)
    assert job.status == JobStatus.DONE, job.error
    status = client.get(f"/archive/jobs/{job.id}/status").get_json()
    assert status["status"] == "done" and status["download"]
    with client.get(status["download"]) as download:
        archive = _zip(download.get_data())
    assert {row[5] for row in _index(archive)} == set(archive.namelist()) - {"00-目录.xlsx"}
    # Someone else's build is theirs alone.
    auth.logout()
    auth.login(world.supervisor)
    assert client.get(f"/archive/jobs/{job.id}").status_code == 404


def test_the_archive_is_listed_in_a_fixed_number_of_queries(world, inspected, make_rects) -> None:
    def count() -> int:
        statements: list[str] = []

        def seen(*args: t.Any) -> None:
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            db.session.expire_all()
            collect(world.school, Semester(2026, True), with_documents=False)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        return len(statements)

    before = count()
    for rect in make_rects(world.school, world.supervisor, items=("S1_1", "S1_2", "S2_1")):
        add_evidence(rect, _jpeg((10, 10, 10)), filename="佐证.jpg", actor=world.school_contact)
    db.session.commit()
    assert len(collect(world.school, Semester(2026, True)).entries) > 0
    assert count() <= before + 2  # one more campaign's checklist version to score with


def test_a_term_reads_as_people_write_it(world) -> None:
    assert services.parse_term("2026年秋季学期") == Semester(2026, True)
    assert services.parse_term("2025春") == Semester(2025, False)


def test_the_terms_publicity_notices_and_objections_are_in_the_archive(world, runner, tmp_path) -> None:
    from inspect_app.publicity import services as publicity
    from tests.publicity.test_publicity import make_notice

    notice = make_notice(world)  # 2023春, from 华州区's checked roster
    publicity.record_objection(notice, received_on=date(2023, 3, 7), raised_by="家长", content="=家庭条件较好",
                               actor=world.school_contact)
    db.session.commit()
    out = tmp_path / "archive.zip"
    result = runner.invoke(args=["archive", "build", "--school", world.school.code, "--term", "2023春",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    archive = _zip(out.read_bytes())
    names = [n for n in archive.namelist() if n.startswith("08-公示与异议/")]
    assert any(n.endswith(".docx") for n in names) and any(n.endswith("异议及处理.xlsx") for n in names)
    objections = openpyxl.load_workbook(io.BytesIO(archive.read(next(n for n in names if n.endswith(".xlsx"))))).active
    row = next(objections.iter_rows(min_row=2, values_only=True))
    assert row[1] == "家长" and row[2] == "'=家庭条件较好"
    assert {r[5] for r in _index(archive)} == set(archive.namelist()) - {"00-目录.xlsx"}
