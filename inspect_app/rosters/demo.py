"""The demo's rosters and funds: the source report's spring semester, reproduced from synthetic rosters.

- The city's roster of 99,773 students is generated (deterministically) and each school's totals
  are recorded as the semester's payments, so the funds page shows the report's figures:
  9838.45万元 allocated (中省 9085.15, 市级 753.30), 6446.5125万元 paid, 3391.9375万元 carried over.
- 华州区's rosters as the inspectors found them: the county's part of the roster with a few
  mistakes of the kinds the report describes, the national system's export (GBK CSV), the enrolment
  list and a 低保 list, checked as a second run whose discrepancies can be raised as findings on
  the visits of the campaign under way.
"""

from __future__ import annotations

import io
import typing as t
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..extensions import db
from ..funds import services as funds
from ..funds.programmes import FundLine
from ..funds.programmes import FundSource
from ..funds.programmes import Programme
from ..schools.models import County
from ..schools.models import School
from . import services
from . import synthetic
from .fields import InputKind
from .fields import SpecialGroup
from .ids import check_char

if t.TYPE_CHECKING:
    from ..auth.models import User
    from ..campaigns.models import Campaign
    from .models import ReconciliationRun

# 万元, as the report gives them.
ALLOCATIONS: list[tuple[FundLine, FundSource, str]] = [
    (FundLine.VOCATIONAL, FundSource.CENTRAL_PROVINCIAL, "319.15"),
    (FundLine.SENIOR, FundSource.CENTRAL_PROVINCIAL, "4446"),
    (FundLine.BOARDING, FundSource.CENTRAL_PROVINCIAL, "3084"),
    (FundLine.PRESCHOOL, FundSource.CENTRAL_PROVINCIAL, "1236"),
    (FundLine.VOCATIONAL, FundSource.CITY, "13.3"),
    (FundLine.SENIOR, FundSource.CITY, "10"),
    (FundLine.BOARDING, FundSource.CITY, "350"),
    (FundLine.PRESCHOOL, FundSource.CITY, "380"),
]
INSPECTED_COUNTY = "华州区"


def school_infos() -> list[synthetic.SchoolInfo]:
    rows = db.session.execute(
        sa.select(School.code, School.name, County.code, School.level).join(County, County.id == School.county_id)
        .where(School.active.is_(True)).order_by(School.code))
    return [synthetic.SchoolInfo(code, name, county_code or "610500", level.value)
            for code, name, county_code, level in rows]


def city_roster() -> pd.DataFrame:
    return synthetic.city_roster(school_infos())


def _csv(frame: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    return frame.to_csv(index=False).encode(encoding)


_PACKAGE = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="styles.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/></Relationships>'),
    # Two cell formats: the default, and bold for the title.
    "xl/styles.xml": (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _column_name(index: int) -> str:
    name, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _xlsx(frame: pd.DataFrame, title: str | None = None) -> bytes:
    """A workbook as schools send them: a merged title row above the headers when ``title`` is given.

    Whole numbers are number cells, other values text; empty values are left out. The sheet is
    written as XML directly (text in the cells, one bold format for the title): the county's
    roster of some 8,700 rows takes a quarter of the time xlsxwriter needed for it.
    """
    columns = [_column_name(c) for c in range(len(frame.columns))]

    def row(number: int, values: t.Iterable[t.Any], style: str = "") -> str:
        cells = []
        for column, value in zip(columns, values, strict=False):
            ref = f"{column}{number}"
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"{style}><v>{int(value)}</v></c>')
            elif value is not None and value != "":
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'

    rows = [row(1, [title], ' s="1"')] if title else []
    top = len(rows)
    rows.append(row(top + 1, frame.columns))
    data = zip(*(frame[name].tolist() for name in frame.columns), strict=True)
    rows.extend(row(number, values) for number, values in enumerate(data, start=top + 2))
    merged = f'<mergeCells count="1"><mergeCell ref="A1:{columns[-1]}1"/></mergeCells>' if title else ""
    sheet = (f'{_XML}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(rows)}</sheetData>{merged}</worksheet>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, part in _PACKAGE.items():
            package.writestr(name, _XML + part)
        package.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def inspected_files(roster: pd.DataFrame) -> list[services.Upload]:
    """华州区's files with the mistakes an inspection finds (each one named below)."""
    rng = np.random.default_rng(7)
    county_code = db.session.scalar(sa.select(County.code).where(County.name == INSPECTED_COUNTY))
    clean = roster[roster["身份证号"].str[:6] == county_code].reset_index(drop=True)
    found = clean.copy()
    kindergartens = sorted(found.loc[found["资助项目"] == Programme.PRESCHOOL.zh, "学校标识码"].unique())
    by_school = {code: found.index[found["学校标识码"] == code].tolist() for code in found["学校标识码"].unique()}
    k0, k3 = (by_school[code] for code in kindergartens[:2])
    junior = found.index[found["资助项目"] == Programme.JUNIOR_BOARDING.zh].tolist()
    primary = found.index[found["资助项目"] == Programme.PRIMARY_BOARDING.zh].tolist()
    senior = found.index[(found["资助项目"] == Programme.SENIOR.zh) & (found["档次"] == "一档")].tolist()
    # A typing error in an ID number (check digit wrong), and numbers typed in full-width or with a small x.
    number = found.at[k0[3], "身份证号"]
    found.at[k0[3], "身份证号"] = number[:17] + ("0" if number[17] != "0" else "1")
    found.at[k0[4], "身份证号"] = found.at[k0[4], "身份证号"].translate(
        {ord(str(d)): chr(0xFF10 + d) for d in range(10)})
    # The same child paid twice by the kindergarten; a pupil paid at two schools.
    extra = [found.loc[k0[10]].copy()]
    moved = found.loc[primary[20]].copy()
    other_primary = found.loc[primary[-1], ["学校标识码", "学校名称"]]
    moved["学校标识码"], moved["学校名称"] = other_primary["学校标识码"], other_primary["学校名称"]
    extra.append(moved)
    # Underpaid: a kindergarten child at 300 instead of 375, a junior boarder at the primary rate.
    found.at[k3[5], "发放金额（元）"] = 300
    found.at[junior[7], "发放金额（元）"] = 500
    # A primary boarder whose ID number says nineteen years old.
    number = found.at[primary[33], "身份证号"]
    body = number[:6] + "2004" + number[10:17]
    found.at[primary[33], "身份证号"] = body + check_char(body)
    # A card in someone else's name.
    found.at[junior[12], "持卡人"] = "张建国"
    found = pd.concat([found, pd.DataFrame(extra)], ignore_index=True)
    found["序号"] = np.arange(1, len(found) + 1)

    # The national system: two recipients never entered, one entered who was not paid, one amount and one
    # programme entered wrongly.
    system = synthetic.system_export(clean)
    system = system.drop(index=[k0[20], junior[30]]).reset_index(drop=True)
    ghost = synthetic.system_export(clean.loc[[primary[40]]]).copy()
    ghost_body = ghost.iloc[0]["身份证件号"][:14] + "777"
    ghost["身份证件号"], ghost["学生姓名"] = ghost_body + check_char(ghost_body), "赵思远"
    system = pd.concat([system, ghost], ignore_index=True)
    system.loc[system["身份证件号"] == clean.at[k3[8], "身份证号"], "资助金额"] = 750
    system.loc[system["身份证件号"] == clean.at[primary[50], "身份证号"], "项目名称"] = Programme.JUNIOR_BOARDING.zh

    # The enrolment list: two recipients missing, one transferred out, one enrolled at another school.
    enrolment = synthetic.enrolment_list(clean, 40, rng, [s for s in school_infos() if s.county_code == county_code])
    enrolment = enrolment[~enrolment["身份证件号"].isin([clean.at[k0[30], "身份证号"],
                                                       clean.at[junior[60], "身份证号"]])].reset_index(drop=True)
    enrolment.loc[enrolment["身份证件号"] == clean.at[primary[70], "身份证号"], "学籍状态"] = "转出"
    switched = enrolment["身份证件号"] == clean.at[junior[80], "身份证号"]
    enrolment.loc[switched, "学校名称"] = "华州区某某中学"
    enrolment.loc[switched, "学校标识码"] = "2199999999"

    # The 低保 list of the county's civil-affairs office: thirty recipients, one of them below the top tier,
    # and two enrolled students who receive nothing.
    chosen = clean.loc[[*k0[40:50], *junior[100:110], *senior[:9]]]
    tier_two = clean.index[(clean["资助项目"] == Programme.SENIOR.zh) & (clean["档次"] == "二档")][0]
    chosen = pd.concat([chosen, clean.loc[[tier_two]]])
    unpaid = enrolment[~enrolment["身份证件号"].isin(set(clean["身份证号"]))].head(2)
    dibao = pd.DataFrame({
        "姓名": list(chosen["姓名"]) + list(unpaid["姓名"]),
        "身份证号码": list(chosen["身份证号"]) + list(unpaid["身份证件号"]),
        "户主姓名": ["户主"] * (len(chosen) + len(unpaid)),
        "类别": "城乡低保",
    })
    return [
        services.Upload(InputKind.ROSTER, "华州区2023年春季学期资助发放花名册.xlsx",
                        _xlsx(found, "华州区2023年春季学期学生资助资金发放花名册")),
        services.Upload(InputKind.SYSTEM, "全国学生资助管理信息系统导出.csv", _csv(system, "gbk")),
        services.Upload(InputKind.ENROLMENT, "学籍名单.csv", _csv(enrolment)),
        services.Upload(InputKind.SPECIAL, "华州区低保名单.csv", _csv(dibao), SpecialGroup.DIBAO),
    ]


def load(*, city: User, county_supervisor: User, campaign: Campaign | None) -> ReconciliationRun:
    """Standards, the report's allocations, the city's payments from its roster, and the 华州区 check."""
    funds.install_shipped_standards(actor=None)
    semester = synthetic.REPORT_SEMESTER
    for line, source, wan in ALLOCATIONS:
        funds.add_allocation(semester=semester, fund_line=line, source=source, amount=Decimal(wan) * 10000,
                             document="渭财教〔2023〕12号" if source == FundSource.CITY else "陕财办教〔2023〕8号",
                             actor=city)
    roster = city_roster()
    record_payments(roster, actor=city)
    county = db.session.scalar(sa.select(County).where(County.name == INSPECTED_COUNTY))
    inspected = services.create_run(semester=semester, actor=county_supervisor, county=county, campaign=campaign,
                                    title="华州区2023年春季学期资助花名册精准比对",
                                    uploads=inspected_files(roster))
    services.execute_run(inspected)
    return inspected


def record_payments(roster: pd.DataFrame, *, actor: User) -> int:
    """Record each school's headcount and sum per programme in the roster as the semester's payments."""
    schools = {s.code: s for s in db.session.scalars(sa.select(School))}
    grouped = roster.groupby(["学校标识码", "资助项目"], sort=True)["发放金额（元）"].agg(["size", "sum"])
    by_name = {p.zh: p for p in Programme}
    lines = [funds.PaymentLine(schools[code], by_name[name], int(size), Decimal(int(total)))
             for (code, name), (size, total) in grouped.iterrows()]
    return funds.record_payments(synthetic.REPORT_SEMESTER, lines, source="渭南市2023年春季学期资助发放花名册",
                                 actor=actor)


def write_city_files(folder: Path) -> list[Path]:
    """The city's roster, system export, enrolment list and a 脱贫 list, at full size, to try the check."""
    if not school_infos():
        raise SystemExit("No schools: run `inspect-app demo --no-serve` first.")
    roster = city_roster()
    rng = np.random.default_rng(11)
    files = {
        "渭南市2023年春季学期资助发放花名册.xlsx": _xlsx(roster, "渭南市2023年春季学期学生资助资金发放花名册"),
        "全国学生资助管理信息系统导出.csv": _csv(synthetic.system_export(roster), "gbk"),
        "学籍名单.csv": _csv(synthetic.enrolment_list(roster, 2000, rng, school_infos())),
        "脱贫家庭学生名单.csv": _csv(pd.DataFrame({
            "姓名": roster["姓名"].iloc[::3], "身份证号": roster["身份证号"].iloc[::3], "类别": "脱贫家庭"})),
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
