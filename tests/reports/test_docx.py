"""The 督导检查情况报告 .docx: GB/T 9704 layout read back from its XML, every figure from the data."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from lxml import etree

from inspect_app.checklists.models import Severity
from inspect_app.core import documents
from inspect_app.core.documents import build_base_template
from inspect_app.reports.checks import check_template
from inspect_app.reports.collect import InvestigationData
from inspect_app.reports.collect import ProblemRow
from inspect_app.reports.collect import SchoolProblems
from inspect_app.reports.collect import ScoreRow
from inspect_app.reports.collect import SectionCount
from inspect_app.reports.docx import render_investigation
from inspect_app.reports.template_kinds import FILENAMES
from inspect_app.reports.template_kinds import build_template
from inspect_app.reports.wording import report_title

TEMPLATE = Path(__file__).resolve().parents[2] / "report_templates" / "investigation.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
DATE_RE = re.compile(r"^\d{4}年([1-9]|1[0-2])月([1-9]|[12]\d|3[01])日$")

COUNTIES = [
    "临渭区", "华州区", "潼关县", "大荔县", "合阳县", "澄城县",
    "蒲城县", "白水县", "富平县", "韩城市", "华阴市",
]
LEVELS = ["学前", "小学", "初中", "高中", "中职"]
SECTIONS = {
    "资助政策宣传": ["校园资助政策宣传栏内容未及时更新，仍为上学年政策", "未向新生发放资助政策简介"],
    "家庭经济困难学生认定": ["认定材料中缺少班级评议小组评议记录", "个别认定对象家庭经济情况未动态调整"],
    "资助资金发放": ["国家助学金未在规定时限内发放到位", "发放记录缺少学生或监护人签字确认"],
    "资助档案管理": ["资助档案未按学年分类归档，部分材料缺失", "受助学生名单公示材料未留存"],
}
SEVERITIES = [Severity.GENERAL, Severity.GENERAL, Severity.MAJOR, Severity.SEVERE]
STATUSES = ["已销号", "整改中", "未整改", "已整改待复核", "部分整改"]


def _split(total: int, parts: int) -> list[int]:
    """Split a total into near-equal parts, larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


def make_data(
    n_schools: int = 108,
    n_findings: int = 25,
    n_counties: int = 11,
    n_problem_schools: int = 12,
    org_name: str = "渭南市学生资助管理中心",
) -> InvestigationData:
    """A campaign with the given scope and findings, its aggregates computed the way collect.py does."""
    report_date = date(2026, 11, 27)
    counties = COUNTIES[:n_counties]
    by_county = list(zip(counties, _split(n_schools, n_counties), strict=True))
    by_level = [(level, n) for level, n in zip(LEVELS, _split(n_schools, len(LEVELS)), strict=True) if n]
    sections = list(SECTIONS)
    schools: list[SchoolProblems] = []
    n_problem_schools = min(n_problem_schools, n_findings)
    for i, per_school in enumerate(_split(n_findings, n_problem_schools) if n_findings else []):
        county = counties[i % n_counties]
        school = SchoolProblems(school=f"{county}第{i + 1}中心小学", county=county, level="小学", problems=[])
        for _ in range(per_school):
            k = sum(len(s.problems) for s in schools) + len(school.problems)
            section = sections[k % len(sections)]
            status = STATUSES[k % len(STATUSES)]
            overdue = status == "未整改" and k % 2 == 0
            school.problems.append(ProblemRow(
                reference=f"F-{k + 1:04d}",
                section=section,
                item="",
                description=SECTIONS[section][k % 2] + "。",
                severity=SEVERITIES[k % len(SEVERITIES)],
                due_on=date(2026, 12, 31) if k % 7 else None,
                status="逾期" if overdue else status,
                overdue=overdue,
            ))
        schools.append(school)
    problems = [(s, p) for s in schools for p in s.problems]
    section_counts = [
        SectionCount(
            section=name,
            count=sum(p.section == name for _s, p in problems),
            schools=len({s.school for s, p in problems if p.section == name}),
            examples=[f"{s.school}{p.description.split('，')[0]}" for s, p in problems if p.section == name][
                :2
            ],
        )
        for name in sections
        if any(p.section == name for _s, p in problems)
    ]
    status_counts = {label: sum(p.status == label for _s, p in problems) for label in [*STATUSES, "逾期"]}
    closed = status_counts["已销号"]
    return InvestigationData(
        org_name=org_name,
        recipient="陕西省学生资助管理中心",
        city_name="渭南市",
        campaign_name="2026年秋季学期学生资助工作交叉检查",
        campaign_code="2026-QJ",
        term="2026-2027学年第一学期",
        checklist_title="渭南市学生资助工作督导检查清单（2026年版）",
        starts_on=date(2026, 10, 8),
        ends_on=date(2026, 10, 31),
        report_date=report_date,
        default_due_on=date(2026, 12, 31),
        n_schools=n_schools,
        n_visits_done=n_schools - 3,
        n_inspected=n_schools,
        n_counties=n_counties,
        n_inspectors=36,
        schools_by_county=by_county,
        schools_by_level=by_level,
        methods=["听取汇报", "查阅资料", "实地查看", "核对数据", "座谈"],
        n_findings=len(problems),
        n_schools_with_findings=len(schools),
        findings_by_section=section_counts,
        findings_by_severity=[
            (severity, sum(p.severity == severity for _s, p in problems))
            for severity in (Severity.SEVERE, Severity.MAJOR, Severity.GENERAL)
            if any(p.severity == severity for _s, p in problems)
        ],
        rectification_by_status=[(label, n) for label, n in status_counts.items() if n],
        n_closed=closed,
        n_open=len(problems) - closed,
        n_overdue=sum(p.overdue for _s, p in problems),
        schools=schools,
        scores=[
            ScoreRow(county=county, school=f"{county}学校{chr(0x4e00 + i)}", level="小学",
                     score=None if i >= n_schools - 3 else Decimal(100) - (i % 7) * Decimal("2.5"),
                     problems=0, veto=i == 5)
            for i, (county, _n) in enumerate((c, n) for c, n in by_county for _ in range(n))
        ],
        max_score=Decimal(100),
        sections_without_findings=["资助育人"],
    )


class Rendered:
    """A rendered report: the zip parts parsed, the python-docx document and its plain text."""

    def __init__(self, data: InvestigationData, template: Path = TEMPLATE) -> None:
        self.data = data
        self.blob = render_investigation(data, template).getvalue()
        self.zip = zipfile.ZipFile(io.BytesIO(self.blob))
        self.doc = docx.Document(io.BytesIO(self.blob))
        self.xml = self.part("word/document.xml")
        self.paragraphs = [p for p in self.xml.iter(f"{W}p")]
        self.text = "".join(t.text or "" for t in self.xml.iter(f"{W}t"))

    def part(self, name: str) -> etree._Element:
        """A part of the package, parsed."""
        return etree.fromstring(self.zip.read(name))

    def footers(self) -> dict[str, etree._Element]:
        """The footer parts by reference type (default, even)."""
        rels = self.part("word/_rels/document.xml.rels")
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        sect = self.xml.find(f"{W}body/{W}sectPr")
        return {
            ref.get(f"{W}type"): self.part("word/" + targets[ref.get(f"{R}id")])
            for ref in sect.findall(f"{W}footerReference")
        }


def ptext(p: etree._Element) -> str:
    """The text of a paragraph element."""
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def first_run_font(p: etree._Element) -> tuple[str | None, str | None, str | None]:
    """eastAsia font, ascii font and size of a paragraph's first text run."""
    run = next(r for r in p.iter(f"{W}r") if r.find(f"{W}t") is not None)
    fonts = run.find(f"{W}rPr/{W}rFonts")
    size = run.find(f"{W}rPr/{W}sz")
    return fonts.get(f"{W}eastAsia"), fonts.get(f"{W}ascii"), size.get(f"{W}val")


def wattr(el: etree._Element | None, name: str) -> str | None:
    """A w: attribute of an element that may be missing."""
    return None if el is None else el.get(f"{W}{name}")


def near(value: str | None, want: int, tolerance: int = 2) -> bool:
    """A twips value within a tolerance."""
    return value is not None and abs(int(value) - want) <= tolerance


@pytest.fixture(scope="module")
def report() -> Rendered:
    return Rendered(make_data())


def test_page_is_a4_with_gbt9704_margins_and_line_grid(report: Rendered) -> None:
    sect = report.xml.find(f"{W}body/{W}sectPr")
    size, margins, grid = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar"), sect.find(f"{W}docGrid")
    assert near(wattr(size, "w"), 11906)
    assert near(wattr(size, "h"), 16838)
    assert wattr(size, "orient") in (None, "portrait")
    assert near(wattr(margins, "top"), 2098)
    assert near(wattr(margins, "bottom"), 1984)
    assert near(wattr(margins, "left"), 1587)
    assert near(wattr(margins, "right"), 1474)
    assert near(wattr(margins, "footer"), 1417)
    assert wattr(grid, "type") == "lines"
    assert wattr(grid, "linePitch") == "579"
    settings = report.part("word/settings.xml")
    even_odd = settings.find(f"{W}evenAndOddHeaders")
    assert even_odd is not None
    assert wattr(even_odd, "val") not in ("0", "false")


def test_odd_and_even_footers_carry_the_page_number_between_dashes(report: Rendered) -> None:
    footers = report.footers()
    assert set(footers) >= {"default", "even"}
    for kind, footer in footers.items():
        instr = "".join(i.text for i in footer.iter(f"{W}instrText"))
        assert re.search(r"\bPAGE\b", instr)
        assert [f.get(f"{W}fldCharType") for f in footer.iter(f"{W}fldChar")] == ["begin", "separate", "end"]
        p = footer.find(f"{W}p")
        assert re.fullmatch(r"— \d+ —", ptext(p))
        for run in p.iter(f"{W}r"):
            assert run.find(f"{W}rPr/{W}sz").get(f"{W}val") == "28"
            fonts = run.find(f"{W}rPr/{W}rFonts")
            assert fonts.get(f"{W}eastAsia") == fonts.get(f"{W}ascii") == "宋体"
        jc, ind = p.find(f"{W}pPr/{W}jc"), p.find(f"{W}pPr/{W}ind")
        if kind == "default":
            assert wattr(jc, "val") == "right"
            assert int(wattr(ind, "right")) > 0
        else:
            assert wattr(jc, "val") == "left"
            assert int(wattr(ind, "left")) > 0


def test_default_fonts_are_fangsong_and_times_without_theme_fonts(report: Rendered) -> None:
    styles = report.part("word/styles.xml")
    rpr = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = rpr.find(f"{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == "Times New Roman"
    assert rpr.find(f"{W}sz").get(f"{W}val") == "32"
    assert rpr.find(f"{W}lang").get(f"{W}eastAsia") == "zh-CN"
    normal = styles.find(f"{W}style[@{W}styleId='Normal']/{W}rPr/{W}rFonts")
    assert normal.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert normal.get(f"{W}ascii") == "Times New Roman"
    for name in report.zip.namelist():
        if name.startswith("word/") and name.endswith(".xml"):
            assert not re.search(r'w:\w+[Tt]heme="', report.zip.read(name).decode("utf8")), name


def test_every_text_run_names_its_east_asian_and_latin_fonts(report: Rendered) -> None:
    runs = [r for r in report.xml.iter(f"{W}r") if r.find(f"{W}t") is not None]
    assert runs
    for run in runs:
        fonts = run.find(f"{W}rPr/{W}rFonts")
        assert fonts is not None, ptext(run)
        assert fonts.get(f"{W}eastAsia"), ptext(run)
        assert fonts.get(f"{W}ascii"), ptext(run)


def test_title_is_centred_xiaobiaosong_2hao(report: Rendered) -> None:
    title = report.paragraphs[0]
    assert ptext(title) == "关于2026年秋季学期学生资助工作交叉检查情况的报告"
    assert title.find(f"{W}pPr/{W}jc").get(f"{W}val") == "center"
    assert first_run_font(title) == ("方正小标宋简体", "Times New Roman", "44")
    assert ptext(report.paragraphs[2]) == "陕西省学生资助管理中心："


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("2026年秋季学期学生资助工作交叉检查", "关于2026年秋季学期学生资助工作交叉检查情况的报告"),
        ("2026年资助工作落实情况", "关于2026年资助工作落实情况的报告"),
    ],
)
def test_report_title_does_not_double_qingkuang(name: str, title: str) -> None:
    assert report_title(name) == title


def test_headings_use_heiti_and_kaiti_at_3hao(report: Rendered) -> None:
    level1 = [p for p in report.paragraphs if re.match(r"^[一二三四五六七八九十]+、", ptext(p))]
    level2 = [p for p in report.paragraphs if re.match(r"^（[一二三四五六七八九十]+）", ptext(p))]
    assert [ptext(p) for p in level1] == [
        "一、检查基本情况", "二、总体评价", "三、存在的主要问题", "四、有关数据情况", "五、整改要求", "六、下一步工作",
    ]
    # 数据情况: 问题分布, 整改进展, 两率一度.
    assert len(level2) == 3 + len(report.data.findings_by_section) + 3 + 4
    for p in level1:
        assert first_run_font(p) == ("黑体", "Times New Roman", "32")
    for p in level2:
        assert first_run_font(p) == ("楷体_GB2312", "Times New Roman", "32")


def test_body_paragraphs_have_exact_spacing_and_two_character_indent(report: Rendered) -> None:
    opening = next(p for p in report.paragraphs if ptext(p).endswith("现将有关情况报告如下："))
    spacing, ind = opening.find(f"{W}pPr/{W}spacing"), opening.find(f"{W}pPr/{W}ind")
    assert (wattr(spacing, "line"), wattr(spacing, "lineRule")) == ("579", "exact")
    assert wattr(ind, "firstLine") == "640"
    assert first_run_font(opening) == ("仿宋_GB2312", "Times New Roman", "32")


def test_only_black_text(report: Rendered) -> None:
    for name in report.zip.namelist():
        if name.startswith("word/") and name.endswith(".xml"):
            for color in report.part(name).iter(f"{W}color"):
                assert color.get(f"{W}val") in ("auto", "000000"), name
    assert "FF0000" not in report.zip.read("word/document.xml").decode("utf8")


def test_signature_and_unpadded_date(report: Rendered) -> None:
    texts = [ptext(p) for p in report.paragraphs]
    index = texts.index("2026年11月27日")
    assert texts[index - 1] == "渭南市学生资助管理中心"
    dated = report.paragraphs[index]
    assert DATE_RE.match(ptext(dated))
    assert dated.find(f"{W}pPr/{W}jc").get(f"{W}val") == "right"
    assert dated.find(f"{W}pPr/{W}ind").get(f"{W}right") == "1280"
    assert not re.search(r"年0\d|月0\d", report.text)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 1, 5), "2026年1月5日"),
        (date(2026, 11, 27), "2026年11月27日"),
        (date(2027, 10, 1), "2027年10月1日"),
    ],
)
def test_zh_date(day: date, text: str) -> None:
    assert documents.zh_date(day) == text
    assert DATE_RE.match(text)


def test_attachment_note_names_both_attachments_without_punctuation(report: Rendered) -> None:
    texts = [ptext(p) for p in report.paragraphs]
    index = texts.index("附件：1.各校评分表")
    assert texts[index + 1 : index + 3] == ["2.各校问题清单", "3.检查学校分布情况"]
    assert "4.检查发现问题照片" not in texts
    for p in report.paragraphs[index : index + 3]:
        assert not re.search(r"[。，；.]$", ptext(p))
        ind = p.find(f"{W}pPr/{W}ind")
        start = int(ind.get(f"{W}left")) - int(ind.get(f"{W}hanging"))
        assert start == (640 if p is report.paragraphs[index] else 640 + documents.char_twips("附件："))


def test_figures_come_from_the_data(report: Rendered) -> None:
    data = report.data
    figures = (
        "108所", "25个", "11个县（市、区）", "36名", f"涉及{data.n_schools_with_findings}所",
        f"已整改销号{data.n_closed}个", f"未销号{data.n_open}个", f"逾期未完成整改{data.n_overdue}个",
        "临渭区10所", "学前22所", "2026年12月31日前", "2026年10月8日至10月31日",
        "听取汇报、查阅资料、实地查看、核对数据、座谈等方式",
    )
    for figure in figures:
        assert figure in report.text, figure
    other = Rendered(make_data(n_schools=57, n_findings=9, n_counties=4, n_problem_schools=5))
    for figure in ("57所", "9个", "4个县（市、区）", "涉及5所"):
        assert figure in other.text, figure
        assert figure not in report.text, figure
    assert "108所" not in other.text
    assert "25个" not in other.text


def test_problem_table_has_one_row_per_problem_grouped_by_school(report: Rendered) -> None:
    table = report.doc.tables[1]
    assert len(table.rows) == report.data.n_findings + 1
    header = [c.text for c in table.rows[0].cells]
    assert header == ["序号", "区县", "学校", "问题类别", "问题描述", "严重程度", "整改时限", "整改状态"]
    tbl = report.xml.findall(f".//{W}tbl")[1]
    rows = tbl.findall(f"{W}tr")
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    assert sum(int(c.get(f"{W}w")) for c in tbl.find(f"{W}tblGrid")) == documents.TEXT_WIDTH
    expected = [(s.school, p.description.strip()) for s in report.data.schools for p in s.problems]
    seen_school = ""
    for number, (row, (school, description)) in enumerate(zip(rows[1:], expected, strict=True), start=1):
        cells = row.findall(f"{W}tc")
        assert ptext(cells[0]) == str(number)
        assert ptext(cells[4]) == description
        merge = cells[2].find(f"{W}tcPr/{W}vMerge")
        if school != seen_school:
            assert ptext(cells[2]) == school
            seen_school = school
        else:
            assert merge is not None
            assert merge.get(f"{W}val") is None
            assert ptext(cells[2]) == ""
    for run in tbl.iter(f"{W}r"):
        fonts = run.find(f"{W}rPr/{W}rFonts")
        assert fonts.get(f"{W}eastAsia") in ("仿宋_GB2312", "黑体")
        assert fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == fonts.get(f"{W}eastAsia")


def test_attachments_start_on_new_pages(report: Rendered) -> None:
    labels = [p for p in report.paragraphs if ptext(p) in ("附件1", "附件2", "附件3")]
    assert [ptext(p) for p in labels] == ["附件1", "附件2", "附件3"]
    for p in labels:
        assert p.find(f"{W}pPr/{W}pageBreakBefore") is not None
        assert first_run_font(p)[0] == "黑体"
    distribution = report.doc.tables[2]
    assert len(distribution.rows) == 1 + report.data.n_counties + 1
    totals = [c.text for c in distribution.rows[-1].cells]
    assert totals[1:] == ["合计", "108", "12", "25", str(report.data.n_overdue)]


def test_no_findings_gives_a_sentence_instead_of_an_empty_table() -> None:
    empty = Rendered(make_data(n_findings=0))
    assert "本次检查未发现需要整改的问题。" in empty.text
    assert len(empty.doc.tables) == 3  # scores, distribution, 版记
    assert "附件2" in empty.text
    assert "各校问题清单" in empty.text


def test_package_is_clean(report: Rendered) -> None:
    names = report.zip.namelist()
    assert len(names) == len(set(names))
    for name in names:
        if name.endswith(".xml"):
            assert not re.search(r"\{\{|\{%|%\}|\}\}", report.zip.read(name).decode("utf8")), name


def test_hundreds_of_problems_each_get_a_row() -> None:
    big = Rendered(make_data(n_schools=400, n_findings=600, n_problem_schools=150))
    assert len(big.doc.tables[1].rows) == 601


def test_committed_templates_match_the_known_good_builders() -> None:
    folder = TEMPLATE.parent
    for kind, name in FILENAMES.items():
        committed = docx.Document(str(folder / name))
        built = build_template(kind)
        assert [p.text for p in committed.paragraphs] == [p.text for p in built.paragraphs], kind
        assert check_template(kind, folder / name) == [], kind


def test_red_header_is_red_with_a_red_rule() -> None:
    document = build_base_template()
    documents.clear_body(document)
    documents.add_red_header(document, "渭南市学生资助管理中心文件", "渭资助〔2026〕12号")
    xml = document.element.body.xml
    assert 'w:color w:val="FF0000"' in xml
    assert re.search(r'<w:bottom [^>]*w:color="FF0000"', xml)
    assert "渭资助〔2026〕12号" in "".join(p.text for p in document.paragraphs)


def test_split_title_breaks_at_a_word_boundary() -> None:
    assert documents.split_title("关于资助工作的报告") == ["关于资助工作的报告"]
    lines = documents.split_title("关于2026年秋季学期学生资助工作交叉检查情况的报告")
    assert "".join(lines) == "关于2026年秋季学期学生资助工作交叉检查情况的报告"
    assert len(lines) == 2
    assert all(documents.text_width(line) <= 20 for line in lines)


def test_only_a_cross_inspection_is_described_as_one(report: Rendered) -> None:
    local = Rendered(replace(make_data(), cross_county=False))
    assert "交叉检查方式" in report.text
    assert "交叉检查方式" not in local.text
