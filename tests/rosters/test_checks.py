"""Each check with the fewest rows that must trigger it, and rows that must not."""

from __future__ import annotations

from flask import Flask

from inspect_app.funds.programmes import Semester
from inspect_app.funds.standards import StandardsTable
from inspect_app.rosters import checks
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.fields import SpecialGroup

from .helpers import CHILD
from .helpers import JUNIOR
from .helpers import PUPIL
from .helpers import SENIOR
from .helpers import codes
from .helpers import person
from .helpers import roster
from .helpers import row
from .helpers import run
from .helpers import table

SYSTEM_HEADERS = ["学生姓名", "身份证件号", "学校名称", "项目名称", "资助金额"]
ENROLMENT_HEADERS = ["姓名", "身份证件号", "学校标识码", "学籍状态"]


def test_a_clean_roster_has_no_discrepancy() -> None:
    result = run(roster(row("王一", PUPIL), row("李二", JUNIOR, "初中寄宿生生活补助", "625"),
                        row("赵三", CHILD, "学前教育幼儿资助", "375")))
    assert result.discrepancies == []
    assert result.rows == {"roster": 3}


def test_id_format_checksum_and_date() -> None:
    bad_check = PUPIL[:17] + ("0" if PUPIL[17] != "0" else "1")
    result = run(roster(row("甲", "61050320120510"), row("乙", bad_check), row("丙", person("20130230", "011")),
                        row("丁", PUPIL.lower())))
    found = {d["code"]: d for d in result.discrepancies if d["code"].startswith("ID_")}
    assert set(found) == {"ID_FORMAT", "ID_CHECKSUM", "ID_DATE"}
    assert found["ID_CHECKSUM"]["params"]["expected"] == PUPIL[17]
    assert found["ID_CHECKSUM"]["rows"] == {"roster": [3]}
    assert "MOD 11-2" in checks.rule_text("ID_CHECKSUM")


def test_age_outside_the_level_is_flagged_inside_is_not() -> None:
    adult = person("19900101", "051")
    result = run(roster(row("成人", adult), row("小学生", PUPIL)))
    ages = [d for d in result.discrepancies if d["code"] == "ID_AGE"]
    assert len(ages) == 1 and ages[0]["name"] == "成人" and ages[0]["params"]["age"] == 33
    assert checks.CHECKS["ID_AGE"].severity == checks.Severity.WARNING


def test_sex_against_the_id_number() -> None:
    headers = ["姓名", "性别", "身份证号", "资助项目", "发放金额"]
    male = person("20120510", "013")  # odd sequence digit: male
    result = run(roster(["甲", "女", male, "小学寄宿生生活补助", "500"], ["乙", "男", male.replace("013", "013"),
                                                                     "小学寄宿生生活补助", "500"],
                        headers=headers))
    assert codes(result).count("ID_SEX") == 1


def test_paid_twice_at_one_school_and_at_two_schools() -> None:
    same = run(roster(row("王一", PUPIL), row("王一", PUPIL)))
    assert "DUP_SCHOOL" in codes(same) and "DUP_CROSS" not in codes(same)
    (dup,) = [d for d in same.discrepancies if d["code"] == "DUP_SCHOOL"]
    assert dup["rows"] == {"roster": [2, 3]} and dup["params"]["n"] == 2
    cross = run(roster(row("王一", PUPIL), row("王一", PUPIL, school="2161030002", school_name="华州第二小学")))
    crossed = [d for d in cross.discrepancies if d["code"] == "DUP_CROSS"]
    assert len(crossed) == 2 and {d["school"] for d in crossed} == {"华州第一小学", "华州第二小学"}
    other_semester = run(roster(row("王一", PUPIL), row("王一", PUPIL, semester="2023秋")))
    assert "DUP_SCHOOL" not in codes(other_semester)
    assert other_semester.other_semester == {"roster": 1}


def test_one_person_in_two_levels_programmes() -> None:
    result = run(roster(row("王一", PUPIL), row("王一", PUPIL, "初中寄宿生生活补助", "625")))
    assert codes(result).count("DUP_EXCLUSIVE") == 1
    assert "DUP_EXCLUSIVE" not in codes(run(roster(row("王一", PUPIL), row("李二", JUNIOR, "初中寄宿生生活补助",
                                                                            "625"))))


def test_amount_against_the_standards_by_semester() -> None:
    result = run(roster(row("甲", JUNIOR, "初中寄宿生生活补助", "500"), row("乙", PUPIL, "小学寄宿生生活补助", "500")))
    (wrong,) = [d for d in result.discrepancies if d["code"] == "AMOUNT_STANDARD"]
    assert wrong["name"] == "甲" and wrong["params"]["allowed"] == [62500]
    assert "underpaid" in checks.describe("AMOUNT_STANDARD", wrong["params"])
    # From 2024春 the junior standard is 750: 625 is then underpaid, while 625 is right for primary.
    later = checks.run_checks(checks.CheckInputs(
        semester=Semester(2024, False), standards=StandardsTable.shipped(), today=Semester(2024, True).starts_on,
        roster=roster(row("甲", JUNIOR, "初中寄宿生生活补助", "625", semester="2024春"),
                      row("乙", PUPIL, "小学寄宿生生活补助", "625", semester="2024春"))))
    assert [d["name"] for d in later.discrepancies if d["code"] == "AMOUNT_STANDARD"] == ["甲"]


def test_a_named_tier_must_match_its_amount() -> None:
    headers = ["姓名", "身份证号", "资助项目", "档次", "发放金额"]
    result = run(roster(["甲", SENIOR, "普通高中国家助学金", "一档", "1000"],
                        ["乙", person("20061001", "033"), "普通高中国家助学金", "二档", "1000"],
                        ["丙", person("20061101", "035"), "普通高中国家助学金", "", "750"], headers=headers))
    wrong = [d for d in result.discrepancies if d["code"] == "AMOUNT_STANDARD"]
    assert [d["name"] for d in wrong] == ["甲"] and wrong[0]["params"]["expected"] == 125000


def test_no_standard_in_force() -> None:
    result = checks.run_checks(checks.CheckInputs(
        semester=Semester(2009, False), standards=StandardsTable.shipped(), today=Semester(2009, True).starts_on,
        roster=roster(row("甲", person("19960101", "011"), semester="2009春"))))
    assert "STANDARD_MISSING" in codes(result) and "AMOUNT_STANDARD" not in codes(result)


def test_roster_against_the_system_export() -> None:
    system = table(InputKind.SYSTEM, SYSTEM_HEADERS, [
        ["王一", PUPIL, "华州第一小学", "小学寄宿生生活补助", "500"],      # matches
        ["李二", JUNIOR, "华州第一小学", "初中寄宿生生活补助", "600"],     # amount differs
        ["赵三", CHILD, "华州第一小学", "小学寄宿生生活补助", "500"],      # programme differs
        ["钱四", SENIOR, "华州第一小学", "普通高中国家助学金", "1000"],    # not in the roster
    ])
    result = run(roster(row("王一", PUPIL), row("李二", JUNIOR, "初中寄宿生生活补助", "625"),
                        row("赵三", CHILD, "学前教育幼儿资助", "375"), row("孙五", person("20120601", "061"))),
                 system=system)
    found = {d["code"]: d for d in result.discrepancies if d["code"] in (
        "SYS_MISSING", "ROSTER_MISSING", "SYS_AMOUNT", "SYS_PROGRAMME")}
    assert found["SYS_MISSING"]["name"] == "孙五" and found["SYS_MISSING"]["rows"] == {"roster": [5]}
    assert found["ROSTER_MISSING"]["name"] == "钱四" and found["ROSTER_MISSING"]["rows"] == {"system": [5]}
    assert found["SYS_AMOUNT"]["params"] == {"programme": "初中寄宿生生活补助", "roster": 62500, "system": 60000}
    assert found["SYS_PROGRAMME"]["name"] == "赵三"
    assert sum(1 for c in codes(result) if c.startswith("SYS_") or c == "ROSTER_MISSING") == 4


def test_recipients_missing_from_the_enrolment_list_or_not_at_school() -> None:
    transferred, elsewhere = person("20120701", "071"), person("20120801", "081")
    enrolment = table(InputKind.ENROLMENT, ENROLMENT_HEADERS, [
        ["王一", PUPIL, "2161030001", "在籍"], ["转出生", transferred, "2161030001", "转出"],
        ["外校生", elsewhere, "2161039999", "在籍"],
    ])
    result = run(roster(row("王一", PUPIL), row("李二", person("20120901", "091")), row("转出生", transferred),
                        row("外校生", elsewhere)), enrolment=enrolment)
    not_enrolled = {d["name"]: d["params"] for d in result.discrepancies if d["code"] == "NOT_ENROLLED"}
    assert not_enrolled == {"李二": {}, "转出生": {"status": "转出"}}
    assert [d["name"] for d in result.discrepancies if d["code"] == "ENROL_SCHOOL"] == ["外校生"]


def test_a_g_student_number_matches_the_id_number() -> None:
    enrolment = table(InputKind.ENROLMENT, ["姓名", "全国学籍号"], [["王一", "G" + PUPIL]])
    assert "NOT_ENROLLED" not in codes(run(roster(row("王一", PUPIL)), enrolment=enrolment))


def test_special_groups_not_covered_or_below_the_top_tier() -> None:
    unpaid, low, top = person("20120301", "101"), person("20061201", "111"), person("20070101", "121")
    dibao = table(InputKind.SPECIAL, ["姓名", "身份证号码", "类别"],
                  [["未资助", unpaid, "低保"], ["低档", low, "低保"], ["高档", top, "低保"]], label="special1")
    assert dibao.group == SpecialGroup.DIBAO
    enrolment = table(InputKind.ENROLMENT, ENROLMENT_HEADERS, [
        ["未资助", unpaid, "2161030001", "在籍"], ["低档", low, "2161030001", "在籍"],
        ["高档", top, "2161030001", "在籍"], ["王一", PUPIL, "2161030001", "在籍"]])
    headers = ["姓名", "身份证号", "学校标识码", "资助项目", "档次", "发放金额"]
    result = run(roster(["低档", low, "2161030001", "普通高中国家助学金", "二档", "1000"],
                        ["高档", top, "2161030001", "普通高中国家助学金", "一档", "1250"],
                        ["王一", PUPIL, "2161030001", "小学寄宿生生活补助", "", "500"], headers=headers),
                 enrolment=enrolment, specials=[dibao])
    assert [d["name"] for d in result.discrepancies if d["code"] == "SPECIAL_UNCOVERED"] == ["未资助"]
    (tier,) = [d for d in result.discrepancies if d["code"] == "SPECIAL_TIER"]
    assert tier["name"] == "低档" and tier["params"]["top"] == 125000
    assert tier["rows"] == {"roster": [2], "special1": [3]}


def test_special_list_people_of_other_schools_are_out_of_scope() -> None:
    elsewhere = person("20120301", "131")
    special = table(InputKind.SPECIAL, ["姓名", "身份证号", "学校标识码"], [["外校", elsewhere, "2161030999"]],
                    label="special1", filename="孤儿名单.csv")
    assert special.group == SpecialGroup.ORPHAN
    result = run(roster(row("王一", PUPIL)), specials=[special])
    assert "SPECIAL_UNCOVERED" not in codes(result)


def test_headcount_and_total_against_the_reported_figures() -> None:
    reported = table(InputKind.REPORTED, ["学校标识码", "学校名称", "资助项目", "人数", "金额"], [
        ["2161030001", "华州第一小学", "小学寄宿生生活补助", "2", "1000"],
        ["2161030001", "华州第一小学", "初中寄宿生生活补助", "1", "625"],
        ["2161039999", "别的学校", "小学寄宿生生活补助", "9", "4500"],
    ])
    result = run(roster(row("王一", PUPIL), row("李二", person("20120601", "141")),
                        row("赵三", JUNIOR, "初中寄宿生生活补助", "500")), reported=reported)
    assert [(d["code"], d["params"]["programme"]) for d in result.discrepancies
            if d["code"].startswith("REPORTED")] == [("REPORTED_TOTAL", "初中寄宿生生活补助")]
    fewer = run(roster(row("王一", PUPIL)), reported=reported)
    assert {d["code"] for d in fewer.discrepancies if d["code"].startswith("REPORTED")} == {
        "REPORTED_COUNT", "REPORTED_TOTAL"}


def test_card_holder_and_shared_cards() -> None:
    headers = ["姓名", "身份证号", "资助项目", "发放金额", "持卡人", "银行卡号"]
    result = run(roster(["王一", PUPIL, "小学寄宿生生活补助", "500", "王一", "6217001"],
                        ["李二", person("20120601", "151"), "小学寄宿生生活补助", "500", "李大山", "6217002"],
                        ["赵三", person("20120701", "161"), "小学寄宿生生活补助", "500", "赵三", "6217002"],
                        headers=headers))
    assert [d["name"] for d in result.discrepancies if d["code"] == "CARD_HOLDER"] == ["李二"]
    (shared,) = [d for d in result.discrepancies if d["code"] == "CARD_SHARED"]
    assert shared["params"] == {"card": "6217002", "n": 2} and shared["rows"] == {"roster": [3, 4]}


def test_every_check_states_its_rule_in_both_languages(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        for code, check in checks.CHECKS.items():
            assert str(check.rule) and str(check.title), code
