"""The one adapter between pyxform and the app's checklist schema.

pyxform parses and checks the XLSForm (references, duplicate names, choice
lists); this module maps its internal dict onto :class:`ParsedChecklist` and
refuses whatever lies outside the supported subset, naming the question.
"""

from __future__ import annotations

import io
import re
import typing as t
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation

from flask_babel import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from ..errors import ValidationFailed
from .models import ItemType
from .models import Severity

TYPE_MAP = {
    "text": ItemType.TEXT,
    "string": ItemType.TEXT,
    "integer": ItemType.INTEGER,
    "int": ItemType.INTEGER,
    "decimal": ItemType.DECIMAL,
    "date": ItemType.DATE,
    "select one": ItemType.SELECT_ONE,
    "select all that apply": ItemType.SELECT_MULTIPLE,
    "photo": ItemType.IMAGE,
    "image": ItemType.IMAGE,
    "note": ItemType.NOTE,
}
# Metadata questions the device fills itself; they carry nothing to inspect.
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "background-geopoint",
}
SEVERITY_NAMES = {
    "一般": Severity.GENERAL, "较重": Severity.MAJOR, "严重": Severity.SEVERE,
    "general": Severity.GENERAL, "major": Severity.MAJOR, "severe": Severity.SEVERE,
}
TRUE_WORDS = {"yes", "true", "true()", "1", "是", "y"}
FALSE_WORDS = {"no", "false", "false()", "0", "否", "n", ""}
# Bind attributes that change behaviour and are not supported (yet): refuse rather than ignore.
UNSUPPORTED_BINDS = ("relevant", "constraint", "calculate", "readonly", "jr:preload")
SUFFIXES = {".xlsx": ".xlsx", ".xls": ".xls", ".md": ".md"}
LANG_RE = re.compile(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z]+)?\)\s*$")
# Sizes of the columns these values are stored in: refuse here, with the question named, rather
# than let the database refuse (PostgreSQL) or keep more than the column holds (SQLite).
MAX_NAME = 64
MAX_METHOD = 64
MAX_FORM_ID = 64
MAX_VERSION = 32
MAX_TITLE = 128
MAX_WEIGHT = Decimal("999999.99")
OptionalText = t.TypeVar("OptionalText", str, str | None)


@dataclass
class ParsedItem:
    name: str
    type: ItemType
    label: dict[str, str]
    section: str | None
    hint: dict[str, str] | None = None
    required: bool = False
    choices: list[dict[str, t.Any]] | None = None
    fail_values: list[str] = field(default_factory=list)
    weight: Decimal | None = None
    severity: Severity | None = None
    veto: bool = False
    policy_basis: str | None = None
    method: str | None = None


@dataclass
class ParsedSection:
    name: str
    label: dict[str, str]
    weight: Decimal | None = None


@dataclass
class ParsedChecklist:
    form_id: str
    title: dict[str, str]
    version: str | None
    default_language: str
    sections: list[ParsedSection] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)


def language_code(name: str) -> str:
    """``"Chinese (zh)"`` → ``"zh"``; ``"English (en)"`` → ``"en"``."""
    match = LANG_RE.search(name)
    if match:
        return match.group(1).lower()
    lowered = name.strip().lower()
    return {"chinese": "zh", "中文": "zh", "english": "en"}.get(lowered, lowered or "default")


def _labels(value: t.Any, default_lang: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {default_lang: value}
    labels: dict[str, str] = {}
    for lang, text in value.items():
        code = default_lang if lang == "default" else language_code(lang)
        if text:
            labels.setdefault(code, str(text))
    return labels


def _flag(value: t.Any, *, question: str, column: str) -> bool:
    word = str(value or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationFailed(
        _("Question “%(q)s”: column “%(col)s” must be yes or no, not “%(v)s”.", q=question, col=column, v=value)
    )


def _decimal(value: t.Any, *, question: str, column: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationFailed(
            _("Question “%(q)s”: column “%(col)s” must be a number, not “%(v)s”.", q=question, col=column, v=value)
        ) from exc
    if not number.is_finite():  # "NaN" and "Infinity" parse, but are not weights
        raise ValidationFailed(_("Question “%(q)s”: column “%(col)s” must be a number, not “%(v)s”.",
                                 q=question, col=column, v=value))
    if number < 0:
        raise ValidationFailed(_("Question “%(q)s”: column “%(col)s” cannot be negative.", q=question, col=column))
    if number > MAX_WEIGHT:
        raise ValidationFailed(_("Question “%(q)s”: column “%(col)s” is larger than %(max)s.",
                                 q=question, col=column, max=MAX_WEIGHT))
    return number


def _text(value: OptionalText, limit: int, *, question: str, column: str) -> OptionalText:
    """``value``, refused when longer than the ``limit`` of the column it is stored in."""
    if value is not None and len(value) > limit:
        raise ValidationFailed(_("Question “%(q)s”: column “%(col)s” is longer than %(n)d characters.",
                                 q=question, col=column, n=limit))
    return value


def _setting(value: OptionalText, limit: int, *, column: str) -> OptionalText:
    if value is not None and len(value) > limit:
        raise ValidationFailed(_("Settings: “%(col)s” is longer than %(n)d characters.", col=column, n=limit))
    return value


def convert_form(source: bytes | str, filename: str) -> dict[str, t.Any]:
    """Run pyxform on an XLSForm and return its internal dict, or refuse with pyxform's reason."""
    suffix = next((s for s in SUFFIXES if filename.lower().endswith(s)), None)
    if suffix is None:
        raise ValidationFailed(
            _("File “%(file)s”: a checklist must be an XLSForm (.xlsx, .xls or .md).", file=filename)
        )
    data = source.encode("utf-8") if isinstance(source, str) else source
    if suffix == ".md":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(_("File “%(file)s” is not UTF-8 text.", file=filename)) from exc
    warnings: list[str] = []
    try:
        # Always bytes: pyxform reads a str that names an existing file from disk, so an uploaded
        # .md consisting of a server path would otherwise import that file.
        result = convert(xlsform=io.BytesIO(data), file_type=SUFFIXES[suffix], warnings=warnings)
    except PyXFormError as exc:
        if len(exc.args) > 1 and isinstance(exc.args[1], str) and "not been included" in str(exc.args[0]):
            # pyxform's "This section has not been included." for an ``include`` row; args[1] is its name.
            raise ValidationFailed(_("Question “%(q)s”: type “%(type)s” is not supported in checklists.",
                                     q=exc.args[1], type="include")) from exc
        raise ValidationFailed(
            _("File “%(file)s” is not a valid XLSForm: %(reason)s", file=filename, reason=str(exc))
        ) from exc
    except Exception as exc:  # damaged workbooks surface as zip/openpyxl errors
        raise ValidationFailed(
            _("File “%(file)s” could not be read: %(reason)s", file=filename, reason=str(exc)[:300])
        ) from exc
    return t.cast(dict[str, t.Any], result._pyxform)


def parse(form: dict[str, t.Any]) -> ParsedChecklist:
    """Map pyxform's dict onto the app's schema, refusing anything outside the subset."""
    default_lang = language_code(form.get("default_language") or "default")
    if default_lang == "default":
        default_lang = "zh"
    title = _labels(form.get("title"), default_lang) or {default_lang: form.get("id_string", "")}
    for text in title.values():
        _setting(text, MAX_TITLE, column="form_title")
    version = str(form["version"]) if form.get("version") else None
    parsed = ParsedChecklist(
        form_id=_setting(str(form.get("id_string") or form.get("name")), MAX_FORM_ID, column="form_id"),
        title=title,
        version=_setting(version, MAX_VERSION, column="version"),
        default_language=default_lang,
    )
    choice_lists: dict[str, list[dict[str, t.Any]]] = form.get("choices") or {}

    def walk(children: list[dict[str, t.Any]], section: str | None) -> None:
        for child in children:
            kind = child.get("type", "")
            name = child.get("name", "")
            if kind == "group" and name == "meta" and child.get("control", {}).get("bodyless"):
                continue
            if kind == "group":
                if section is not None:
                    raise ValidationFailed(
                        _("Group “%(g)s” is inside group “%(p)s”: checklists have one level of sections.",
                          g=name, p=section)
                    )
                parsed.sections.append(ParsedSection(
                    name=_text(name, MAX_NAME, question=name, column="name"),
                    label=_labels(child.get("label"), default_lang) or {default_lang: name},
                    weight=_decimal(child.get("weight"), question=name, column="weight"),
                ))
                walk(child.get("children", []), name)
                continue
            if kind in METADATA_TYPES:
                continue
            if kind not in TYPE_MAP:
                raise ValidationFailed(
                    _("Question “%(q)s”: type “%(type)s” is not supported in checklists.", q=name, type=kind)
                )
            parsed.items.append(_item(child, TYPE_MAP[kind], section, default_lang, choice_lists))

    walk(form.get("children", []), None)
    if not any(item.type.takes_answer for item in parsed.items):
        raise ValidationFailed(_("The form has no questions to answer."))
    return parsed


def _item(
    child: dict[str, t.Any],
    item_type: ItemType,
    section: str | None,
    default_lang: str,
    choice_lists: dict[str, list[dict[str, t.Any]]],
) -> ParsedItem:
    name = _text(str(child["name"]), MAX_NAME, question=str(child["name"]), column="name")
    bind = child.get("bind") or {}
    for key in UNSUPPORTED_BINDS:
        if bind.get(key):
            raise ValidationFailed(
                _("Question “%(q)s”: the “%(col)s” column is not supported yet.", q=name, col=key)
            )
    if child.get("default") not in (None, ""):
        raise ValidationFailed(_("Question “%(q)s”: the “%(col)s” column is not supported yet.", q=name, col="default"))
    required = _flag(bind.get("required"), question=name, column="required")
    choices = None
    if item_type in (ItemType.SELECT_ONE, ItemType.SELECT_MULTIPLE):
        raw = child.get("choices") or choice_lists.get(child.get("list_name", ""), [])
        choices = [{"name": str(c["name"]), "label": _labels(c.get("label"), default_lang)} for c in raw]
    names = [c["name"] for c in choices or []]

    fail_raw = str(child.get("fail_values") or "").replace(",", " ").replace("，", " ").split()
    if fail_raw and choices is None:
        raise ValidationFailed(
            _("Question “%(q)s”: fail_values only apply to select questions.", q=name)
        )
    unknown = [v for v in fail_raw if v not in names]
    if unknown:
        raise ValidationFailed(
            _("Question “%(q)s”: fail_values “%(v)s” are not choices of list “%(list)s”.",
              q=name, v=" ".join(unknown), list=child.get("list_name", ""))
        )
    if not fail_raw and item_type == ItemType.SELECT_ONE and "no" in names and "yes" in names:
        fail_raw = ["no"]

    severity_raw = str(child.get("severity") or "").strip().lower()
    severity = SEVERITY_NAMES.get(severity_raw) if severity_raw else None
    if severity_raw and severity is None:
        raise ValidationFailed(
            _("Question “%(q)s”: severity must be 一般, 较重 or 严重, not “%(v)s”.", q=name, v=child.get("severity"))
        )
    if fail_raw and severity is None:
        severity = Severity.GENERAL

    return ParsedItem(
        name=name,
        type=item_type,
        label=_labels(child.get("label"), default_lang) or {default_lang: name},
        hint=_labels(child.get("hint"), default_lang) or None,
        section=section,
        required=required,
        choices=choices,
        fail_values=fail_raw,
        weight=_decimal(child.get("weight"), question=name, column="weight"),
        severity=severity,
        veto=_flag(child.get("veto"), question=name, column="veto"),
        policy_basis=(str(child["policy_basis"]).strip() or None) if child.get("policy_basis") else None,
        method=_text((str(child["method"]).strip() or None) if child.get("method") else None, MAX_METHOD,
                     question=name, column="method"),
    )
