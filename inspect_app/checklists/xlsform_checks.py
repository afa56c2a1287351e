"""Checks across the questions of a form, once every name is known."""

from __future__ import annotations

import typing as t

from flask_babel import gettext as _

from . import expressions
from .models import ItemType
from .parsed import ParsedItem

Refuse = t.Callable[[str, str], t.NoReturn]
# Types whose answer is a photo, or that take no answer: no constraint, no default, no ${} to them.
NO_VALUE_TYPES = (ItemType.IMAGE, ItemType.NOTE, ItemType.REPEAT)
DETAIL_TYPES = (ItemType.TEXT, ItemType.IMAGE)


def check_names(items: list[ParsedItem], refuse: Refuse) -> None:
    """No two questions share a name."""
    seen: set[str] = set()
    for item in items:
        if item.name in seen:
            refuse(item.name, _("another question has the same name."))
        seen.add(item.name)

def check_details(items: list[ParsedItem], refuse: Refuse) -> None:
    """A detail question (text or photo) belongs to one assessed item of its own repeat, one per type."""
    by_name = {item.name: item for item in items}
    taken: set[tuple[str, ItemType]] = set()
    for item in items:
        if item.detail_of is None:
            continue
        target = by_name.get(item.detail_of)
        if target is None:
            refuse(item.name, _("detail_of names “%(v)s”, which is not a question of this form.",
                                     v=item.detail_of))
        if item.type not in DETAIL_TYPES:
            refuse(item.name, _("only text and image questions can be the detail of an item."))
        if not target.fail_values or target.detail_of:
            refuse(item.name, _("detail_of names “%(v)s”, which is not an assessed item (it has no "
                                     "fail_values).", v=item.detail_of))
        if item.fail_values:
            refuse(item.name, _("a detail question cannot itself be assessed."))
        if target.repeat != item.repeat:
            refuse(item.name, _("a detail question must be in the same repeat as “%(v)s”.",
                                     v=item.detail_of))
        if (target.name, item.type) in taken:
            refuse(item.name, _("“%(v)s” already has a detail question of this type.", v=target.name))
        taken.add((target.name, item.type))

def check_references(items: list[ParsedItem], trees: list[tuple[str, str, expressions.Node, str | None]],
                     refuse: Refuse) -> None:
    """Every ${name} in an expression names a question with a value, outside repeats or in the same one."""
    by_name = {item.name: item for item in items}
    for name, column, tree, repeat in trees:
        for ref in sorted(expressions.references(tree)):
            target = by_name.get(ref)
            if target is None:
                refuse(name, _("column “%(col)s” refers to ${%(ref)s}, which is not a question of this "
                                    "form.", col=column, ref=ref))
            if target.type in NO_VALUE_TYPES:
                refuse(name, _("column “%(col)s” refers to ${%(ref)s}, a question of type “%(type)s”, "
                                    "which has no value to test.", col=column, ref=ref, type=target.type.value))
            if target.repeat is not None and target.repeat != repeat:
                refuse(name, _("column “%(col)s” refers to ${%(ref)s}, which is inside repeat “%(r)s”; "
                                    "only questions of the same repeat can refer to it.",
                                    col=column, ref=ref, r=target.repeat))
