"""Importing schools from .xlsx: the service, the CLI and the upload page."""

from __future__ import annotations

import io
import re
import typing as t
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.schools.importers import import_schools
from inspect_app.schools.importers import template_workbook
from inspect_app.schools.models import County
from inspect_app.schools.models import School
from inspect_app.schools.models import SchoolLevel

if t.TYPE_CHECKING:
    from tests.fixtures import Auth
    from tests.fixtures import World

HEADER = ["学校标识码", "学校名称", "区县", "学段", "地址", "联系人", "联系电话", "纬度", "经度"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: t.Iterable[t.Sequence[t.Any]], header: t.Sequence[str] = HEADER) -> bytes:
    """An .xlsx with ``header`` in row 1 and ``rows`` below it, cells typed as given."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "学校"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def school_row(code: t.Any, name: str, county: str = "临渭区", level: str = "小学", *, address: str = "",
               contact: str = "", phone: t.Any = "", lat: t.Any = "", lon: t.Any = "") -> list[t.Any]:
    return [code, name, county, level, address, contact, phone, lat, lon]


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def mentions_row(line: str, row: int) -> bool:
    """True when ``row`` appears in ``line`` as a number of its own (not inside 12 or 2024)."""
    return re.search(rf"(?<!\d){row}(?!\d)", line) is not None


def lines_for(details: list[str], row: int, column: str) -> list[str]:
    return [line for line in details if mentions_row(line, row) and column in line]


@pytest.fixture
def counties(make_county: t.Callable[..., County]) -> dict[str, County]:
    made = {name: make_county(name) for name in ("临渭区", "华州区")}
    db.session.commit()
    return made


# --- the service -------------------------------------------------------------------------------------------


def test_a_good_file_creates_schools_keeping_leading_zeros_and_codes_typed_as_numbers(
    counties: dict[str, County],
) -> None:
    data = workbook([
        school_row("0105020001", "城关小学", address="城关路1号", contact="张老师", phone="0913-1234567",
                   lat="34.499", lon="109.51"),
        # Typed into Excel as numbers: the code, the phone and the coordinates.
        school_row(6105020002, "华州中学", "华州区", "初中", phone=13800138000, lat=34.5, lon=109.77),
        school_row(6105020003.0, "华州职中", "华州区", "vocational"),
    ])

    result = import_schools(data, filename="schools.xlsx", actor=None)
    db.session.commit()

    assert (result.created, result.updated, result.unchanged, result.errors) == (3, 0, 0, [])
    schools = {s.code: s for s in db.session.scalars(sa.select(School))}
    assert set(schools) == {"0105020001", "6105020002", "6105020003"}
    first = schools["0105020001"]
    assert (first.name, first.county.name, first.level) == ("城关小学", "临渭区", SchoolLevel.PRIMARY)
    assert (first.address, first.contact_name, first.contact_phone) == ("城关路1号", "张老师", "0913-1234567")
    assert (first.latitude, first.longitude) == (Decimal("34.499"), Decimal("109.51"))
    second = schools["6105020002"]
    assert (second.county.name, second.level) == ("华州区", SchoolLevel.JUNIOR)
    assert second.contact_phone == "13800138000"
    assert (second.latitude, second.longitude) == (Decimal("34.5"), Decimal("109.77"))
    third = schools["6105020003"]
    assert (third.level, third.address, third.contact_phone, third.latitude) == (
        SchoolLevel.VOCATIONAL, None, None, None)
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("school.create") == 3
    assert actions[-1] == "school.import"


def test_reimport_updates_changed_rows_and_counts_unchanged_ones(counties: dict[str, County]) -> None:
    import_schools(workbook([
        school_row("6105020001", "城关小学", phone="0913-1234567", lat="34.499", lon="109.51"),
        school_row("6105020002", "华州中学", "华州区", "初中"),
    ]), filename="v1.xlsx", actor=None)
    db.session.commit()

    result = import_schools(workbook([
        school_row("6105020001", "城关小学", phone="0913-1234567", lat="34.499", lon="109.51"),
        school_row("6105020002", "华州区华州中学", "华州区", "九年一贯制"),
        school_row("6105020003", "新建小学"),
    ]), filename="v2.xlsx", actor=None)
    db.session.commit()

    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    changed = db.session.scalars(sa.select(School).where(School.code == "6105020002")).one()
    assert (changed.name, changed.level) == ("华州区华州中学", SchoolLevel.NINE_YEAR)
    update = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "school.update")).one()
    assert update.school_id == changed.id
    assert update.before is not None and update.after is not None
    assert (update.before["name"], update.after["name"]) == ("华州中学", "华州区华州中学")
    assert count(School) == 3


def test_every_bad_row_is_reported_with_row_column_and_value_and_nothing_is_written(
    counties: dict[str, County],
) -> None:
    data = workbook([
        school_row("6105020001", "城关小学"),                              # row 2: good
        school_row("12345", "短码小学"),                                    # row 3
        school_row("6105020001", "重码小学"),                               # row 4: repeats row 2
        school_row("6105020004", "渭城小学", county="渭城区"),               # row 5
        school_row("6105020005", "大学", level="大学"),                     # row 6
        school_row("6105020006", "电话小学", phone="call me"),              # row 7
        school_row("6105020007", "北极小学", lat="95", lon="109.5"),        # row 8
        school_row("6105020008", "半坐标小学", lat="34.5"),                  # row 9
        [None] * len(HEADER),                                              # row 10: blank, skipped
        school_row("６１０５０２０００９", "全角小学", lon="NaN", lat="34.5"),  # row 11
    ])
    schools_before, audit_before = count(School), count(AuditEntry)

    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(data, filename="bad.xlsx", actor=None)

    err = excinfo.value
    assert "bad.xlsx" in err.message
    details = err.details
    expected = [
        (3, "学校标识码", "12345"),
        (4, "学校标识码", "6105020001"),
        (5, "区县", "渭城区"),
        (6, "学段", "大学"),
        (7, "联系电话", "call me"),
        (8, "纬度", "90"),
        (9, "经度", ""),
        (11, "学校标识码", "６１０５０２０００９"),
        (11, "经度", ""),
    ]
    for row, column, value in expected:
        found = [line for line in lines_for(details, row, column) if value in line]
        assert found, f"no message for row {row}, column {column} in {details}"
    # The duplicate names the row where the code first appeared.
    (duplicate,) = lines_for(details, 4, "学校标识码")
    assert mentions_row(duplicate, 2)
    # An invalid latitude is reported once, not again as "only one of latitude/longitude".
    assert len([line for line in details if mentions_row(line, 8)]) == 1
    assert len(details) == len(expected)
    assert not [line for line in details if mentions_row(line, 2) and not mentions_row(line, 4)]
    # All or nothing: not even the good row, nor any audit entry.
    db.session.rollback()
    assert (count(School), count(AuditEntry)) == (schools_before, audit_before)


def test_missing_required_columns_are_named(counties: dict[str, County]) -> None:
    data = workbook([["6105020001", "城关小学"]], header=["学校标识码", "学校名称"])

    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(data, filename="partial.xlsx", actor=None)

    assert "partial.xlsx" in excinfo.value.message
    assert "区县" in excinfo.value.message and "学段" in excinfo.value.message
    assert count(School) == 0


def test_english_headers_are_accepted(counties: dict[str, County]) -> None:
    data = workbook([["6105020001", "City School", "临渭区", "primary"]],
                    header=["code", "name", "county", "level"])

    assert import_schools(data, filename="en.xlsx", actor=None).created == 1


def test_a_header_only_file_is_refused_as_empty(counties: dict[str, County]) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(workbook([]), filename="empty.xlsx", actor=None)
    assert "empty.xlsx" in excinfo.value.message


def _zip_of_text() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


@pytest.mark.parametrize(("filename", "data"), [
    ("schools.xlsx", "学校标识码,学校名称,区县,学段\n6105020001,城关小学,临渭区,小学\n".encode()),
    ("noise.xlsx", bytes(range(256)) * 16),
    ("archive.xlsx", _zip_of_text()),
    ("schools.csv", workbook([school_row("6105020001", "城关小学")])),
    ("schools.xlsx", b""),
], ids=["csv-renamed", "random-bytes", "zip-not-workbook", "xlsx-named-csv", "empty"])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused_naming_it(
    counties: dict[str, County], filename: str, data: bytes,
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(data, filename=filename, actor=None)

    assert filename in excinfo.value.message
    assert count(School) == 0


@pytest.mark.config(MAX_SPREADSHEET_BYTES=2048)
def test_a_file_over_the_size_limit_is_refused(counties: dict[str, County]) -> None:
    data = workbook([school_row(f"61050200{n:02d}", f"第{n}小学") for n in range(40)])
    assert len(data) > 2048

    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(data, filename="big.xlsx", actor=None)

    assert "big.xlsx" in excinfo.value.message
    assert mentions_row(excinfo.value.message, 2)  # the limit, in KB
    assert count(School) == 0


@pytest.mark.config(MAX_SPREADSHEET_BYTES=20_000)
def test_a_workbook_that_unpacks_far_beyond_the_size_limit_is_refused(counties: dict[str, County]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(workbook([school_row("6105020001", "城关小学")]))) as real:
            for info in real.infolist():
                archive.writestr(info, real.read(info))
        archive.writestr("xl/media/padding.xml", b" " * 2_000_000)  # 2 MB of spaces pack into about 2 KB
    data = buf.getvalue()
    assert len(data) < 20_000

    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(data, filename="bomb.xlsx", actor=None)

    assert "bomb.xlsx" in excinfo.value.message
    assert count(School) == 0


def test_the_template_example_imports_once_its_county_exists(
    ctx: None, make_county: t.Callable[..., County],
) -> None:
    template = template_workbook()
    with pytest.raises(ValidationFailed) as excinfo:
        import_schools(template, filename="学校导入模板.xlsx", actor=None)
    assert lines_for(excinfo.value.details, 2, "区县")
    db.session.rollback()

    make_county("临渭区")
    result = import_schools(template, filename="学校导入模板.xlsx", actor=None)

    assert result.created == 1
    school = db.session.scalars(sa.select(School)).one()
    assert (school.code, school.county.name, school.level) == ("6105020001", "临渭区", SchoolLevel.PRIMARY)


# --- the command line --------------------------------------------------------------------------------------


def test_cli_reports_every_bad_row_and_exits_non_zero(counties: dict[str, County], runner: t.Any,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook([
        school_row("12345", "短码小学"),
        school_row("6105020002", "渭城小学", "渭城区"),
    ]))

    result = runner.invoke(args=["schools", "import", str(path)])

    assert result.exit_code != 0
    assert "bad.xlsx" in result.output
    lines = result.output.splitlines()
    assert [line for line in lines_for(lines, 2, "学校标识码") if "12345" in line]
    assert [line for line in lines_for(lines, 3, "区县") if "渭城区" in line]
    assert count(School) == 0


def test_cli_imports_a_good_file_and_exits_zero(counties: dict[str, County], runner: t.Any,
                                                tmp_path: Path) -> None:
    path = tmp_path / "good.xlsx"
    path.write_bytes(workbook([
        school_row("0105020001", "城关小学"),
        school_row(6105020002, "华州中学", "华州区"),
    ]))

    result = runner.invoke(args=["schools", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert re.findall(r"\d+", result.output) == ["2", "0", "0"]
    assert set(db.session.scalars(sa.select(School.code))) == {"0105020001", "6105020002"}

    again = runner.invoke(args=["schools", "import", str(path)])
    assert again.exit_code == 0
    assert re.findall(r"\d+", again.output) == ["0", "0", "2"]


# --- the upload page ---------------------------------------------------------------------------------------


def upload(client: t.Any, data: bytes, filename: str = "schools.xlsx") -> t.Any:
    return client.post(
        "/schools/import", data={"file": (io.BytesIO(data), filename, XLSX)},
        content_type="multipart/form-data", headers={"Referer": "http://localhost/schools/import"},
        follow_redirects=True,
    )


def flashes(html: str, category: str) -> list[str]:
    return re.findall(rf'<div class="flash flash-{category}">(.*?)</div>', html, flags=re.S)


def test_a_failed_upload_lists_every_row_problem_on_the_page(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.admin)
    schools_before = count(School)

    response = upload(client, workbook([
        school_row("6105020001", "城关小学"),
        school_row("12345", "短码小学"),
        school_row("6105020003", "大学", level="大学"),
    ]), filename="bad.xlsx")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert response.request.path == "/schools/import"
    (error,) = flashes(html, "error")
    assert "bad.xlsx" in error
    details = re.findall(r"<li>(.*?)</li>", error, flags=re.S)
    assert len(details) == 2
    assert lines_for(details, 3, "学校标识码") and "12345" in lines_for(details, 3, "学校标识码")[0]
    assert lines_for(details, 4, "学段") and "大学" in lines_for(details, 4, "学段")[0]
    assert count(School) == schools_before


def test_a_good_upload_shows_the_counts(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.supervisor)

    response = upload(client, workbook([
        school_row("6105020001", "城关小学"),
        school_row("2161030001", "华州第一小学（更名）", "华州区", contact="联系人"),  # renamed
        school_row("2161020002", "临渭第二小学", contact="联系人"),  # as it is
    ]))

    assert response.status_code == 200
    (success,) = flashes(response.get_data(as_text=True), "success")
    assert re.findall(r"\d+", success) == ["1", "1", "1"]
    db.session.expire_all()
    renamed = db.session.scalars(sa.select(School.name).where(School.code == "2161030001")).one()
    assert renamed == "华州第一小学（更名）"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "school.import")).one()
    assert entry.actor_id == world.supervisor.id


def test_a_non_workbook_upload_says_so(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.admin)

    response = upload(client, b"code,name\n6105020001,x\n", filename="list.xlsx")

    (error,) = flashes(response.get_data(as_text=True), "error")
    assert "list.xlsx" in error


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("supervisor", 200), ("county_supervisor", 403), ("viewer", 403),
    ("inspector", 403), ("school", 403),
])
def test_only_admins_and_city_wide_supervisors_may_import(world: World, auth: Auth, client: t.Any,
                                                          role: str, status: int) -> None:
    auth.login(world.by_role()[role])
    schools_before = count(School)

    assert client.get("/schools/import").status_code == status
    response = client.post("/schools/import", data={"file": (io.BytesIO(workbook([
        school_row("6105020001", "城关小学"),
    ])), "s.xlsx", XLSX)}, content_type="multipart/form-data")

    assert response.status_code == (302 if status == 200 else 403)
    assert count(School) == schools_before + (1 if status == 200 else 0)


def test_anonymous_users_are_sent_to_log_in(client: t.Any) -> None:
    response = client.get("/schools/import")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_the_template_downloads_as_a_workbook_with_the_expected_columns(world: World, auth: Auth,
                                                                      client: t.Any) -> None:
    auth.login(world.supervisor)

    response = client.get("/schools/import/template.xlsx")

    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["学校", "可选值"]
    rows = list(book["学校"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == "6105020001"
    allowed = list(book["可选值"].iter_rows(values_only=True))
    assert {r[0] for r in allowed[1:]} - {None} == {"临渭区", "华州区"}
    assert "小学" in {r[1] for r in allowed[1:]}


def test_a_refused_county_comes_back_on_the_page_as_typed(world, auth, client) -> None:
    auth.login(world.admin)
    response = client.post("/schools/counties", data={"county-name": world.home.name, "county-code": "610599"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{world.home.name}"' in page and 'value="610599"' in page
    assert world.home.name in page[page.index('class="formerrors"'):]
