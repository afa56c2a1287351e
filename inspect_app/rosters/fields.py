"""What the input files hold: their kinds, the fields read from them and the headers they go by."""

from __future__ import annotations

import re
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from ..funds.programmes import fold


class InputKind(StrEnum):
    ROSTER = "roster"
    SYSTEM = "system"
    ENROLMENT = "enrolment"
    SPECIAL = "special"
    REPORTED = "reported"

    @property
    def label(self) -> str:
        return str(INPUT_LABELS[self])

    @property
    def zh(self) -> str:
        return INPUT_ZH[self]


INPUT_LABELS = {
    InputKind.ROSTER: _l("Disbursement roster"),
    InputKind.SYSTEM: _l("National system export"),
    InputKind.ENROLMENT: _l("Enrolment list"),
    InputKind.SPECIAL: _l("Special-group list"),
    InputKind.REPORTED: _l("Figures the school reported"),
}
INPUT_ZH = {
    InputKind.ROSTER: "发放花名册",
    InputKind.SYSTEM: "全国资助系统导出",
    InputKind.ENROLMENT: "学籍名单",
    InputKind.SPECIAL: "特殊群体名单",
    InputKind.REPORTED: "学校上报数",
}


class SpecialGroup(StrEnum):
    """Groups that must be covered, at the top tier (funding-and-ids.md §3, problem 6)."""

    POVERTY = "poverty"
    DIBAO = "dibao"
    TEKUN = "tekun"
    ORPHAN = "orphan"
    DISABLED = "disabled"
    OTHER = "other"

    @property
    def zh(self) -> str:
        return GROUP_ZH[self]

    @property
    def label(self) -> str:
        return str(GROUP_LABELS[self])


GROUP_ZH = {
    SpecialGroup.POVERTY: "脱贫家庭（原建档立卡）",
    SpecialGroup.DIBAO: "低保",
    SpecialGroup.TEKUN: "特困供养",
    SpecialGroup.ORPHAN: "孤儿",
    SpecialGroup.DISABLED: "残疾",
    SpecialGroup.OTHER: "特殊群体",
}
GROUP_LABELS = {
    SpecialGroup.POVERTY: _l("Formerly registered poor households"),
    SpecialGroup.DIBAO: _l("Minimum living allowance (dibao)"),
    SpecialGroup.TEKUN: _l("Destitute persons in state care"),
    SpecialGroup.ORPHAN: _l("Orphans"),
    SpecialGroup.DISABLED: _l("Disabled"),
    SpecialGroup.OTHER: _l("Special group"),
}
_GROUP_WORDS: list[tuple[tuple[str, ...], SpecialGroup]] = [
    (("建档立卡", "脱贫", "贫困户", "监测户", "防返贫"), SpecialGroup.POVERTY),
    (("低保", "最低生活保障"), SpecialGroup.DIBAO),
    (("特困", "供养"), SpecialGroup.TEKUN),
    (("孤儿", "事实无人抚养"), SpecialGroup.ORPHAN),
    (("残疾",), SpecialGroup.DISABLED),
]


def input_label(label: str) -> str:
    """The name of an input in results ("roster", "special2" …), in the current language."""
    for kind in InputKind:
        if label == kind.value:
            return kind.label
    if label.startswith("special"):
        return f"{InputKind.SPECIAL.label}{label.removeprefix('special')}"
    return label


def parse_group(text: str) -> SpecialGroup | None:
    """Recognise a special group from a cell, a sheet or a file name."""
    value = fold(text)
    for member in SpecialGroup:
        if value == member.value:
            return member
    for words, group in _GROUP_WORDS:
        if any(w in value for w in words):
            return group
    return None


# Field key -> (label, headers it goes by). Headers are compared folded (no blanks, half-width,
# a unit such as “（元）” and a required-field star dropped).
FIELD_LABELS = {
    "name": _l("Name"),
    "id_number": _l("ID number"),
    "student_no": _l("Student number"),
    "school": _l("School"),
    "school_code": _l("School code"),
    "level": _l("Level"),
    "grade": _l("Grade"),
    "programme": _l("Programme"),
    "semester": _l("Semester"),
    "amount": _l("Amount (yuan)"),
    "tier": _l("Tier"),
    "card_holder": _l("Card holder"),
    "card_no": _l("Card number"),
    "sex": _l("Sex"),
    "status": _l("Enrolment status"),
    "group": _l("Group"),
    "headcount": _l("Headcount"),
    "guardian_phone": _l("Guardian's phone"),
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "学生姓名", "受助学生姓名", "受助人姓名", "幼儿姓名", "学生名称", "受助学生"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "身份证件号", "身份证件号码", "证件号码", "证件号",
                  "学生身份证号", "学生身份证号码", "幼儿身份证号", "身份证"),
    "student_no": ("学籍号", "全国学籍号", "学籍辅号", "国家学籍号", "学生学籍号", "学籍编号"),
    "school": ("学校", "学校名称", "学校(单位)名称", "所在学校", "就读学校", "单位名称", "学校全称", "幼儿园名称",
               "幼儿园", "就读学校名称"),
    "school_code": ("学校标识码", "学校代码", "学校编码", "学校识别码"),
    "level": ("学段", "教育阶段", "学段名称", "就读学段"),
    "grade": ("年级", "就读年级"),
    "programme": ("资助项目", "项目", "项目名称", "资助项目名称", "资助类型", "补助项目", "资助项目类别"),
    "semester": ("学期", "发放学期", "资助学期", "学年学期", "所属学期"),
    "amount": ("金额", "发放金额", "资助金额", "补助金额", "实发金额", "本学期发放金额", "发放金额元", "资助金额元",
               "应发金额", "总金额"),
    "tier": ("档次", "资助档次", "资助等级", "等级", "困难等级", "困难程度", "认定等级"),
    "card_holder": ("持卡人", "持卡人姓名", "银行卡户名", "户名", "账户名", "账户名称", "开户人", "开户人姓名",
                    "收款人", "收款人姓名"),
    "card_no": ("银行卡号", "卡号", "账号", "银行账号", "社保卡号", "资助卡号", "惠民惠农一卡通账号"),
    "sex": ("性别",),
    "status": ("学籍状态", "在校状态", "状态", "在读状态"),
    "group": ("类别", "群体", "特殊群体", "困难类型", "人员类别", "困难群体类别", "特殊群体类别", "家庭困难类型"),
    "headcount": ("人数", "受助人数", "资助人数", "发放人数"),
    # Read only for the telephone interviews of a survey round (surveys/interviews.py).
    "guardian_phone": ("监护人电话", "监护人联系电话", "监护人手机", "监护人手机号", "监护人手机号码", "家长电话",
                       "家长联系电话", "家长手机", "家长手机号", "家长手机号码", "联系电话", "联系方式", "手机号",
                       "手机号码"),
}
# The fields each kind of file may carry, and the ones it must.
KIND_FIELDS: dict[InputKind, tuple[str, ...]] = {
    InputKind.ROSTER: ("name", "id_number", "student_no", "school", "school_code", "level", "grade", "programme",
                       "semester", "amount", "tier", "card_holder", "card_no", "sex", "guardian_phone"),
    # A national-system export may name the boarding subsidy generically (义务教育寄宿生生活补助): its
    # 学段 column tells primary from junior, as it does in a disbursement roster.
    InputKind.SYSTEM: ("name", "id_number", "student_no", "school", "school_code", "level", "programme",
                       "semester", "amount", "tier"),
    InputKind.ENROLMENT: ("name", "id_number", "student_no", "school", "school_code", "level", "grade", "status",
                          "sex", "guardian_phone"),
    InputKind.SPECIAL: ("name", "id_number", "student_no", "school", "school_code", "group"),
    InputKind.REPORTED: ("school", "school_code", "programme", "semester", "headcount", "amount"),
}
# Each entry is one requirement; a tuple means any one of its fields will do.
KIND_REQUIRED: dict[InputKind, tuple[tuple[str, ...], ...]] = {
    InputKind.ROSTER: (("id_number", "student_no"), ("name",), ("programme",), ("amount",)),
    InputKind.SYSTEM: (("id_number", "student_no"), ("programme",), ("amount",)),
    InputKind.ENROLMENT: (("id_number", "student_no"),),
    InputKind.SPECIAL: (("id_number", "student_no"),),
    InputKind.REPORTED: (("school", "school_code"), ("programme",), ("headcount",), ("amount",)),
}

_UNIT = re.compile(r"[(（\[【](?:元|人|万元|单位[:：]?元)[)）\]】]$")


def fold_header(header: object) -> str:
    """A header as compared: half-width, no blanks, no unit suffix, no required-field star."""
    text = fold(str(header or "")).strip("*＊:：")
    return _UNIT.sub("", text)


_LOOKUP: dict[str, str] = {}
for _field, _names in SYNONYMS.items():
    for _name in (_field, *_names):
        _LOOKUP[fold_header(_name)] = _field


def guess_field(header: object, kind: InputKind, remembered: dict[str, str] | None = None) -> str | None:
    """The field a header stands for in a file of ``kind``: a remembered choice first, then the synonyms."""
    key = fold_header(header)
    if not key:
        return None
    if remembered and key in remembered:
        chosen = remembered[key]
        return chosen if chosen in KIND_FIELDS[kind] or chosen == "" else None
    known = _LOOKUP.get(key)
    return known if known in KIND_FIELDS[kind] else None


def missing_fields(kind: InputKind, fields: set[str]) -> list[tuple[str, ...]]:
    """The requirements of ``kind`` that ``fields`` do not meet."""
    return [need for need in KIND_REQUIRED[kind] if not any(f in fields for f in need)]
