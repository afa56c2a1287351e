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
from inspect_app.checklists.models import VersionStatus
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
LOGIC = DATA / "logic_checklist.md"

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
    assert version.status == VersionStatus.DRAFT
    assert version.title["zh"] == "学生资助工作交叉检查表"
    assert [s.name for s in version.sections] == ["basic", *SECTION_ITEMS, "summary"]
    sections = {s.name: s for s in version.sections}
    for name, count in SECTION_ITEMS.items():
        section = sections[name]
        assessed_here = [i for i in section.items if i.fail_values]
        assert [i.name for i in assessed_here] == [f"{name}{n}" for n in range(1, count + 1)]
        assert section.weight == sum((i.weight for i in assessed_here), Decimal(0)), name
    assert sum((sections[name].weight for name in SECTION_ITEMS), Decimal(0)) == 100
    assert sections["basic"].weight is None and sections["summary"].weight is None

    items = {i.name: i for i in version.items}
    assessed = [i for i in version.items if i.fail_values and i.repeat_id is None]
    assert [i.name for i in assessed] == ASSESSED
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
        # The note and the photo are asked only when the item fails, and belong to it.
        fail = item.fail_values[0]
        note, photo = item.note_question, item.photo_question
        assert note is not None and photo is not None, item.name
        assert (note.name, note.type, note.required) == (f"{item.name}_note", ItemType.TEXT, True)
        assert (photo.name, photo.type, photo.required) == (f"{item.name}_photo", ItemType.IMAGE, False)
        for detail in (note, photo):
            assert detail.relevant == f"${{{item.name}}} = '{fail}'"
            assert detail.logic == {"relevant": ["=", ["ref", item.name], ["str", fail]]}
            assert detail.section_id == item.section_id
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
    assert items["aided"].constraint == ". >= 0 and . <= ${enrolled}"
    assert items["aided"].constraint_message and items["aided"].constraint_message["zh"]
    # Problems found outside the items: a list of entries, each raising its own finding.
    other = items["other_problems"]
    assert other.type == ItemType.REPEAT and other.section.name == "summary"
    assert [c.name for c in other.children] == ["op_area", "op_note", "op_photo"]
    assert items["op_area"].fail_values == list("ABCDEFGHI")
    assert items["op_note"].detail_of is items["op_area"]
    # Rows of the survey sheet: A1 is on the row after the A group's begin_group.
    assert items["A1"].row == sections["A"].row + 1
    assert items["A1_note"].row == items["A1"].row + 1


# --- pyxform's own test forms ------------------------------------------------------------------------------


def test_a_plain_yes_no_form_from_pyxform_imports(ctx: None) -> None:
    version, created = import_file(PYXFORM / "yes_or_no_question.xlsx")

    assert created
    (item,) = version.items
    assert (item.name, item.type, item.fail_values) == ("good_day", ItemType.SELECT_ONE, ["no"])
    assert item.label == {"en": "have you had a good day today?"}


@pytest.mark.parametrize(("filename", "named"), [
    ("duplicate_columns.xlsx", ["duplicate_columns.xlsx", "label"]),  # the duplicated header
    ("include.xlsx", ["第3行", "yes_or_no_question", "include"]),  # an include row: outside the subset
    ("group.xlsx", ["第4行", "phone_number", "phone number"]),
    # The three big forms pass their ${…} labels and messages, calculate and repeat_count rows, and
    # stop at a barcode question, outside the subset (then audio and video).
    ("attribute_columns_test.xlsx", ["第35行", "barcode_test", "barcode"]),
    ("flat_xlsform_test.xlsx", ["第35行", "barcode_test", "barcode"]),
    ("xlsform_spec_test.xlsx", ["第35行", "barcode_test", "barcode"]),
])
def test_pyxform_forms_outside_the_subset_are_refused_naming_the_problem(ctx: None, filename: str,
                                                                        named: list[str]) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        import_file(PYXFORM / filename)

    for word in named:
        assert word in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


def test_every_pyxform_form_imports_or_is_refused_and_none_crashes(ctx: None) -> None:
    imported, refused = [], []
    for path in sorted(PYXFORM.glob("*.xls*")):
        try:
            import_file(path)
        except ValidationFailed:
            db.session.rollback()
            refused.append(path.name)
        else:
            imported.append(path.name)

    assert imported == ["yes_or_no_question.xlsx"]
    assert len(refused) == 6


UNSUPPORTED = {
    "nested repeat": ("""
|        | type          | name  | label |
|        | select_one yn | q1    | 一    |
|        | begin_repeat  | outer | 外    |
|        | begin_repeat  | inner | 内    |
|        | text          | what  | 描述  |
|        | end_repeat    |       |       |
|        | end_repeat    |       |       |
""", ["第4行", "inner", "outer"]),
    "audio": ("""
|        | type          | name  | label |
|        | select_one yn | q1    | 一    |
|        | audio         | voice | 录音  |
""", ["第3行", "voice", "audio"]),
    "expression token": ("""
|        | type          | name | label | relevant       |
|        | select_one yn | q1   | 一    |                |
|        | text          | q2   | 二    | ${q1} ＝ 'no'  |
""", ["第3行", "q2", "relevant", "＝"]),
    "expression function": ("""
|        | type    | name   | label | constraint              |
|        | text    | phone  | 电话  | pulldata('a', 'b') = 'a' |
""", ["第2行", "phone", "constraint", "pulldata"]),
    "calculation on a text question": ("""
|        | type          | name  | label | calculation |
|        | select_one yn | q1    | 一    |             |
|        | text          | total | 合计  | 1 + 1       |
""", ["第3行", "total", "calculation"]),
    "calculate without a calculation": ("""
|        | type          | name  | label |
|        | select_one yn | q1    | 一    |
|        | calculate     | total |       |
""", ["row : 3", "calculation"]),  # pyxform's own refusal
    "legacy loop": ("""
|        | type               | name | label |
|        | begin_loop over yn | lp   | 每项  |
|        | integer            | n    | 数    |
|        | end_loop           |      |       |
""", ["第2行", "lp", "loop"]),
    "filter column missing": ("""
|        | type          | name | label | choice_filter    |
|        | select_one yn | q1   | 一    |                  |
|        | select_one yn | q2   | 二    | county = ${q1}   |
""", ["第3行", "q2", "choice_filter", "county"]),
    "label refers to nothing": ("""
|        | type          | name | label         |
|        | select_one yn | q1   | 一            |
|        | note          | hi   | 你选了 ${q9}  |
""", ["q9"]),
    "label refers into a repeat": ("""
|        | type          | name    | label           |
|        | begin_repeat  | defects | 问题            |
|        | select_one yn | serious | 严重            |
|        | end_repeat    |         |                 |
|        | note          | hi      | 严重：${serious} |
""", ["第5行", "hi", "serious", "defects"]),
    "repeat in a group in a repeat": ("""
|        | type          | name  | label |
|        | select_one yn | q1    | 一    |
|        | begin_repeat  | outer | 外    |
|        | begin_group   | mid   | 中    |
|        | begin_repeat  | inner | 内    |
|        | text          | what  | 描述  |
|        | end_repeat    |       |       |
|        | end_group     |       |       |
|        | end_repeat    |       |       |
""", ["第5行", "inner", "outer"]),
    "expression bare word": ("""
|        | type          | name | label | relevant    |
|        | select_one yn | q1   | 一    |             |
|        | text          | q2   | 二    | ${q1} = 否  |
""", ["第3行", "q2", "relevant", "否"]),
    "xpath path": ("""
|        | type          | name | label | relevant           |
|        | select_one yn | q1   | 一    |                    |
|        | text          | q2   | 二    | /data/q1 = 'no'    |
""", ["第3行", "q2", "relevant", "/"]),
    "regex not portable": ("""
|        | type | name  | label | constraint             |
|        | text | phone | 电话  | regex(., '(?P<n>1)')   |
""", ["第2行", "phone", "(?P"]),
    "required expression": ("""
|        | type          | name | label | required         |
|        | select_one yn | q1   | 一    |                  |
|        | text          | q2   | 二    | ${q1} = 'no' and |
""", ["第3行", "q2", "required"]),
    "reference into a repeat": ("""
|        | type          | name    | label | relevant         |
|        | begin_repeat  | defects | 问题  |                  |
|        | select_one yn | serious | 严重  |                  |
|        | end_repeat    |         |       |                  |
|        | text          | q2      | 二    | ${serious} = 'yes' |
""", ["第5行", "q2", "serious", "defects"]),
    "reference to a photo": ("""
|        | type          | name  | label | relevant      |
|        | image         | pic   | 照片  |               |
|        | text          | q2    | 二    | ${pic} != ''  |
""", ["第3行", "q2", "pic", "image"]),
    "default expression": ("""
|        | type | name | label | default |
|        | date | day  | 日期  | today() |
""", ["第2行", "day", "today()"]),
    "default not a choice": ("""
|        | type          | name | label | default |
|        | select_one yn | q1   | 一    | maybe   |
""", ["第2行", "q1", "maybe"]),
    "constraint on a photo": ("""
|        | type          | name | label | constraint |
|        | select_one yn | q1   | 一    |            |
|        | image         | pic  | 照片  | . != ''    |
""", ["第3行", "pic", "constraint"]),
    "required note": ("""
|        | type          | name | label | required |
|        | select_one yn | q1   | 一    |          |
|        | note          | hi   | 说明  | yes      |
""", ["第3行", "hi", "note"]),
    "weight in a repeat": ("""
|        | type          | name    | label | weight |
|        | begin_repeat  | defects | 问题  |        |
|        | select_one yn | serious | 严重  | 2      |
|        | end_repeat    |         |       |        |
""", ["第3行", "serious", "weight"]),
    "detail of nothing": ("""
|        | type          | name    | label | detail_of |
|        | select_one yn | q1      | 一    |           |
|        | text          | q1_note | 说明  | q9        |
""", ["第3行", "q1_note", "q9"]),
    "detail of an unassessed question": ("""
|        | type          | name    | label | detail_of |
|        | date          | day     | 日期  |           |
|        | select_one yn | q1      | 一    |           |
|        | text          | day_note | 说明 | day       |
""", ["第4行", "day_note", "day"]),
    "detail of the wrong type": ("""
|        | type          | name     | label | detail_of |
|        | select_one yn | q1       | 一    |           |
|        | integer       | q1_count | 人数  | q1        |
""", ["第3行", "q1_count"]),
    "two notes for one item": ("""
|        | type          | name  | label | detail_of |
|        | select_one yn | q1    | 一    |           |
|        | text          | n1    | 说明  | q1        |
|        | text          | n2    | 补充  | q1        |
""", ["第4行", "n2", "q1"]),
    "veto without fail values": ("""
|        | type | name | label | veto |
|        | text | q1   | 一    | yes  |
""", ["第2行", "q1", "veto"]),
    "bad severity": ("""
|        | type          | name | label | severity |
|        | select_one yn | q1   | 一    | 致命     |
""", ["第2行", "q1", "致命"]),
    "fail value not a choice": ("""
|        | type          | name | label | fail_values |
|        | select_one yn | q1   | 一    | maybe       |
""", ["第2行", "q1", "maybe"]),
}


@pytest.mark.parametrize("case", list(UNSUPPORTED))
def test_features_outside_the_supported_subset_are_refused_naming_the_row_and_question(ctx: None,
                                                                                       case: str) -> None:
    survey, named = UNSUPPORTED[case]

    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(md_form(survey), filename="probe.md", actor=None)

    for word in named:
        assert word in excinfo.value.message
    db.session.rollback()
    assert counts() == (0, 0, 0, 0)


def test_every_supported_type_and_column_imports_with_its_structure(ctx: None) -> None:
    version, _created = import_file(LOGIC)
    items = {i.name: i for i in version.items}
    sections = {s.name: s for s in version.sections}

    assert {i.type for i in version.items} >= {
        ItemType.DATE, ItemType.TIME, ItemType.DATETIME, ItemType.GEOPOINT, ItemType.INTEGER,
        ItemType.SELECT_MULTIPLE, ItemType.TEXT, ItemType.ACKNOWLEDGE, ItemType.SELECT_ONE, ItemType.IMAGE,
        ItemType.REPEAT}
    assert items["arrival"].default_value == "08:30"
    assert items["day"].logic == {"constraint": ["<=", ["cur"], ["call", "today"]]}
    assert items["day"].constraint_message == {"zh": "不能晚于今天", "en": "Not later than today"}
    assert items["other_prog"].required_message == {"zh": "请写明项目名称", "en": "Name the programme"}
    assert items["other_prog"].relevant == "selected(${programmes}, 'other')"
    assert (items["Q3"].required, items["Q3"].required_if) == (False, "${enrolled} > 1000")
    assert items["Q3"].logic == {"required": [">", ["ref", "enrolled"], ["num", 1000]]}
    assert sections["G3"].logic == {"relevant": [">", ["ref", "enrolled"], ["num", 100]]}
    defects = items["defects"]
    assert [c.name for c in defects.children] == ["d_area", "d_note", "d_photo", "d_count"]
    assert all(c.repeat is defects and c.section is None for c in defects.children)
    assert items["d_count"].logic["constraint"] == ["and", [">", ["cur"], ["num", 0]],
                                                    ["<=", ["cur"], ["ref", "enrolled"]]]
    assert [d.name for d in items["Q1"].details] == ["Q1_note", "Q1_photo"]
    assert [i.row for i in version.items][:3] == [3, 4, 5]


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
    assert first.output.rstrip().endswith("draft)")
    before = counts()

    again = runner.invoke(args=["checklists", "import", str(SHIPPED)])

    assert again.exit_code == 0
    assert again.output.startswith("unchanged: student_aid_cross_check version 2026.1")
    assert counts() == before


def test_cli_import_of_a_refused_file_exits_non_zero_and_writes_nothing(ctx: None, runner: t.Any) -> None:
    result = runner.invoke(args=["checklists", "import", str(PYXFORM / "include.xlsx")])

    assert result.exit_code != 0
    assert "yes_or_no_question" in result.output and "Traceback" not in result.output
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
        [str(version.id), "student_aid_cross_check", "2026.1", "draft", "学生资助工作交叉检查表"],
        [str(mini.id), "mini_test", "1", "draft", "测试检查表"],
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


FEATURES = DATA / "features_checklist.md"


def test_calculate_piping_filters_or_other_readonly_hidden_nested_groups_and_counts_import(ctx: None) -> None:
    version, created = import_file(FEATURES)
    items = {i.name: i for i in version.items}
    sections = {s.name: s for s in version.sections}

    assert created
    assert items["ratio"].type == ItemType.CALCULATE and items["ratio"].readonly
    assert items["ratio"].logic == {"calculate": ["call", "round", ["*", ["div", ["ref", "aided"], ["ref", "enrolled"]],
                                                                   ["num", 100]], ["num", 1]]}
    assert (items["round_no"].type, items["round_no"].default_value) == (ItemType.HIDDEN, "2026-1")
    assert items["inspector"].logic == {"readonly": True} and items["inspector"].readonly
    assert items["school"].label == {"zh": "${county} 的学校", "en": "School in ${county}"}
    assert items["school"].logic == {"choice_filter": ["=", ["col", "county"], ["ref", "county"]]}
    assert items["school"].choices[0] == {"name": "yt1", "label": {"zh": "雁塔一中", "en": "Yanta No. 1"},
                                          "county": "yanta"}
    # or_other: an "other" choice, and a text question asked when it is chosen, on the select's row.
    assert [c["name"] for c in items["paid_card"].choices] == ["yes", "no", "other"]
    other = items["paid_card_other"]
    assert (other.type, other.row, other.section.name) == (ItemType.TEXT, items["paid_card"].row, "funds")
    assert other.logic == {"relevant": ["call", "selected", ["ref", "paid_card"], ["str", "other"]]}
    # A group inside a group is a section of its own, shown when both groups' relevant hold.
    assert [s.name for s in version.sections] == ["site", "funds"]
    assert sections["funds"].label == {"zh": "学校信息 › 资金发放", "en": "School › Payments"}
    assert sections["funds"].logic == {"relevant": [">", ["ref", "aided"], ["num", 0]]}
    assert items["sampled"].section.name == "site"
    assert items["samples"].logic == {"count": ["ref", "sampled"]}


def test_a_group_inside_a_repeat_adds_its_relevant_to_its_questions(ctx: None) -> None:
    version, _created = services.import_checklist(md_form("""
|        | type          | name    | label | relevant        |
|        | select_one yn | q1      | 一    |                 |
|        | begin_repeat  | defects | 问题  |                 |
|        | select_one yn | serious | 严重  |                 |
|        | begin_group   | more    | 详情  | ${serious}='yes' |
|        | text          | what    | 描述  | ${q1} = 'no'    |
|        | end_group     |         |       |                 |
|        | end_repeat    |         |       |                 |
"""), filename="probe.md", actor=None)
    items = {i.name: i for i in version.items}

    assert items["what"].repeat is items["defects"]
    assert items["what"].logic == {"relevant": ["and", ["=", ["ref", "serious"], ["str", "yes"]],
                                                ["=", ["ref", "q1"], ["str", "no"]]]}
    assert items["what"].relevant == "(${serious}='yes') and (${q1} = 'no')"
