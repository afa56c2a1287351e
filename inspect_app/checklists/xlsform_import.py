"""The one adapter between pyxform and the app's checklist schema.

pyxform parses and checks the XLSForm (references, duplicate names, choice lists); this module
maps its internal dict onto :class:`ParsedChecklist`, compiles every expression into its syntax
tree, and refuses whatever lies outside the supported subset, naming the survey-sheet row, the
question and the reason.
"""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal
from decimal import InvalidOperation

from flask_babel import gettext as _

from ..errors import ValidationFailed
from . import expressions
from . import xlsform_checks
from .expressions import ExpressionError
from .models import ItemType
from .models import Severity
from .parsed import FormSource
from .parsed import ParsedChecklist
from .parsed import ParsedItem
from .parsed import ParsedSection
from .values import BadValue
from .values import normalise
from .xlsform_checks import NO_VALUE_TYPES

TYPE_MAP = {
    "text": ItemType.TEXT,
    "string": ItemType.TEXT,
    "integer": ItemType.INTEGER,
    "int": ItemType.INTEGER,
    "decimal": ItemType.DECIMAL,
    "date": ItemType.DATE,
    "time": ItemType.TIME,
    "datetime": ItemType.DATETIME,
    "dateTime": ItemType.DATETIME,
    "select one": ItemType.SELECT_ONE,
    "select all that apply": ItemType.SELECT_MULTIPLE,
    "photo": ItemType.IMAGE,
    "image": ItemType.IMAGE,
    "geopoint": ItemType.GEOPOINT,
    "acknowledge": ItemType.ACKNOWLEDGE,
    "trigger": ItemType.ACKNOWLEDGE,
    "note": ItemType.NOTE,
    "calculate": ItemType.CALCULATE,
    "hidden": ItemType.HIDDEN,
}
# Metadata questions the device fills itself; they carry nothing to inspect.
METADATA_TYPES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "background-geopoint", "uri:deviceid",
    "uri:subscriberid", "uri:simserial", "uri:phonenumber", "uri:username", "uri:email",
}
SEVERITY_NAMES = {
    "一般": Severity.GENERAL, "较重": Severity.MAJOR, "严重": Severity.SEVERE,
    "general": Severity.GENERAL, "major": Severity.MAJOR, "severe": Severity.SEVERE,
}
TRUE_WORDS = {"yes", "true", "true()", "1", "是", "y"}
FALSE_WORDS = {"no", "false", "false()", "0", "否", "n", ""}
# Bind attributes that change behaviour and are not supported: refuse rather than ignore.
UNSUPPORTED_BINDS = ("jr:preload",)
# pyxform's label and relevant for the text question ``or_other`` adds after a select.
OTHER_LABEL = {"zh": "其他", "en": "Other"}
SPECIFY_OTHER_LABEL = {"zh": "请注明其他", "en": "Specify other"}
# Types the inspector does not answer: no required, constraint or choices.
FORM_VALUE_TYPES = (ItemType.CALCULATE, ItemType.HIDDEN)
LANG_RE = re.compile(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z]+)?\)\s*$")
FUNCTION_CALL = re.compile(r"^[A-Za-z_][\w:.-]*\s*\(.*\)$", re.S)
# Sizes of the columns these values are stored in: refuse here, with the question named, rather
# than let the database refuse (PostgreSQL) or keep more than the column holds (SQLite).
MAX_NAME = 64
MAX_METHOD = 64
MAX_FORM_ID = 64
MAX_VERSION = 32
MAX_TITLE = 128
MAX_WEIGHT = Decimal("999999.99")
OptionalText = t.TypeVar("OptionalText", str, str | None)


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


def _setting(value: OptionalText, limit: int, *, column: str) -> OptionalText:
    if value is not None and len(value) > limit:
        raise ValidationFailed(_("Settings: “%(col)s” is longer than %(n)d characters.", col=column, n=limit))
    return value


def expression_reason(err: ExpressionError) -> str:
    """Why an expression was refused, in the user's language."""
    token = err.token
    reasons = {
        "bad_reference": lambda: _("“%(token)s” is not a reference to a question; write ${name}.", token=token),
        "unclosed_string": lambda: _("the text %(token)s has no closing quote.", token=token),
        "path": lambda: _("“%(token)s”: paths and predicates are not supported; refer to questions as ${name}.",
                          token=token),
        "unexpected_char": lambda: _("unexpected character “%(token)s”.", token=token),
        "unexpected_token": lambda: _("unexpected “%(token)s”.", token=token),
        "unexpected_end": lambda: _("the expression ends too early."),
        "empty": lambda: _("the expression is empty."),
        "bare_name": lambda: _("“%(token)s” is neither a function nor a reference; put text in quotes "
                               "and write questions as ${name}.", token=token),
        "unknown_function": lambda: _("the function %(token)s() is not supported.", token=token),
        "arity": lambda: _("%(token)s() is given the wrong number of arguments.", token=token),
        "regex_literal": lambda: _("the pattern of regex() must be text in quotes."),
        "regex_unportable": lambda: _("the regular expression construct “%(token)s” is not supported.", token=token),
        "regex_invalid": lambda: _("“%(token)s” is not a valid regular expression.", token=token),
    }
    return reasons.get(err.kind, lambda: _("unexpected “%(token)s”.", token=token))()


class _Reader:
    """One pass over pyxform's dict, collecting sections and items and refusing what lies outside the subset."""

    def __init__(self, source: FormSource) -> None:
        self.form = source.form
        self.rows = source.rows
        lang = language_code(self.form.get("default_language") or "default")
        self.lang = "zh" if lang == "default" else lang
        self.choice_lists: dict[str, list[dict[str, t.Any]]] = self.form.get("choices") or {}
        self.sections: list[ParsedSection] = []
        self.items: list[ParsedItem] = []
        # Trees to check once every name is known: (question, column, tree, repeat of the question).
        self.trees: list[tuple[str, str, expressions.Node, str | None]] = []
        # The relevant of each section (nested groups: theirs and their parents' together).
        self.section_logic: dict[str, tuple[str, expressions.Node]] = {}
        # Calculations pyxform generates for a fixed ``repeat_count`` (not rows of the sheet).
        self.generated: dict[str, str] = {}
        self.previous: ParsedItem | None = None

    # --- refusals ------------------------------------------------------------------------------
    def refuse(self, name: str, reason: str) -> t.NoReturn:
        row = self.rows.get(name)
        if row is None:
            raise ValidationFailed(_("Question “%(q)s”: %(reason)s", q=name, reason=reason))
        raise ValidationFailed(_("Row %(row)d, question “%(q)s”: %(reason)s", row=row, q=name, reason=reason))

    def flag(self, value: t.Any, *, name: str, column: str) -> bool:
        word = str(value or "").strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.refuse(name, _("column “%(col)s” must be yes or no, not “%(v)s”.", col=column, v=value))

    def decimal(self, value: t.Any, *, name: str, column: str) -> Decimal | None:
        if value in (None, ""):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():  # "NaN" and "Infinity" parse, but are not weights
            self.refuse(name, _("column “%(col)s” must be a number, not “%(v)s”.", col=column, v=value))
        if number < 0:
            self.refuse(name, _("column “%(col)s” cannot be negative.", col=column))
        if number > MAX_WEIGHT:
            self.refuse(name, _("column “%(col)s” is larger than %(max)s.", col=column, max=MAX_WEIGHT))
        return number

    def text(self, value: OptionalText, limit: int, *, name: str, column: str) -> OptionalText:
        """``value``, refused when longer than the ``limit`` of the column it is stored in."""
        if value is not None and len(value) > limit:
            self.refuse(name, _("column “%(col)s” is longer than %(n)d characters.", col=column, n=limit))
        return value

    def labels(self, value: t.Any, *, name: str, column: str, repeat: str | None = None,
               piped: bool = False) -> dict[str, str]:
        """Texts by language; ``piped`` (labels and hints) may show answers as ``${name}``."""
        labels = _labels(value, self.lang)
        if not piped:
            if any("${" in text for text in labels.values()):
                self.refuse(name, _("column “%(col)s” refers to another question (${…}); only the labels, hints "
                                    "and messages of questions can show answers.", col=column))
            return labels
        for text in labels.values():
            if "${" not in text:
                continue
            names = expressions.piped_names(text)
            if names is None:
                self.refuse(name, _("column “%(col)s”: write an answer to show as ${name}.", col=column))
            self.trees.append((name, column, ["call", "concat", *(["ref", n] for n in names)], repeat))
        return labels

    def compile(self, source: t.Any, *, name: str, column: str, repeat: str | None,
                columns: bool = False) -> expressions.Node:
        text = str(source).strip()
        try:
            tree = expressions.parse(text, columns=columns)
        except ExpressionError as err:
            self.refuse(name, _("column “%(col)s”: %(reason)s (at character %(pos)d of “%(expr)s”)",
                                col=column, reason=expression_reason(err), pos=err.position + 1, expr=text))
        self.trees.append((name, column, tree, repeat))
        return tree

    # --- the walk ------------------------------------------------------------------------------
    def read(self) -> ParsedChecklist:
        form = self.form
        title = _labels(form.get("title"), self.lang) or {self.lang: form.get("id_string", "")}
        for text in title.values():
            _setting(text, MAX_TITLE, column="form_title")
        version = str(form["version"]) if form.get("version") else None
        parsed = ParsedChecklist(
            form_id=_setting(str(form.get("id_string") or form.get("name")), MAX_FORM_ID, column="form_id"),
            title=title,
            version=_setting(version, MAX_VERSION, column="version"),
            default_language=self.lang,
        )
        self.walk(form.get("children", []), section=None, repeat=None)
        xlsform_checks.check_names(self.items, self.refuse)
        xlsform_checks.check_details(self.items, self.refuse)
        xlsform_checks.check_references(self.items, self.trees, self.refuse)
        if not any(item.type.takes_answer for item in self.items):
            raise ValidationFailed(_("The form has no questions to answer."))
        parsed.sections, parsed.items = self.sections, self.items
        return parsed

    def walk(self, children: list[dict[str, t.Any]], *, section: str | None, repeat: str | None,
             guard: tuple[str, expressions.Node] | None = None) -> None:
        """Read ``children``; ``guard`` is the relevant of the groups around them inside a repeat."""
        for child in children:
            kind = child.get("type", "")
            name = str(child.get("name", ""))
            if kind == "calculate" and name not in self.rows and (child.get("bind") or {}).get("calculate"):
                self.generated[name] = str(child["bind"]["calculate"])
        for child in children:
            kind = child.get("type", "")
            name = str(child.get("name", ""))
            if kind == "group" and name == "meta" and child.get("control", {}).get("bodyless"):
                continue
            if kind == "group":
                self.group(child, section=section, repeat=repeat, guard=guard)
                continue
            if kind == "repeat":
                self.repeat(child, section=section, repeat=repeat)
                continue
            if kind in METADATA_TYPES:
                continue
            if kind == "calculate" and name in self.generated:
                continue  # pyxform's count of a fixed repeat_count, read with the repeat
            if name not in self.rows and self.previous is not None and name == f"{self.previous.name}_other":
                self.items.append(self.specify_other(child, self.previous))
                continue
            if kind not in TYPE_MAP:
                self.refuse(name, _("type “%(type)s” is not supported in checklists.", type=kind))
            item = self.item(child, TYPE_MAP[kind], section=section, repeat=repeat, guard=guard)
            self.items.append(item)
            self.previous = item

    def specify_other(self, child: dict[str, t.Any], select: ParsedItem) -> ParsedItem:
        """The text question pyxform adds after a ``select_one LIST or_other``: asked when “other” is chosen."""
        relevant = f"selected(${{{select.name}}}, 'other')"
        tree = self.compile(relevant, name=select.name, column="relevant", repeat=select.repeat)
        if select.logic and select.logic.get("relevant"):
            tree = ["and", select.logic["relevant"], tree]
            relevant = f"({select.relevant}) and ({relevant})"
        self.rows.setdefault(str(child["name"]), self.rows.get(select.name, 0))
        return ParsedItem(name=self.text(str(child["name"]), MAX_NAME, name=select.name, column="name"),
                          type=ItemType.TEXT, label=dict(SPECIFY_OTHER_LABEL), section=select.section,
                          row=self.rows.get(select.name), repeat=select.repeat, relevant=relevant,
                          logic={"relevant": tree})

    def group(self, child: dict[str, t.Any], *, section: str | None, repeat: str | None,
              guard: tuple[str, expressions.Node] | None) -> None:
        """A group: a section of the form; a group inside a group is a section of its own, shown when both
        groups' relevant hold; a group inside a repeat only adds its relevant to its questions."""
        name = str(child.get("name", ""))
        self.text(name, MAX_NAME, name=name, column="name")
        bind = child.get("bind") or {}
        self.unsupported_binds(name, bind)
        for column in ("readonly", "calculate"):
            if bind.get(column):
                self.refuse(name, _("the “%(col)s” column does not apply to a group.", col=column))
        relevant = str(bind["relevant"]).strip() if bind.get("relevant") else None
        tree = self.compile(relevant, name=name, column="relevant", repeat=repeat) if relevant else None
        if repeat is not None:
            if child.get("weight"):
                self.refuse(name, _("the “%(col)s” column does not apply to repeats or to the questions inside "
                                    "them.", col="weight"))
            self.walk(child.get("children", []), section=section, repeat=repeat,
                      guard=_both(guard, (relevant, tree) if relevant and tree else None))
            return
        outer = self.section_logic.get(section) if section is not None else None
        own = (relevant, tree) if relevant and tree else None
        combined = _both(outer, own)
        if combined is not None:
            self.section_logic[name] = combined
        parent_label = next((s.label for s in self.sections if s.name == section), None) if section else None
        label = self.labels(child.get("label"), name=name, column="label") or {self.lang: name}
        if parent_label:
            label = {lang: f"{pick_text(parent_label, lang)} › {text}" for lang, text in label.items()}
        self.sections.append(ParsedSection(
            name=name,
            label=label,
            weight=self.decimal(child.get("weight"), name=name, column="weight"),
            row=self.rows.get(name),
            relevant=combined[0] if combined else None,
            logic={"relevant": combined[1]} if combined else None,
        ))
        self.walk(child.get("children", []), section=name, repeat=None)

    def repeat(self, child: dict[str, t.Any], *, section: str | None, repeat: str | None) -> None:
        name = str(child.get("name", ""))
        if repeat is not None:
            self.refuse(name, _("a repeat inside repeat “%(r)s” is not supported.", r=repeat))
        control = child.get("control") or {}
        item = self.item(child, ItemType.REPEAT, section=section, repeat=None)
        count = str(control.get("jr:count") or "").strip()
        if count:
            generated = re.fullmatch(r"\$\{([^}]+)\}", count)
            if generated and generated.group(1) in self.generated:
                count = self.generated[generated.group(1)].strip()
            item.logic = {**(item.logic or {}),
                          "count": self.compile(count, name=name, column="repeat_count", repeat=None)}
        self.items.append(item)
        self.walk(child.get("children", []), section=section, repeat=name)

    def unsupported_binds(self, name: str, bind: dict[str, t.Any]) -> None:
        for key in UNSUPPORTED_BINDS:
            if bind.get(key):
                column = {"jr:preload": "preload"}.get(key, key)
                self.refuse(name, _("the “%(col)s” column is not supported in checklists.", col=column))

    def item(self, child: dict[str, t.Any], item_type: ItemType, *, section: str | None,
             repeat: str | None, guard: tuple[str, expressions.Node] | None = None) -> ParsedItem:
        raw_name = str(child["name"])
        name = self.text(raw_name, MAX_NAME, name=raw_name, column="name")
        bind = child.get("bind") or {}
        self.unsupported_binds(name, bind)
        if child.get("trigger"):
            self.refuse(name, _("the “%(col)s” column is not supported in checklists.", col="trigger"))
        logic: dict[str, t.Any] = {}
        relevant, required, required_if, constraint = self.conditions(child, item_type, logic, name=name,
                                                                      repeat=repeat, guard=guard)
        choices = self.choices(child, item_type, logic, name=name, repeat=repeat)
        names: list[str] = [c["name"] for c in choices or []]
        default_value = self.default(child, item_type, names, name=name)
        fail_raw, severity, weight, veto, correct_raw = self.scoring(child, item_type, choices, name=name,
                                                                     repeat=repeat)
        detail_of = str(child.get("detail_of") or "").strip() or None
        photo_location = self.flag(child.get("photo_location"), name=name, column="photo_location")
        if photo_location and item_type != ItemType.IMAGE and not fail_raw:
            self.refuse(name, _("the “%(col)s” column does not apply to a question of type “%(type)s”.",
                                col="photo_location", type=item_type.value))

        return ParsedItem(
            name=name,
            type=item_type,
            label=self.labels(child.get("label"), name=name, column="label", repeat=repeat, piped=True)
            or {self.lang: name},
            hint=self.labels(child.get("hint"), name=name, column="hint", repeat=repeat, piped=True) or None,
            section=section,
            row=self.rows.get(name),
            required=required,
            choices=choices,
            fail_values=fail_raw,
            correct_values=correct_raw or None,
            weight=weight,
            severity=severity,
            veto=veto,
            policy_basis=(str(child["policy_basis"]).strip() or None) if child.get("policy_basis") else None,
            method=self.text((str(child["method"]).strip() or None) if child.get("method") else None, MAX_METHOD,
                             name=name, column="method"),
            repeat=repeat,
            detail_of=detail_of,
            relevant=relevant,
            constraint=constraint,
            required_if=required_if,
            constraint_message=self.labels(bind.get("jr:constraintMsg"), name=name, column="constraint_message",
                                           repeat=repeat, piped=True) or None,
            required_message=self.labels(bind.get("jr:requiredMsg"), name=name, column="required_message",
                                         repeat=repeat, piped=True) or None,
            default_value=default_value,
            photo_location=photo_location,
            logic=logic or None,
        )

    def conditions(self, child: dict[str, t.Any], item_type: ItemType, logic: dict[str, t.Any], *, name: str,
                   repeat: str | None, guard: tuple[str, expressions.Node] | None
                   ) -> tuple[str | None, bool, str | None, str | None]:
        """relevant, calculation, readonly, required and constraint: their trees go into ``logic``."""
        bind = child.get("bind") or {}

        relevant = str(bind["relevant"]).strip() if bind.get("relevant") else None
        if relevant:
            logic["relevant"] = self.compile(relevant, name=name, column="relevant", repeat=repeat)
        if guard is not None:
            relevant = f"({guard[0]}) and ({relevant})" if relevant else guard[0]
            logic["relevant"] = ["and", guard[1], logic["relevant"]] if "relevant" in logic else guard[1]

        calculation = str(bind.get("calculate") or "").strip()
        if item_type == ItemType.CALCULATE:
            if not calculation:
                self.refuse(name, _("a calculate question needs a “%(col)s”.", col="calculation"))
            logic["calculate"] = self.compile(calculation, name=name, column="calculation", repeat=repeat)
        elif calculation:
            self.refuse(name, _("the “%(col)s” column is supported on calculate questions only.", col="calculation"))
        readonly = bind.get("readonly")
        if readonly not in (None, "") and self.flag(readonly, name=name, column="readonly"):
            if item_type in NO_VALUE_TYPES:
                self.refuse(name, _("the “%(col)s” column does not apply to a question of type “%(type)s”.",
                                    col="readonly", type=item_type.value))
            logic["readonly"] = True

        required, required_if = False, None
        raw_required = bind.get("required")
        word = str(raw_required or "").strip().lower()
        if word in TRUE_WORDS:
            required = True
        elif word not in FALSE_WORDS:
            required_if = str(raw_required).strip()
            logic["required"] = self.compile(required_if, name=name, column="required", repeat=repeat)
        if (required or required_if) and item_type in (ItemType.NOTE, ItemType.REPEAT, *FORM_VALUE_TYPES):
            self.refuse(name, _("the “%(col)s” column does not apply to a question of type “%(type)s”.",
                                col="required", type=item_type.value))

        constraint = str(bind["constraint"]).strip() if bind.get("constraint") else None
        if constraint:
            if item_type in (*NO_VALUE_TYPES, *FORM_VALUE_TYPES) or item_type == ItemType.ACKNOWLEDGE:
                self.refuse(name, _("the “%(col)s” column does not apply to a question of type “%(type)s”.",
                                    col="constraint", type=item_type.value))
            logic["constraint"] = self.compile(constraint, name=name, column="constraint", repeat=repeat)
        return relevant, required, required_if, constraint

    def choices(self, child: dict[str, t.Any], item_type: ItemType, logic: dict[str, t.Any], *, name: str,
                repeat: str | None) -> list[dict[str, t.Any]] | None:
        """A select's choices with their labels and the columns its choice_filter reads; None for other types."""
        choices: list[dict[str, t.Any]] | None = None
        if item_type in (ItemType.SELECT_ONE, ItemType.SELECT_MULTIPLE):
            raw = child.get("choices") or self.choice_lists.get(child.get("list_name", ""), [])
            choice_filter = str(child.get("choice_filter") or "").strip()
            tree = (self.compile(choice_filter, name=name, column="choice_filter", repeat=repeat, columns=True)
                    if choice_filter else None)
            wanted = sorted(expressions.columns(tree) - {"name"}) if tree is not None else []
            known = {str(k) for c in raw for k in c}
            missing = [col for col in wanted if col not in known]
            if missing:
                self.refuse(name, _("column “%(col)s”: “%(v)s” is not a column of the choices of list “%(list)s”.",
                                    col="choice_filter", v=missing[0], list=child.get("list_name", "")))
            choices = []
            for c in raw:
                choice: dict[str, t.Any] = {"name": str(c["name"]),
                                            "label": self.labels(c.get("label"), name=name, column="label")}
                if choice["name"] == "other" and set(choice["label"].values()) == {"Other"}:  # added by or_other
                    choice["label"] = dict(OTHER_LABEL)
                for col in wanted:
                    choice[col] = "" if c.get(col) is None else str(c[col])
                choices.append(choice)
            if tree is not None:
                logic["choice_filter"] = tree
            spaced = [c["name"] for c in choices if not c["name"] or re.search(r"\s", c["name"])]
            if spaced:
                self.refuse(name, _("choice name “%(v)s” of list “%(list)s” contains a space.",
                                    v=spaced[0], list=child.get("list_name", "")))
        elif child.get("choice_filter"):
            self.refuse(name, _("the “%(col)s” column does not apply to a question of type “%(type)s”.",
                                col="choice_filter", type=item_type.value))
        return choices

    def default(self, child: dict[str, t.Any], item_type: ItemType, names: list[str], *, name: str) -> str | None:
        """The fixed default answer, in stored form."""
        default_value = None
        raw_default = child.get("default")
        if raw_default not in (None, ""):
            text = str(raw_default).strip()
            if item_type in NO_VALUE_TYPES:
                self.refuse(name, _("the “%(col)s” column does not apply to a question of type “%(type)s”.",
                                    col="default", type=item_type.value))
            if "${" in text or FUNCTION_CALL.match(text):
                self.refuse(name, _("the default “%(v)s” is an expression; only fixed values are supported.",
                                    v=text))
            try:
                default_value = normalise(item_type, text, set(names))
            except BadValue:
                self.refuse(name, _("the default “%(v)s” is not a valid answer to this question.", v=text))
        return default_value

    def scoring(self, child: dict[str, t.Any], item_type: ItemType, choices: list[dict[str, t.Any]] | None, *,
                name: str, repeat: str | None
                ) -> tuple[list[str], Severity | None, Decimal | None, bool, list[str]]:
        """How an answer is assessed: fail_values, severity, weight, veto and a survey's correct answers."""
        names = [c["name"] for c in choices or []]
        fail_raw = str(child.get("fail_values") or "").replace(",", " ").replace("，", " ").split()
        if fail_raw and choices is None:
            self.refuse(name, _("fail_values only apply to select questions."))
        unknown = [v for v in fail_raw if v not in names]
        if unknown:
            self.refuse(name, _("fail_values “%(v)s” are not choices of list “%(list)s”.",
                                v=" ".join(unknown), list=child.get("list_name", "")))
        if not fail_raw and item_type == ItemType.SELECT_ONE and "no" in names and "yes" in names:
            fail_raw = ["no"]

        severity_raw = str(child.get("severity") or "").strip().lower()
        severity = SEVERITY_NAMES.get(severity_raw) if severity_raw else None
        if severity_raw and severity is None:
            self.refuse(name, _("severity must be 一般, 较重 or 严重, not “%(v)s”.", v=child.get("severity")))
        if fail_raw and severity is None:
            severity = Severity.GENERAL

        weight = self.decimal(child.get("weight"), name=name, column="weight")
        if weight is not None and (repeat is not None or item_type == ItemType.REPEAT):
            self.refuse(name, _("the “%(col)s” column does not apply to repeats or to the questions inside them.",
                                col="weight"))
        veto = self.flag(child.get("veto"), name=name, column="veto")
        if veto and not fail_raw:
            self.refuse(name, _("column “%(col)s”: a veto item needs fail_values (or a yes/no choice list).",
                                col="veto"))
        correct_raw = str(child.get("correct") or "").replace(",", " ").replace("，", " ").split()
        if correct_raw and choices is None:
            self.refuse(name, _("the “%(col)s” column applies to select questions only.", col="correct"))
        wrong = [v for v in correct_raw if v not in names]
        if wrong:
            self.refuse(name, _("column “%(col)s”: “%(v)s” is not a choice of list “%(list)s”.",
                                col="correct", v=wrong[0], list=child.get("list_name", "")))
        return fail_raw, severity, weight, veto, correct_raw


def _both(outer: tuple[str, expressions.Node] | None,
          inner: tuple[str, expressions.Node] | None) -> tuple[str, expressions.Node] | None:
    """Two relevant conditions that must both hold, as text and as a tree."""
    if outer is None or inner is None:
        return outer or inner
    return f"({outer[0]}) and ({inner[0]})", ["and", outer[1], inner[1]]


def pick_text(labels: dict[str, str], lang: str) -> str:
    return labels.get(lang) or next(iter(labels.values()), "")


def parse(source: FormSource) -> ParsedChecklist:
    """Map pyxform's dict onto the app's schema, refusing anything outside the subset."""
    return _Reader(source).read()
