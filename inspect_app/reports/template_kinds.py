"""The known-good report template of each kind, built from code; report_templates/ is restored from here.

Run from the project root: ``python -m inspect_app.reports.template_kinds [DIR]`` writes every template
(``inspect-app reports restore-template KIND`` does it for one, with the configured issuing office).
Each template is an ordinary GB/T 9704 document (on :func:`inspect_app.core.documents.new_document`)
whose editable wording carries ``{{ name }}`` placeholders and whose generated parts are single
``{{p name }}`` paragraphs.
"""

from __future__ import annotations

import sys
import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from docx.document import Document

from ..core import documents as gb

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "report_templates"
ORG_NAME = "渭南市学生资助管理中心"
PROVINCE_ORG_NAME = "陕西省学生资助管理中心"


@dataclass(frozen=True)
class Office:
    """What a template says about the office that issues it (its 文号 is given when a document is issued)."""

    org_name: str = ORG_NAME


def _start(*, red_header: bool, office: Office) -> Document:
    document = gb.new_document()
    if red_header:
        gb.add_red_header(document, f"{office.org_name}文件", "{{ doc_number }}")
    gb.reset_properties(document)
    return document


def _generated(document: Document, name: str) -> None:
    """A paragraph that the renderer replaces with a generated block (list, table, photos)."""
    gb.format_paragraph(gb.use_style(document, document.add_paragraph(), gb.STYLE_BODY), first_line=0)
    gb.add_run(document.paragraphs[-1], f"{{{{p {name} }}}}")


def _tag(document: Document, tag: str) -> None:
    """A control paragraph ({%p if … %}, {%p endif %}) that disappears when the document is rendered."""
    gb.format_paragraph(gb.use_style(document, document.add_paragraph(), gb.STYLE_BODY), first_line=0)
    gb.add_run(document.paragraphs[-1], f"{{%p {tag} %}}")


def _attachment(document: Document, label: str, title: str, block: str) -> None:
    gb.add_attachment_heading(document, title, label_text=label)
    _generated(document, block)


def _wrap(document: Document, paragraphs: list[t.Any], condition: str) -> None:
    """Put {%p if condition %} before and {%p endif %} after the given consecutive paragraphs."""
    opening = paragraphs[0].insert_paragraph_before()
    gb.format_paragraph(gb.use_style(document, opening, gb.STYLE_BODY), first_line=0)
    gb.add_run(opening, f"{{%p if {condition} %}}")
    _tag(document, "endif")
    closing = document.paragraphs[-1]._p
    paragraphs[-1]._p.addnext(closing)


def _ending(document: Document, office: Office, attachments: list[str], *, photos: str | None = None,
            signer: str | None = None) -> None:
    """附件说明 (the photo appendix only when there are photos), 署名 and {{ report_date }}."""
    names = [*attachments, *([photos] if photos else [])]
    if names:
        gb.add_blank_lines(document)
        blank = document.paragraphs[-1]
        notes = gb.add_attachment_note(document, names)
        if photos:
            _wrap(document, [blank, *notes] if len(names) == 1 else notes[-1:], "photos")
    gb.add_signature(document, signer or office.org_name, _SAMPLE_DATE)
    dated = document.paragraphs[-1]
    for run in dated.runs[1:]:
        run.text = ""
    dated.runs[0].text = "{{ report_date }}"


_SAMPLE_DATE = datetime(2026, 11, 27).date()


def build_investigation(office: Office = Office(), *, red_header: bool = False) -> Document:
    """督导检查情况报告 for a campaign, to the provincial office."""
    d = _start(red_header=red_header, office=office)
    gb.add_title(d, "{{ title }}")
    gb.add_blank_lines(d)
    gb.add_recipient(d, "{{ recipient }}")
    gb.add_body(d, "为进一步规范学生资助管理，推动各项资助政策落实落地，{{ org_name }}{{ period }}组织开展了"
                   "{{ campaign_name }}。{{ scope_sentence }}现将有关情况报告如下：")
    gb.add_heading(d, "一、检查基本情况", 1)
    _generated(d, "basic_facts")
    gb.add_heading(d, "二、总体评价", 1)
    gb.add_body(d, "从检查情况看，各地各校认真贯彻落实国家学生资助政策，资助工作机构和制度总体健全，"
                   "家庭经济困难学生认定、资助资金发放和资助档案管理总体规范。{{ evaluation }}")
    gb.add_heading(d, "三、存在的主要问题", 1)
    _generated(d, "problems")
    gb.add_heading(d, "四、有关数据情况", 1)
    _generated(d, "figures")
    gb.add_heading(d, "五、整改要求", 1)
    _tag(d, "if n_findings")
    gb.add_heading(d, "（一）压实整改责任。", 2, body=(
        "各县（市、区）教育行政部门要切实履行监管职责，督促相关学校（幼儿园）对照问题清单逐条制定整改措施，"
        "明确整改责任人和完成时限，做到问题不解决不放过、整改不到位不销号。"))
    gb.add_heading(d, "（二）严格整改时限。", 2, body=(
        "检查发现的问题须于{{ due_date }}前整改到位；问题清单另行明确整改时限的，按清单所列时限执行。"
        "{{ overdue_sentence }}"))
    gb.add_heading(d, "（三）按时报送整改报告。", 2, body=(
        "相关学校（幼儿园）要在整改完成后形成整改报告，逐条说明整改措施和整改结果，附佐证材料，"
        "经县（市、区）学生资助管理部门审核后，于{{ due_date }}前报送{{ we }}。"))
    gb.add_heading(d, "（四）建立长效机制。", 2, body=(
        "各地各校要举一反三，深入查找资助管理中的薄弱环节，健全完善资助工作制度，规范认定、发放和"
        "档案管理各环节，防止同类问题反复发生。"))
    _tag(d, "else")
    gb.add_body(d, "各县（市、区）和学校（幼儿园）要保持良好工作态势，持续规范家庭经济困难学生认定、"
                   "资助资金发放和资助档案管理，确保各项资助政策落实到位。")
    _tag(d, "endif")
    gb.add_heading(d, "六、下一步工作", 1)
    gb.add_body(d, "下一步，{{ we }}将持续跟踪问题整改进展，及时组织复核已提交整改的问题，对逾期未整改、"
                   "整改不到位的进行督办，确保问题全部整改销号。同时，进一步加强资助政策宣传和业务培训，"
                   "推动学生资助工作规范化、精细化管理，切实提升资助工作质量。")
    gb.add_body(d, "特此报告。")
    _ending(d, office, ["各校评分表", "各校问题清单", "检查学校分布情况"], photos="检查发现问题照片")
    _attachment(d, "附件1", "各校评分表", "score_table")
    _attachment(d, "附件2", "各校问题清单", "problem_table")
    _attachment(d, "附件3", "检查学校分布情况", "distribution_table")
    _tag(d, "if photos")
    _attachment(d, "附件4", "检查发现问题照片", "photo_appendix")
    _tag(d, "endif")
    gb.add_blank_lines(d)
    gb.add_banji(d, None, f"{office.org_name}", "{{ print_date }}")
    return d


def build_notice(office: Office = Office(), *, red_header: bool = True) -> Document:
    """整改通知书 (检查反馈意见书) for one school."""
    d = _start(red_header=red_header, office=office)
    gb.add_title(d, ["关于{{ school_name }}学生资助工作", "检查发现问题限期整改的通知"])
    gb.add_blank_lines(d)
    gb.add_recipient(d, "{{ school_name }}")
    gb.add_body(d, "根据{{ campaign_name }}工作安排，{{ visit_period }}，检查组依据《{{ checklist_title }}》"
                   "对你{{ school_kind }}学生资助工作进行了检查。现将检查发现的问题反馈如下，"
                   "请认真组织整改。")
    gb.add_heading(d, "一、发现的问题", 1)
    gb.add_body(d, "本次检查共发现问题{{ n_problems }}个。{{ severity_sentence }}")
    _generated(d, "problem_list")
    gb.add_heading(d, "二、整改要求", 1)
    gb.add_heading(d, "（一）高度重视，落实责任。", 2, body=(
        "你{{ school_kind }}要召开专题会议研究整改工作，主要负责人亲自部署，对照问题逐条制定整改措施，"
        "明确责任人和完成时限。"))
    gb.add_heading(d, "（二）立行立改，确保实效。", 2, body=(
        "能够立即整改的要立即整改；涉及资金发放和学生认定的，要逐人核实、及时纠正，确保资助资金足额、"
        "及时发放到受助学生手中。"))
    gb.add_heading(d, "（三）举一反三，健全机制。", 2, body=(
        "要以问题整改为契机，全面自查资助工作各环节，完善资助工作制度和档案管理，防止同类问题再次发生。"))
    gb.add_heading(d, "三、整改时限", 1)
    gb.add_body(d, "请于{{ due_date }}前完成全部问题整改。{{ due_note }}")
    gb.add_heading(d, "四、报送要求", 1)
    gb.add_body(d, "请在资助督查系统中逐条填报整改措施、上传佐证材料并提交复核，于{{ due_date }}前将"
                   "整改情况报告（加盖公章）报送{{ org_name }}。逾期未完成整改的问题将予以通报。")
    gb.add_body(d, "联系人：　　　　　　，联系电话：　　　　　　　　。")
    _ending(d, office, [], photos="检查发现问题照片")
    gb.add_blank_lines(d)
    gb.add_table(d, ("检查组成员（签字）", "被检查单位负责人（签收）"), [["{{ inspectors }}", "\n\n年　　月　　日"]],
                 [gb.TEXT_WIDTH // 2, gb.TEXT_WIDTH - gb.TEXT_WIDTH // 2], size=gb.SIZE_4HAO)
    _tag(d, "if photos")
    _attachment(d, "附件", "检查发现问题照片", "photo_appendix")
    _tag(d, "endif")
    gb.add_blank_lines(d)
    gb.add_banji(d, "抄送：{{ county_name }}教育局", f"{office.org_name}", "{{ print_date }}")
    return d


def build_school_report(office: Office = Office(), *, red_header: bool = False) -> Document:
    """A school's 整改情况报告, assembled from its rectification records."""
    d = _start(red_header=red_header, office=office)
    gb.add_title(d, ["关于{{ campaign_name }}", "发现问题整改情况的报告"])
    gb.add_blank_lines(d)
    gb.add_recipient(d, "{{ recipient }}")
    gb.add_body(d, "{{ visit_period }}，{{ org_name }}检查组对我{{ school_kind }}学生资助工作进行了检查，"
                   "反馈问题{{ n_problems }}个。我{{ school_kind }}高度重视，对照问题清单逐条制定整改措施，"
                   "明确责任人和完成时限，扎实推进整改。截至{{ report_date }}，{{ progress_sentence }}"
                   "现将整改情况报告如下：")
    gb.add_heading(d, "一、基本情况与主要做法", 1)
    gb.add_body(d, "收到检查反馈意见后，我{{ school_kind }}及时召开专题会议，传达检查反馈意见，研究部署"
                   "整改工作，由主要负责人牵头、资助工作人员具体落实，建立问题清单和整改台账，"
                   "实行逐项整改、对账销号。")
    gb.add_heading(d, "二、问题整改情况", 1)
    _generated(d, "problems")
    gb.add_heading(d, "三、长效机制", 1)
    gb.add_body(d, "下一步，我{{ school_kind }}将以此次整改为契机，进一步健全学生资助工作制度，规范家庭经济"
                   "困难学生认定、资助资金发放和档案管理，加强资助政策宣传和业务学习，确保各项资助政策落实到位。")
    gb.add_body(d, "特此报告。")
    _ending(d, office, [], photos="整改佐证照片", signer="{{ school_name }}")
    _tag(d, "if photos")
    _attachment(d, "附件", "整改佐证照片", "photo_appendix")
    _tag(d, "endif")
    return d


def build_monthly(office: Office = Office(), *, red_header: bool = False) -> Document:
    """月报: progress of inspection and rectification across campaigns in one month."""
    d = _start(red_header=red_header, office=office)
    gb.add_title(d, ["关于{{ month_label }}学生资助督导检查", "及问题整改进展情况的报告"])
    gb.add_blank_lines(d)
    gb.add_recipient(d, "{{ recipient }}")
    gb.add_body(d, "现将{{ month_label }}学生资助督导检查及问题整改工作进展情况报告如下：")
    gb.add_heading(d, "一、总体进展", 1)
    _generated(d, "overview")
    gb.add_heading(d, "二、各检查批次进展", 1)
    _generated(d, "campaigns")
    gb.add_heading(d, "三、逾期未整改问题", 1)
    _generated(d, "overdue")
    gb.add_heading(d, "四、下一步工作", 1)
    gb.add_body(d, "下一步，{{ we }}将继续督促各地各校按期完成问题整改，及时复核已提交整改的问题；"
                   "对逾期未整改的问题逐一督办，必要时约谈相关单位负责人，确保问题整改到位。")
    gb.add_body(d, "特此报告。")
    _ending(d, office, ["各检查批次整改进展统计表", "各县（市、区）整改进展统计表"])
    _attachment(d, "附件1", "各检查批次整改进展统计表", "campaign_table")
    _attachment(d, "附件2", "各县（市、区）整改进展统计表", "county_table")
    return d


def build_provincial(office: Office = Office(PROVINCE_ORG_NAME), *, red_header: bool = True) -> Document:
    """全省学生资助交叉检查情况通报: the cities of a province campaign side by side (a city campaign's counties).

    The red header names the office as the template is written (``restore-template`` takes the province's
    ``org_name`` from the regions data); the body, the signature and the 版记 take ``{{ org_name }}``.
    """
    d = _start(red_header=red_header, office=office)
    gb.add_title(d, "{{ title }}")
    gb.add_blank_lines(d)
    gb.add_recipient(d, "{{ recipient }}：")
    gb.add_body(d, "为推动学生资助政策落实落地，{{ org_name }}{{ period }}组织开展了{{ campaign_name }}，"
                   "对{{ n_areas }}个{{ area_word }}的{{ n_schools }}所学校（幼儿园）进行了交叉检查。"
                   "现将检查情况通报如下：")
    gb.add_heading(d, "一、基本情况", 1)
    _generated(d, "overview")
    gb.add_heading(d, "二、各{{ area_word }}检查情况", 1)
    _generated(d, "areas")
    gb.add_heading(d, "三、发现的典型问题", 1)
    _generated(d, "problems")
    gb.add_heading(d, "四、整改情况", 1)
    _generated(d, "rectification")
    gb.add_heading(d, "五、排名情况", 1)
    _generated(d, "ranking")
    gb.add_heading(d, "六、工作要求", 1)
    gb.add_heading(d, "（一）抓好问题整改。", 2, body=(
        "各{{ area_word }}要对照问题清单逐条整改，明确责任人和完成时限，对逾期未整改的问题挂牌督办，"
        "做到问题不解决不放过、整改不到位不销号。"))
    gb.add_heading(d, "（二）举一反三建章立制。", 2, body=(
        "各{{ area_word }}要对照通报的典型问题开展自查，健全资助工作制度，规范认定、发放和档案管理各环节，"
        "防止同类问题反复发生。"))
    gb.add_heading(d, "（三）按时报送整改情况。", 2, body=(
        "各{{ area_word }}要在资助督查系统中及时填报整改进展，整改完成后将整改情况报送{{ we }}。"))
    _ending(d, office, ["各{{ area_word }}检查情况统计表"], signer="{{ org_name }}")
    _attachment(d, "附件", "各{{ area_word }}检查情况统计表", "area_table")
    gb.add_blank_lines(d)
    gb.add_banji(d, None, "{{ org_name }}", "{{ print_date }}")
    return d


BUILDERS: dict[str, Callable[..., Document]] = {
    "investigation": build_investigation,
    "notice": build_notice,
    "school-report": build_school_report,
    "monthly": build_monthly,
    "provincial": build_provincial,
}
FILENAMES = {
    "investigation": "investigation.docx",
    "notice": "notice.docx",
    "school-report": "school-report.docx",
    "monthly": "monthly.docx",
    "provincial": "provincial.docx",
}
# The office a kind's template names when none is given: the province issues the 通报.
DEFAULT_OFFICES = {"provincial": Office(PROVINCE_ORG_NAME)}


def build_template(kind: str, office: Office | None = None, *, red_header: bool | None = None) -> Document:
    """The known-good template of a kind; red_header None keeps the kind's default."""
    office = office or DEFAULT_OFFICES.get(kind, Office())
    builder = BUILDERS[kind]
    return builder(office) if red_header is None else builder(office, red_header=red_header)


def write_template(kind: str, out: Path, office: Office | None = None, *, red_header: bool | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    build_template(kind, office, red_header=red_header).save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    """Write every known-good template into the given folder, or into report_templates/."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DEFAULT_DIR
    for kind, name in FILENAMES.items():
        print(write_template(kind, folder / name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
