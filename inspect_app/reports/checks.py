"""Check the report templates staff edit: page setup, fonts, placeholders and tags (``reports check-templates``).

Each problem is named with the template, the paragraph where it sits (its opening words) and what
to do about it. The same rules are what the tests assert on rendered documents (gbt9704.md §4).
"""

from __future__ import annotations

import re
import typing as t
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError
from lxml import etree

from ..core import documents as gb
from .render import jinja_env
from .template_kinds import FILENAMES

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
SMART_QUOTES = "“”‘’„‚«»"
TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
JINJA_GLOBALS = frozenset({"range", "loop", "lipsum", "dict", "cycler", "joiner", "namespace"})

# The placeholders each template may use, with what they hold; the editing guide lists the same.
COMMON = {
    "org_name": "the issuing office (INSPECT_ORG_NAME)",
    "we": "how the office calls itself: 我中心",
    "recipient": "主送机关",
    "report_date": "成文日期, e.g. 2026年11月27日",
    "print_date": "印发日期 in the 版记",
    "year": "the year of the report date",
    "doc_number": "发文字号 given when the document is first issued: 渭资助〔2026〕3号",
    "photos": "true when there are photos for the appendix",
}
SCHEMA: dict[str, dict[str, str]] = {
    "investigation": {
        **COMMON,
        "title": "关于…情况的报告, broken into balanced lines",
        "campaign_name": "the campaign's name", "campaign_code": "the campaign's code",
        "period": "于2026年10月8日至10月31日", "scope_sentence": "who inspected how many schools, how",
        "evaluation": "schools without problems, scores, sections without problems",
        "n_schools": "schools inspected", "n_findings": "confirmed problems",
        "due_date": "the campaign's rectification deadline",
        "overdue_sentence": "a sentence on overdue problems, empty when none",
        "basic_facts": "block: 检查范围, 检查内容, 完成情况", "problems": "block: problems by category",
        "figures": "block: problems by severity, rectification progress",
        "score_table": "block: 各校评分表", "problem_table": "block: 各校问题清单",
        "distribution_table": "block: 检查学校分布情况", "photo_appendix": "block: captioned photos",
    },
    "notice": {
        **COMMON,
        "campaign_name": "the campaign's name", "campaign_code": "the campaign's code",
        "checklist_title": "the checklist's title", "school_name": "the school", "school_kind": "校 or 园",
        "county_name": "the school's county", "visit_period": "the day(s) of the visit",
        "n_problems": "the school's confirmed problems", "n_closed": "problems closed",
        "severity_sentence": "problems by severity", "due_date": "the last deadline",
        "due_note": "earlier deadlines, by problem number", "inspectors": "the inspection team",
        "problem_list": "block: numbered problems", "photo_appendix": "block: captioned photos",
    },
    "school-report": {
        **COMMON,
        "campaign_name": "the campaign's name", "campaign_code": "the campaign's code",
        "checklist_title": "the checklist's title", "school_name": "the school", "school_kind": "校 or 园",
        "county_name": "the school's county", "visit_period": "the day(s) of the visit",
        "n_problems": "the school's confirmed problems", "n_closed": "problems closed",
        "due_date": "the last deadline", "progress_sentence": "how many are closed, how many not",
        "problems": "block: problem by problem, measures and result",
        "photo_appendix": "block: captioned evidence photos",
    },
    "monthly": {
        **COMMON,
        "month_label": "2026年11月", "n_campaigns": "campaigns covered",
        "overview": "block: the month and the totals", "campaigns": "block: one paragraph per campaign",
        "overdue": "block: numbered overdue problems", "campaign_table": "block: table by campaign",
        "county_table": "block: table by county",
    },
    "provincial": {
        **COMMON,
        "title": "关于…情况的通报, broken into balanced lines",
        "campaign_name": "the campaign's name", "campaign_code": "the campaign's code",
        "period": "于2026年10月8日至10月31日", "area_word": "市 (a province campaign) or 县（市、区） (a city's)",
        "n_areas": "cities (or counties) inspected", "n_schools": "schools planned", "n_findings": "confirmed problems",
        "overview": "block: schools, problems and rectification in total",
        "areas": "block: one paragraph per city (county)", "problems": "block: typical problems by section",
        "rectification": "block: closed and overdue, in total and by area",
        "ranking": "block: the areas ranked by closure rate and the 两率一度 measured",
        "area_table": "block: the table by city (county)",
    },
}
# Generated blocks a template must keep: without them the document loses its substance.
REQUIRED = {
    "investigation": ("problems", "problem_table", "score_table", "report_date"),
    "notice": ("problem_list", "school_name", "due_date", "report_date"),
    "school-report": ("problems", "school_name", "report_date"),
    "monthly": ("overview", "campaigns", "overdue", "report_date"),
    "provincial": ("overview", "areas", "problems", "ranking", "report_date"),
}
BLOCKS = {name for schema in SCHEMA.values() for name, text in schema.items() if text.startswith("block:")}


@dataclass
class Problem:
    template: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.template}: {self.where}: {self.what}" if self.where else f"{self.template}: {self.what}"


def _text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _where(p: etree._Element) -> str:
    text = _text(p).strip()
    return f"paragraph “{text[:24]}{'…' if len(text) > 24 else ''}”" if text else "an empty paragraph"


def _near(value: str | None, want: int, tolerance: int = 3) -> bool:
    try:
        return value is not None and abs(int(value) - want) <= tolerance
    except ValueError:
        return False


def check_template(kind: str, path: Path) -> list[Problem]:
    """Everything wrong with one template; an empty list when it is fit to render from."""
    name = path.name
    found: list[Problem] = []

    def bad(what: str, where: str = "") -> None:
        found.append(Problem(name, where, what))

    if not path.exists():
        bad("the file is missing; restore it with `inspect-app reports restore-template "
            f"{kind}`")
        return found
    try:
        package = zipfile.ZipFile(path)
        entries = package.namelist()
        document = etree.fromstring(package.read("word/document.xml"))
        styles = etree.fromstring(package.read("word/styles.xml"))
        settings = etree.fromstring(package.read("word/settings.xml"))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError) as exc:
        bad(f"not a Word document that can be read ({exc}); save it again as .docx from Word or WPS")
        return found
    duplicates = [n for n, count in Counter(entries).items() if count > 1]
    if duplicates:
        bad(f"the package holds {', '.join(duplicates)} twice (saved by LibreOffice?); save it from Word or WPS")

    _check_page(document, settings, package, bad)
    _check_fonts(styles, bad)
    _check_colours(document, bad)
    _check_tags(kind, path, document, bad)
    return found


def _check_page(document: etree._Element, settings: etree._Element, package: zipfile.ZipFile,
                bad: t.Callable[..., None]) -> None:
    sect = document.find(f"{W}body/{W}sectPr")
    if sect is None:
        bad("no page setup (section properties)")
        return
    size, margins, grid = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar"), sect.find(f"{W}docGrid")

    def attr(el: etree._Element | None, key: str) -> str | None:
        return None if el is None else el.get(f"{W}{key}")

    if not (_near(attr(size, "w"), gb.PAGE_WIDTH) and _near(attr(size, "h"), gb.PAGE_HEIGHT)):
        bad(f"the paper is not A4 portrait (width {attr(size, 'w')}, height {attr(size, 'h')} twips)")
    if attr(size, "orient") not in (None, "portrait"):
        bad("the page is landscape; 公文 are portrait")
    for key, want, label in (("top", gb.MARGIN_TOP, "37"), ("bottom", gb.MARGIN_BOTTOM, "35"),
                             ("left", gb.MARGIN_LEFT, "28"), ("right", gb.MARGIN_RIGHT, "26")):
        if not _near(attr(margins, key), want):
            bad(f"the {key} margin is {attr(margins, key)} twips; it must be {label} mm ({want})")
    if attr(grid, "type") != "lines" or not _near(attr(grid, "linePitch"), gb.LINE_PITCH):
        bad(f"the line grid is {attr(grid, 'type')}/{attr(grid, 'linePitch')}; it must be lines, pitch "
            f"{gb.LINE_PITCH} (22 lines a page)")
    even_odd = settings.find(f"{W}evenAndOddHeaders")
    if even_odd is None or even_odd.get(f"{W}val") in ("0", "false"):
        bad("odd and even pages do not have their own footers (page numbers right on odd, left on even)")
    refs = {ref.get(f"{W}type"): ref.get(f"{R}id") for ref in sect.findall(f"{W}footerReference")}
    if not {"default", "even"} <= set(refs):
        bad("the odd- and even-page footers are missing")
        return
    rels = etree.fromstring(package.read("word/_rels/document.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    for kind in ("default", "even"):
        footer = etree.fromstring(package.read("word/" + str(targets.get(refs[kind]))))
        instr = "".join(i.text or "" for i in footer.iter(f"{W}instrText"))
        text = "".join(_text(p) for p in footer.iter(f"{W}p"))
        if not re.search(r"\bPAGE\b", instr) or not re.fullmatch(r"\s*— \S+ —\s*", text):
            bad(f"the {'odd' if kind == 'default' else 'even'}-page footer is not “— page number —”")


def _check_fonts(styles: etree._Element, bad: t.Callable[..., None]) -> None:
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = defaults.find(f"{W}rFonts") if defaults is not None else None
    size = defaults.find(f"{W}sz") if defaults is not None else None
    if fonts is None or fonts.get(f"{W}eastAsia") != gb.FANGSONG or fonts.get(f"{W}ascii") != gb.LATIN:
        bad(f"the default font is not {gb.FANGSONG} with {gb.LATIN} for digits")
    if size is None or size.get(f"{W}val") != str(gb.SIZE_3HAO):
        bad("the default size is not 3号 (16 pt)")
    for rfonts in styles.iter(f"{W}rFonts"):
        if any(key.endswith("Theme") for key in rfonts.attrib):
            bad("a style uses theme fonts, which override 仿宋 and show as missing fonts in WPS")
            break
    names = {s.find(f"{W}name").get(f"{W}val") for s in styles.iter(f"{W}style") if s.find(f"{W}name") is not None}
    for spec in gb.STYLE_SPECS:
        if spec.name not in names:
            bad(f"the style “{spec.name}” is missing; generated parts use it")


def _check_colours(document: etree._Element, bad: t.Callable[..., None]) -> None:
    for p in document.iter(f"{W}p"):
        red = [c for c in p.iter(f"{W}color") if c.get(f"{W}val", "").upper() not in ("AUTO", "000000")]
        if not red:
            continue
        if all(c.get(f"{W}val", "").upper() == gb.RED for c in red) and p.find(f"{W}pPr/{W}framePr") is not None:
            continue
        bad("coloured text outside the red header; 公文 text is black", _where(p))


def _check_paragraph_tags(p: etree._Element, bad: t.Callable[..., None]) -> None:
    """The tags of one paragraph: straight quotes, whole, alone where they must be, in one run of text."""
    text = _text(p)
    if "{" not in text and "}" not in text:
        return
    where = _where(p)
    if any(q in tag for tag in TAG_RE.findall(text) for q in SMART_QUOTES):
        bad("curly quotes inside a tag; switch off smart quotes and retype the tag", where)
    leftover = TAG_RE.sub("", text)
    if re.search(r"\{\{|\}\}|\{%|%\}", leftover) or re.search(r"\{\s*\{|\}\s*\}", leftover):
        bad("a broken tag: every placeholder is {{ name }} and every control {%p … %}", where)
    for tag in TAG_RE.findall(text):
        if tag.startswith("{{p ") or tag.startswith("{%p "):
            if text.strip() != tag:
                bad(f"{tag} must stand alone in its paragraph", where)
        inner = tag[2:-2].strip()
        name = inner[2:].strip() if inner.startswith("p ") else inner
        if tag.startswith("{{") and name in BLOCKS and not tag.startswith("{{p "):
            bad(f"{tag} is a generated block and must be written {{{{p {name} }}}} alone in a paragraph",
                where)
    runs = [t.text or "" for t in p.iter(f"{W}t")]
    if any(("{" in r and "}" not in r) or ("}" in r and "{" not in r) for r in runs) and TAG_RE.search(text):
        bad("a tag is split over differently formatted pieces of text; retype it in one go", where)


def _check_tags(kind: str, path: Path, document: etree._Element, bad: t.Callable[..., None]) -> None:
    schema = SCHEMA[kind]
    for p in document.iter(f"{W}p"):
        _check_paragraph_tags(p, bad)
    try:
        template = DocxTemplate(str(path))
        declared = template.get_undeclared_template_variables(jinja_env=jinja_env())
    except TemplateSyntaxError as exc:
        bad(f"the tags do not fit together ({exc.message}); every {{%p if %}} needs its {{%p endif %}}")
        return
    except Exception as exc:  # noqa: BLE001 - a damaged template may fail anywhere in docxtpl
        bad(f"the template cannot be read as a template ({exc})")
        return
    unknown = sorted(declared - set(schema) - JINJA_GLOBALS)
    for name in unknown:
        bad(f"unknown placeholder {{{{ {name} }}}}; the placeholders of this template are listed in "
            "docs/report-templates.md")
    for name in REQUIRED[kind]:
        if name not in declared:
            bad(f"the placeholder {{{{ {name} }}}} is missing; the document would lack it")


def check_all(folder: Path) -> dict[str, list[Problem]]:
    """Check every template in the folder."""
    return {kind: check_template(kind, folder / filename) for kind, filename in FILENAMES.items()}

