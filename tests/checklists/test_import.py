"""Importing XLSForm checklists: the shipped form, versions, pyxform's test forms, the CLI and the page."""

from __future__ import annotations

import io
import re
import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.checklists import services
from inspect_app.checklists.models import Checklist
from inspect_app.checklists.models import ChecklistItem
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.checklists.models import ItemType
from inspect_app.checklists.models import Severity
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db

if t.TYPE_CHECKING:
    from flask import Flask

    from tests.fixtures import Auth
    from tests.fixtures import World

ROOT = Path(__file__).parent.parent.parent
SHIPPED = ROOT / "forms" / "student_aid_cross_check.md"
DATA = Path(__file__).parent.parent / "data"
PYXFORM = DATA / "xlsform" / "pyxform"
MINI = DATA / "mini_checklist.md"

SECTION_ITEMS = {
    "A": 4, "B": 3, "C": 8, "D": 9, "E": 3, "F": 4, "G": 3, "H": 2, "I": 1,
}
ASSESSED = [f"{section}{n}" for section, count in SECTION_ITEMS.items() for n in range(1, count + 1)]


def counts() -> tuple[int, ...]:
    """Rows that an import writes: checklists, versions, items, audit entries."""
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (Checklist, ChecklistVersion, ChecklistItem, AuditEntry)
    )


def import_file(path: Path) -> tuple[ChecklistVersion, bool]:
    return services.import_checklist(path.read_bytes(), filename=path.name, actor=None)


def md_form(survey: str, *, form_id: str = "probe", version: str = "1", title: str = "探针") -> bytes:
    """A small pyxform markdown form around the given survey rows."""
    text = (
        "| survey |\n"
        f"{survey.strip()}\n"
        "| choices |\n"
        "|         | list_name | name | label |\n"
        "|         | yn        | yes  | 是    |\n"
        "|         | yn        | no   | 否    |\n"
        "| settings |\n"
        "|          | form_title | form_id | version |\n"
        f"|          | {title} | {form_id} | {version} |\n"
    )
    return text.encode()


# --- the shipped checklist ---------------------------------------------------------------------------------


def test_the_shipped_checklist_has_its_sections_items_weights_and_vetoes(ctx: None) -> None:
    version, created = import_file(SHIPPED)
    db.session.commit()

    assert created
    assert (version.checklist.form_id, version.version) == ("student_aid_cross_check", "2026.1")
    assert version.title["zh"] == "学生资助工作交叉检查表"
    assert [s.name for s in version.sections] == ["basic", *SECTION_ITEMS, "summary"]
    sections = {s.name: s for s in version.sections}
    for name, count in SECTION_ITEMS.items():
        section = sections[name]
        assert [i.name for i in section.items] == [f"{name}{n}" for n in range(1, count + 1)]
        assert section.weight == sum((i.weight for i in section.items), Decimal(0)), name
    assert sum((sections[name].weight for name in SECTION_ITEMS), Decimal(0)) == 100
    assert sections["basic"].weight is None and sections["summary"].weight is None

    items = {i.name: i for i in version.items}
    assessed = [i for i in version.items if i.fail_values]
    assert [i.name for i in assessed] == ASSESSED == [i.name for i in version.assessed_items]
    assert {i.name for i in version.items if i.veto} == {"C8", "D3", "D6"}
    assert items["E2"].fail_values == ["poor"]
    assert [c["name"] for c in items["E2"].choices] == ["good", "fair", "poor"]
    for item in assessed:
        assert item.type == ItemType.SELECT_ONE
        assert item.required
        if item.name != "E2":
            assert [c["name"] for c in item.choices] == ["yes", "no", "na"]
            assert item.fail_values == ["no"], item.name
        assert item.weight and item.weight > 0
        assert item.severity in set(Severity)
        assert item.method, item.name
        assert item.policy_basis, item.name
    assert items["C8"].severity == Severity.SEVERE
    assert items["C8"].fails("no") and not items["C8"].fails("na")
    for element in [*version.sections, *version.items]:
        assert element.label.get("zh") and element.label.get("en"), element.name
    for item in version.items:
        for choice in item.choices or []:
            assert choice["label"].get("zh") and choice["label"].get("en")
    assert items["site_photo"].type == ItemType.IMAGE
    assert items["instructions"].type == ItemType.NOTE
    assert items["enrolled"].hint and items["enrolled"].hint["en"]


def test_importing_the_same_file_again_creates_nothing(ctx: None) -> None:
    first, _ = import_file(SHIPPED)
    db.session.commit()
    before = counts()

    again, created = import_file(SHIPPED)

    assert not created
    assert again.id == first.id
    assert counts() == before


def test_a_changed_file_claiming_an_existing_version_is_refused_and_writes_nothing(ctx: None) -> None:
    import_file(SHIPPED)
    db.session.commit()
    before = counts()
    changed = SHIPPED.read_text(encoding="utf-8").replace("有固定办公场所、档案专柜", "有固定办公场所")

    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(changed.encode(), filename=SHIPPED.name, actor=None)

    assert "student_aid_cross_check" in excinfo.value.message and "2026.1" in excinfo.value.message
    db.session.rollback()
    assert counts() == before


def item_state(version: ChecklistVersion) -> list[tuple[t.Any, ...]]:
    return [(i.id, i.name, i.label, i.weight, i.fail_values, i.severity) for i in version.items]


def test_a_new_version_number_adds_version_two_and_leaves_version_one_and_its_visits_alone(
    world: World,
) -> None:
    v1 = world.visit.checklist_version
    v1_items = item_state(v1)
    text = MINI.read_text(encoding="utf-8")
    changed = (text.replace("| mini_test | 1       |", "| mini_test | 2       |")
               .replace("成立领导小组", "成立资助工作领导小组"))
    assert changed.count("mini_test | 2") == 1

    v2, created = services.import_checklist(changed.encode(), filename="mini_checklist.md", actor=world.admin)
    db.session.commit()
    db.session.expire_all()

    assert created and v2.id != v1.id
    assert [v.version for v in v1.checklist.versions] == ["1", "2"]
    assert v2.checklist_id == v1.checklist_id
    assert item_state(v1) == v1_items
    assert next(i for i in v2.items if i.name == "S1_1").label["zh"] == "成立资助工作领导小组"
    assert next(i for i in v1.items if i.name == "S1_1").label["zh"] == "成立领导小组"
    assert world.visit.checklist_version_id == v1.id
    assert world.campaign.checklist_version_id == v1.id
    assert services.find_version("mini_test").id == v2.id
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "checklist.import",
                                                           AuditEntry.object_id == v2.id)).one()
    assert entry.actor_id == world.admin.id


# --- pyxform's own test forms ------------------------------------------------------------------------------


def test_a_plain_yes_no_form_from_pyxform_imports(ctx: None) -> None:
    version, created = import_file(PYXFORM / "yes_or_no_question.xlsx")

    assert created
    (item,) = version.items
    assert (item.name, item.type, item.fail_values) == ("good_day", ItemType.SELECT_ONE, ["no"])
    assert item.label == {"en": "have you had a good day today?"}


@pytest.mark.parametrize(("filename", "named"), [
    ("duplicate_columns.xlsx", ["duplicate_columns.xlsx", "label"]),  # the duplicated header
    ("include.xlsx", ["yes_or_no_question", "include"]),  # an include row: outside the subset
    ("group.xlsx", ["phone_number", "phone number"]),
    ("attribute_columns_test.xlsx", ["email_note", "relevant"]),
    ("flat_xlsform_test.xlsx", ["email_note", "relevant"]),
    ("xlsform_spec_test.xlsx", ["email_note", "relevant"]),
])
def test_pyxform_forms_outside_the_subset_are_refused_naming_the_problem(ctx: None, filename: str,
                                                                        named: list[str]) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        import_file(PYXFORM / filename)

    for word in named:
        assert word in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


UNSUPPORTED = {
    "relevant": ("""
|        | type          | name  | label | relevant       |
|        | select_one yn | q1    | 一    |                |
|        | text          | q2    | 二    | ${q1} = 'no'   |
""", ["q2", "relevant"]),
    "constraint": ("""
|        | type    | name   | label | constraint |
|        | integer | pupils | 人数  | . >= 0     |
""", ["pupils", "constraint"]),
    "repeat": ("""
|        | type          | name    | label |
|        | select_one yn | q1      | 一    |
|        | begin_repeat  | defects | 问题  |
|        | text          | what    | 描述  |
|        | end_repeat    |         |       |
""", ["defects", "repeat"]),
    "geopoint": ("""
|        | type          | name     | label |
|        | select_one yn | q1       | 一    |
|        | geopoint      | location | 位置  |
""", ["location", "geopoint"]),
    "time": ("""
|        | type          | name    | label |
|        | select_one yn | q1      | 一    |
|        | time          | arrival | 到达  |
""", ["arrival", "time"]),
    "nested group": ("""
|        | type          | name  | label |
|        | begin_group   | outer | 外    |
|        | begin_group   | inner | 内    |
|        | select_one yn | q1    | 一    |
|        | end_group     |       |       |
|        | end_group     |       |       |
""", ["inner", "outer"]),
    "default": ("""
|        | type    | name   | label | default |
|        | integer | pupils | 人数  | 5       |
""", ["pupils", "default"]),
    "bad severity": ("""
|        | type          | name | label | severity |
|        | select_one yn | q1   | 一    | 致命     |
""", ["q1", "致命"]),
    "fail value not a choice": ("""
|        | type          | name | label | fail_values |
|        | select_one yn | q1   | 一    | maybe       |
""", ["q1", "maybe"]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_features_outside_the_supported_subset_are_refused_naming_the_question(ctx: None, case: str) -> None:
    survey, named = UNSUPPORTED[case]

    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(md_form(survey), filename="probe.md", actor=None)

    for word in named:
        assert word in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


def test_a_small_form_in_the_subset_imports(ctx: None) -> None:
    version, created = services.import_checklist(md_form("""
|        | type          | name | label | weight | severity | method   | policy_basis |
|        | select_one yn | q1   | 一    | 2.5    | 较重     | 查阅资料 | 某某文件     |
|        | date          | day  | 日期  |        |          |          |              |
"""), filename="probe.md", actor=None)

    assert created
    q1 = version.items[0]
    assert (q1.weight, q1.severity) == (Decimal("2.5"), Severity.MAJOR)
    assert (q1.method, q1.policy_basis) == ("查阅资料", "某某文件")


ONE_QUESTION = """
|        | type          | name   | label | weight   | method   |
|        | select_one yn | {name} | 一    | {weight} | {method} |
"""
TOO_BIG = {
    "method": ({"method": "查阅资料" * 17}, {}, ["q1", "method"]),  # 68 characters; the column holds 64
    "name": ({"name": "q" * 65}, {}, ["q" * 65]),
    "weight NaN": ({"weight": "NaN"}, {}, ["q1", "weight", "NaN"]),
    "weight huge": ({"weight": "10000000"}, {}, ["q1", "weight"]),
    "form_id": ({}, {"form_id": "f" * 65}, ["form_id"]),
    "version": ({}, {"version": "9" * 33}, ["version"]),
    "form_title": ({}, {"title": "检查表" * 43}, ["form_title"]),
}


@pytest.mark.parametrize("case", list(TOO_BIG))
def test_values_the_tables_cannot_hold_are_refused_naming_the_question(ctx: None, case: str) -> None:
    cells, settings, named = TOO_BIG[case]
    survey = ONE_QUESTION.format(**{"name": "q1", "weight": "", "method": "", **cells})

    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(md_form(survey, **settings), filename="probe.md", actor=None)

    for word in named:
        assert word in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


def test_a_server_path_uploaded_as_a_form_is_not_read_from_disk(ctx: None) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(str(SHIPPED).encode(), filename="path.md", actor=None)
    assert "path.md" in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(("filename", "data"), [
    ("gbk.md", MINI.read_text(encoding="utf-8").encode("gbk")),
    ("checklist.txt", MINI.read_bytes()),
    ("noise.xlsx", bytes(range(256)) * 16),
    ("huge.md", b"|" + b" " * (services.MAX_FORM_BYTES + 1)),
], ids=["non-utf8-md", "txt", "random-xlsx", "oversized"])
def test_unreadable_files_are_refused_naming_the_file(ctx: None, filename: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(data, filename=filename, actor=None)
    assert filename in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


# --- the command line --------------------------------------------------------------------------------------


def test_cli_import_then_again_says_unchanged(ctx: None, runner: t.Any) -> None:
    first = runner.invoke(args=["checklists", "import", str(SHIPPED)])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("imported: student_aid_cross_check version 2026.1")
    before = counts()

    again = runner.invoke(args=["checklists", "import", str(SHIPPED)])

    assert again.exit_code == 0
    assert again.output.startswith("unchanged: student_aid_cross_check version 2026.1")
    assert counts() == before


def test_cli_import_of_a_refused_file_exits_non_zero_and_writes_nothing(ctx: None, runner: t.Any) -> None:
    result = runner.invoke(args=["checklists", "import", str(PYXFORM / "include.xlsx")])

    assert result.exit_code != 0
    assert "yes_or_no_question" in result.output
    assert counts() == (0, 0, 0, 0)


def test_cli_load_imports_the_forms_directory_once(ctx: None, runner: t.Any) -> None:
    first = runner.invoke(args=["checklists", "load"])
    assert first.exit_code == 0, first.output
    assert "imported: student_aid_cross_check" in first.output

    again = runner.invoke(args=["checklists", "load"])

    assert again.exit_code == 0
    assert "unchanged: student_aid_cross_check" in again.output
    assert "imported:" not in again.output


def test_cli_load_stops_at_a_bad_file_and_writes_nothing(ctx: None, app: Flask, runner: t.Any,
                                                         tmp_path: Path) -> None:
    (tmp_path / "a_good.md").write_bytes(MINI.read_bytes())
    (tmp_path / "b_bad.xlsx").write_bytes((PYXFORM / "group.xlsx").read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    app.config["FORMS_DIR"] = str(tmp_path)

    result = runner.invoke(args=["checklists", "load"])

    assert result.exit_code != 0
    assert "phone_number" in result.output
    assert counts() == (0, 0, 0, 0)


def test_cli_list_shows_each_version(ctx: None, runner: t.Any) -> None:
    version, _ = import_file(SHIPPED)
    mini, _ = import_file(MINI)
    db.session.commit()

    result = runner.invoke(args=["checklists", "list"])

    assert result.exit_code == 0
    rows = sorted(line.split("\t") for line in result.output.splitlines())
    assert rows == sorted([
        [str(version.id), "student_aid_cross_check", "2026.1", "学生资助工作交叉检查表"],
        [str(mini.id), "mini_test", "1", "测试检查表"],
    ])


# --- the upload page ---------------------------------------------------------------------------------------


def upload(client: t.Any, path: Path) -> t.Any:
    return client.post(
        "/checklists/import", data={"file": (io.BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data", headers={"Referer": "http://localhost/checklists/"},
        follow_redirects=True,
    )


def flashes(html: str, category: str) -> list[str]:
    return re.findall(rf'<div class="flash flash-{category}">(.*?)</div>', html, flags=re.S)


def test_an_admin_uploads_a_checklist_and_sees_its_version(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.admin)

    response = upload(client, SHIPPED)

    assert response.status_code == 200
    version = db.session.scalars(
        sa.select(ChecklistVersion).join(Checklist).where(Checklist.form_id == "student_aid_cross_check")
    ).one()
    assert response.request.path == f"/checklists/versions/{version.id}"
    (success,) = flashes(response.get_data(as_text=True), "success")
    assert "2026.1" in success and str(len(version.items)) in success

    again = upload(client, SHIPPED)
    assert flashes(again.get_data(as_text=True), "info")
    assert len(db.session.scalars(sa.select(ChecklistVersion)).all()) == 2  # the world's mini checklist too


def test_a_refused_upload_shows_why_and_writes_nothing(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.supervisor)
    before = counts()

    response = upload(client, PYXFORM / "duplicate_columns.xlsx")

    assert response.status_code == 200
    (error,) = flashes(response.get_data(as_text=True), "error")
    assert "duplicate_columns.xlsx" in error
    assert counts() == before


@pytest.mark.parametrize("role", ["county_supervisor", "viewer", "inspector", "school"])
def test_only_admins_and_city_wide_supervisors_may_import_checklists(world: World, auth: Auth, client: t.Any,
                                                                     role: str) -> None:
    auth.login(world.by_role()[role])
    before = counts()

    response = client.post("/checklists/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(SHIPPED.read_bytes()), SHIPPED.name)})

    assert response.status_code == 403
    assert counts() == before
