"""Reading files: encodings, title rows, synonyms, and malformed files refused row by row."""

from __future__ import annotations

import io
import typing as t

import openpyxl
import pytest

from inspect_app.errors import ValidationFailed
from inspect_app.funds.programmes import Programme
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.readers import MappingNeeded
from inspect_app.rosters.readers import read_table

from .helpers import JUNIOR
from .helpers import PUPIL
from .helpers import SENIOR
from .helpers import csv_bytes


def xlsx(rows: list[list[t.Any]], *, merge: list[str] = (), sheets: int = 1) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r in rows:
        sheet.append(r)
    for cells in merge:
        sheet.merge_cells(cells)
    for n in range(1, sheets):
        workbook.create_sheet(f"空{n}")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(data: bytes, filename: str = "r.xlsx", kind: InputKind = InputKind.ROSTER, **kw: t.Any) -> t.Any:
    return read_table(data, filename=filename, kind=kind, max_bytes=10**7, max_rows=10**5, **kw)


HEADERS = ["姓名", "身份证号", "学校名称", "资助项目", "发放金额（元）"]


def test_a_workbook_with_a_merged_title_row_and_synonym_headings() -> None:
    headings = ["学生姓名", "公民身份号码", "就读学校", "项目名称", "实发金额"]
    table = read(xlsx([["华州区2023年春季学期发放花名册"], headings,
                       ["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", 500]], merge=["A1:E1"]))
    assert table.header_row == 2 and len(table) == 1
    first = table.frame.iloc[0]
    assert (first["row"], first["name"], first["id_number"], first["programme"], first["cents"]) == (
        3, "王一", PUPIL, Programme.PRIMARY_BOARDING, 50000)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_in_any_of_the_encodings_schools_use(encoding: str) -> None:
    data = csv_bytes(HEADERS, [["王一", PUPIL, "华州第一小学", "初中寄宿生生活补助", "625.00"]], encoding)
    table = read(data, "花名册.csv")
    assert table.frame.iloc[0]["name"] == "王一" and table.frame.iloc[0]["school"] == "华州第一小学"
    assert table.frame.iloc[0]["cents"] == 62500


def test_a_gbk_csv_with_a_row_problem_names_the_row() -> None:
    data = csv_bytes(HEADERS, [["王一", PUPIL, "华州第一小学", "初中寄宿生生活补助", "625"],
                               ["李二", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "陆佰贰拾伍"]], "gbk")
    with pytest.raises(ValidationFailed) as err:
        read(data, "花名册.csv")
    assert any(line.startswith("Row 3, column “发放金额（元）”") for line in err.value.details)


def test_unfamiliar_headings_ask_for_a_mapping_and_the_mapping_is_used() -> None:
    data = csv_bytes(["学生", "证号", "类型", "钱"], [["王一", PUPIL, "小学寄宿生生活补助", "500"]])
    with pytest.raises(MappingNeeded) as err:
        read(data, "odd.csv")
    assert err.value.raw.headers == ["学生", "证号", "类型", "钱"]
    table = read(data, "odd.csv", mapping={"学生": "name", "证号": "id_number", "类型": "programme", "钱": "amount"})
    assert table.frame.iloc[0]["id_number"] == PUPIL
    remembered = read(data, "odd.csv", remembered={"学生": "name", "证号": "id_number", "类型": "programme",
                                                     "钱": "amount"})
    assert remembered.mapping == {"学生": "name", "证号": "id_number", "类型": "programme", "钱": "amount"}


def test_mixed_types_give_row_level_errors() -> None:
    rows = [["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", 500],
            ["李二", 110105194912310021, "华州第一小学", "小学寄宿生生活补助", 500],
            ["赵三", JUNIOR, "华州第一小学", "寄宿生", 500],
            ["钱四", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "五百"],
            ["孙五", JUNIOR, "华州第一小学", "初中寄宿生生活补助", 0],
            ["", "", "华州第一小学", "初中寄宿生生活补助", 625]]
    with pytest.raises(ValidationFailed) as err:
        read(xlsx([HEADERS, *rows]))
    details = "\n".join(err.value.details)
    assert "Row 3, column “身份证号”: the number is stored as a number" in details
    assert "Row 4, column “资助项目”: not a programme" in details
    assert "Row 5, column “发放金额（元）”: not an amount" in details
    assert "Row 6, column “发放金额（元）”: must be more than 0" in details
    assert "Row 7, column “身份证号”: empty" in details and "Row 7, column “姓名”: empty" in details
    assert "Nothing was changed" in err.value.message


def test_merged_cells_in_the_data_are_refused_with_their_rows() -> None:
    rows = [HEADERS, ["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", 500],
            ["李二", JUNIOR, None, "初中寄宿生生活补助", 625]]
    with pytest.raises(ValidationFailed) as err:
        read(xlsx(rows, merge=["C2:C3"]))
    assert err.value.details == ["Rows 2–3, column “学校名称”: merged cells. Unmerge them and fill in every row."]


def test_a_total_line_under_the_data_is_skipped() -> None:
    rows = [HEADERS, ["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", 500], ["合计", None, None, None, 500]]
    assert len(read(xlsx(rows, merge=["B3:D3"]))) == 1


def test_empty_files_and_sheets() -> None:
    with pytest.raises(ValidationFailed, match="every sheet is empty"):
        read(xlsx([], sheets=3))
    with pytest.raises(ValidationFailed, match="no data rows"):
        read(xlsx([HEADERS]))
    with pytest.raises(ValidationFailed, match="is empty"):
        read(b"", "r.csv")
    # Empty sheets before the roster do not hide it.
    workbook = openpyxl.Workbook()
    workbook.active.title = "说明"
    sheet = workbook.create_sheet("花名册")
    sheet.append(HEADERS)
    sheet.append(["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", 500])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(buffer.getvalue()).sheet == "花名册"


def test_files_that_are_not_spreadsheets_are_refused() -> None:
    with pytest.raises(ValidationFailed, match="not a spreadsheet"):
        read(b"hello", "r.txt")
    with pytest.raises(ValidationFailed, match="not an Excel workbook"):
        read(b"PK\x03\x04 broken", "r.xlsx")
    with pytest.raises(ValidationFailed, match="not text in UTF-8 or GBK"):
        read(b"\x81\x20\xff\xfe\x00\x81", "r.csv")


def test_the_group_of_a_special_list_comes_from_its_column_or_name() -> None:
    from inspect_app.rosters.fields import SpecialGroup

    data = csv_bytes(["姓名", "身份证号", "类别"], [["王一", PUPIL, "原建档立卡户"]])
    assert read(data, "名单.csv", InputKind.SPECIAL).group == SpecialGroup.POVERTY
    data = csv_bytes(["姓名", "身份证号"], [["王一", PUPIL]])
    assert read(data, "残疾学生名单.csv", InputKind.SPECIAL).group == SpecialGroup.DISABLED


def test_a_system_export_reads_the_level_to_tell_a_generic_boarding_subsidy_apart() -> None:
    headings = ["姓名", "身份证号", "学校名称", "学段", "资助项目名称", "发放金额（元）"]
    rows = [["王一", PUPIL, "华州第一小学", "小学", "义务教育寄宿生生活补助", 500],
            ["李二", JUNIOR, "华州初级中学", "初中", "义务教育寄宿生生活补助", 625]]
    for kind in (InputKind.SYSTEM, InputKind.ROSTER):
        table = read(xlsx([headings, *rows]), "全国系统导出.xlsx", kind=kind)
        assert list(table.frame["programme"]) == [Programme.PRIMARY_BOARDING, Programme.JUNIOR_BOARDING], kind
        assert table.mapping["学段"] == "level", kind


def test_a_gbk_csv_whose_first_part_is_plain_ascii_is_still_read_as_gbk() -> None:
    headers = ["name", "id", "school", "programme", "amount"]
    mapping = {"name": "name", "id": "id_number", "school": "school", "programme": "programme", "amount": "amount"}
    rows = [[f"Wang{i}", PUPIL, "School", Programme.JUNIOR_BOARDING.value, "625"] for i in range(3000)]
    data = csv_bytes(headers, [*rows, ["王一", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "625"]], "gbk")
    assert data[:65536].isascii() and not data.isascii()
    table = read(data, "花名册.csv", mapping=mapping)
    assert table.encoding == "gbk" and table.frame.iloc[-1]["name"] == "王一" and table.frame.iloc[-1]["row"] == 3002
    data = csv_bytes(headers, [*rows, ["王𠀀", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "625"]], "gb18030")
    table = read(data, "花名册.csv", mapping=mapping)
    assert table.encoding == "gb18030" and table.frame.iloc[-1]["name"] == "王𠀀"
    data = csv_bytes(headers, [*rows, ["王一", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "625"]], "utf-8")
    assert read(data, "花名册.csv", mapping=mapping).encoding == "utf-8"


def test_a_csv_with_a_title_line_a_total_line_and_a_wide_line_keeps_the_file_row_numbers() -> None:
    lines = [["华州区2023年春季学期发放花名册"], HEADERS,
             ["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", " 500 "], [],
             ["李二", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "625"], ["合计", "", "", "", "1125"]]
    table = read(csv_bytes(lines[0], lines[1:]), "花名册.csv")
    assert table.header_row == 2 and list(table.frame["row"]) == [3, 5]
    assert list(table.frame["cents"]) == [50000, 62500]
    # A line wider than the first hundred is read too (by the csv module), with the same rows.
    wide = [*lines[1:], *([["赵三", SENIOR, "华州中学", "高中国家助学金", "1000"]] * 120),
            ["钱四", SENIOR, "华州中学", "高中国家助学金", "1000", "备注"]]
    table = read(csv_bytes(lines[0], wide), "花名册.csv")
    assert table.header_row == 2 and table.frame["row"].iloc[-1] == 127 and len(table) == 123
