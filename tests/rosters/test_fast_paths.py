"""The fast paths of reading and checking give what the plain ones give: blocks of rows, codes of distinct
cells, ID numbers as integers, columns of mixed types, encodings."""

from __future__ import annotations

import io
import typing as t

import numpy as np
import openpyxl
import pandas as pd
import pytest

from inspect_app.errors import ValidationFailed
from inspect_app.funds.programmes import Programme
from inspect_app.rosters import cells
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.ids import check_id
from inspect_app.rosters.ids import check_id_arrays
from inspect_app.rosters.readers import read_table

from .helpers import JUNIOR
from .helpers import PUPIL
from .helpers import TODAY
from .helpers import csv_bytes
from .helpers import person
from .helpers import run
from .helpers import table

HEADERS = ["序号", "姓名", "身份证号", "学校名称", "资助项目", "发放金额（元）"]
SYSTEM_HEADERS = ["学生姓名", "身份证件号", "学校名称", "项目名称", "资助金额"]
WIDE = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)})


def xlsx(rows: list[list[t.Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    for r in rows:
        workbook.active.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(data: bytes, filename: str = "r.xlsx", kind: InputKind = InputKind.ROSTER) -> t.Any:
    return read_table(data, filename=filename, kind=kind, max_bytes=10**8, max_rows=10**6)


def test_a_workbook_longer_than_a_block_reads_as_one_column_would(monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = [person("20120510", f"{i:03d}") for i in range(40)]
    rows = [[i + 1, f"学生{i}", numbers[i], f" 第{i % 3}小学 " if i % 2 else f"第{i % 3}小学",
             "小学寄宿生生活补助", 500 if i % 4 else "500.00"] for i in range(40)]
    rows.insert(17, [None] * 6)  # a blank row inside the second block
    data = xlsx([HEADERS, *rows, ["合计", None, None, None, None, 20000]])
    whole = read(data)
    monkeypatch.setattr(cells, "BLOCK_ROWS", 7)
    blocks = read(data)
    assert len(blocks) == 40 and blocks.frame["row"].tolist() == whole.frame["row"].tolist()
    assert 19 not in blocks.frame["row"].tolist()  # the blank row (file row 19) is skipped
    for column in ("name", "id_number", "school", "programme", "amount", "cents"):
        assert blocks.frame[column].tolist() == whole.frame[column].tolist(), column
    assert sorted(set(blocks.frame["school"])) == ["第0小学", "第1小学", "第2小学"]
    assert set(blocks.frame["cents"]) == {50000}
    codes, values = blocks.codes["school"]
    assert (values[codes] == blocks.frame["school"].to_numpy(dtype=object)).all()


def test_a_column_mixing_numbers_and_booleans_reads_each_cell_as_it_shows() -> None:
    # 1, 1.0 and True are equal as values yet read "1", "1" and "TRUE": such a column is read cell by cell.
    headers = ["姓名", "身份证号", "资助项目", "发放金额", "档次"]
    data = xlsx([headers, ["甲", PUPIL, "小学寄宿生生活补助", 500, 1], ["乙", JUNIOR, "初中寄宿生生活补助", 625, True]])
    with pytest.raises(ValidationFailed) as err:
        read(data)
    assert err.value.details == ["Row 3, column “档次”: not a tier; write 一档, 二档 or 三档"]


def test_amounts_written_with_commas_units_and_as_numbers() -> None:
    headers = ["姓名", "身份证号", "资助项目", "发放金额"]
    senior = person("20060915", "031")
    rows = [["甲", senior, "普通高中国家助学金", "1,000"], ["乙", senior, "普通高中国家助学金", "1000元"],
            ["丙", senior, "普通高中国家助学金", 1000.0], ["丁", senior, "普通高中国家助学金", " ￥1000.00 "]]
    table = read(xlsx([headers, *rows]))
    assert table.frame["cents"].tolist() == [100000] * 4
    assert {str(a) for a in table.frame["amount"]} == {"1000", "1000.00"}


def test_id_numbers_in_scientific_form_or_with_a_lower_case_x() -> None:
    with_x = next(n for n in (person("20120510", f"{i:03d}") for i in range(200)) if n.endswith("X"))
    result = run(table(InputKind.ROSTER, ["姓名", "身份证号", "资助项目", "发放金额"],
                       [["甲", "6.10503E+17", "小学寄宿生生活补助", "500"],
                        ["乙", with_x.lower(), "小学寄宿生生活补助", "500"]]))
    found = {d["code"]: d for d in result.discrepancies}
    assert set(found) == {"ID_FORMAT"} and found["ID_FORMAT"]["rows"] == {"roster": [2]}


def test_the_integer_form_of_an_id_number_is_its_text() -> None:
    numbers = [PUPIL, JUNIOR, PUPIL.translate(WIDE), " " + JUNIOR, PUPIL[:17] + "x", "12345", ""]
    checked = check_id_arrays(np.array(numbers, dtype=object), today=TODAY)
    fast = check_id_arrays(np.array([PUPIL, JUNIOR], dtype=object), today=TODAY)
    assert checked["ident"][0] == checked["ident"][2] == fast["ident"][0]
    assert checked["ident"][1] == checked["ident"][3] == fast["ident"][1]
    assert checked["ident"][0] != checked["ident"][1] and list(checked["ident"][5:]) == [-1, -1]
    assert list(checked["filled"]) == [True] * 6 + [False]
    for number, problem in zip(numbers, checked["problem"], strict=True):
        assert problem == check_id(number, today=TODAY).problem, number


def test_people_match_across_files_whatever_the_width_of_their_digits() -> None:
    roster = table(InputKind.ROSTER, ["姓名", "身份证号", "学校名称", "资助项目", "发放金额"],
                   [["甲", PUPIL.translate(WIDE), "一小", "小学寄宿生生活补助", "500"],
                    ["乙", JUNIOR, "一中", "初中寄宿生生活补助", "625"]])
    system = table(InputKind.SYSTEM, SYSTEM_HEADERS, [["甲", PUPIL, "一小", "小学寄宿生生活补助", "500"],
                                                      ["乙", JUNIOR, "一中", "初中寄宿生生活补助", "700"]],
                   label="system")
    result = run(roster, system=system)
    assert [d["code"] for d in result.discrepancies] == ["SYS_AMOUNT"]
    assert result.discrepancies[0]["rows"] == {"roster": [3], "system": [3]}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_a_system_export_with_a_total_line_in_each_encoding(encoding: str) -> None:
    rows = [["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", "500"], ["合计", "", "", "", "500"]]
    data = csv_bytes(SYSTEM_HEADERS, rows, encoding)
    system = read(data, "系统导出.csv", InputKind.SYSTEM)
    # GB 18030 text that GBK decodes to the same text is named GBK, as it always was.
    assert system.encoding == {"gb18030": "gbk"}.get(encoding, encoding) and len(system) == 1
    assert system.frame.iloc[0]["name"] == "王一" and system.frame.iloc[0]["programme"] == Programme.PRIMARY_BOARDING


def test_codes_of_a_parsed_column_give_the_parsed_values() -> None:
    data = csv_bytes(["姓名", "身份证号", "资助项目", "学期", "发放金额", "档次"],
                     [["甲", PUPIL, "小学寄宿生生活补助", "2023春", "500", ""],
                      ["乙", JUNIOR, "初中寄宿生生活补助", "2023年春季学期", "625", "一档"]])
    result = read(data, "r.csv")
    for key in ("programme", "semester", "amount", "tier"):
        codes, values = result.codes[key]
        assert pd.Series(values[codes], dtype=object).tolist() == result.frame[key].tolist(), key


def test_only_a_wrong_check_character_gives_an_expected_one() -> None:
    # The column of expected characters is an object column: under pandas 3 it could be inferred as text, its
    # blanks read as NaN, and every other ID discrepancy carried "expected": NaN (which is not JSON).
    bad_check = PUPIL[:17] + ("0" if PUPIL[17] != "0" else "1")
    result = run(table(InputKind.ROSTER, ["姓名", "身份证号", "资助项目", "学期", "发放金额"],
                       [["甲", bad_check, "小学寄宿生生活补助", "2023春", "500"],
                        ["乙", "12345", "小学寄宿生生活补助", "2023春", "500"],
                        ["丙", JUNIOR, "初中寄宿生生活补助", "2022秋", "625"]]))
    params = {d["code"]: d["params"] for d in result.discrepancies}
    assert params["ID_CHECKSUM"] == {"value": bad_check, "expected": PUPIL[17]}
    assert params["ID_FORMAT"] == {"value": "12345"}
