"""Audit entries told as sentences: "张三 将整改时限由6月20日延至6月30日".

One function per kind of action turns an entry's action, before, after and note into a sentence,
with the actor by display name and the object by what people call it (the school and problem
number, the campaign's name), which the packages owning the objects answer through the
``audit_object_names`` signal. Actions without a function of their own read "who did what to which".
"""

from __future__ import annotations

import typing as t
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..auth.models import Role
from ..auth.models import User
from ..core import signals
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from .labels import action_label
from .labels import object_label
from .models import AuditEntry
from .services import AnswerChange

REPORT_KINDS = {
    "investigation": _l("the inspection report"),
    "notice": _l("a rectification notice"),
    "school-report": _l("a school's rectification report"),
    "monthly": _l("the monthly progress report"),
}


@dataclass(frozen=True)
class Said:
    """What a sentence is made of: who acted, on what, and the entry's data."""

    who: str
    object: str
    before: dict[str, t.Any]
    after: dict[str, t.Any]
    note: str


@dataclass(frozen=True)
class Line:
    """One entry as shown: the sentence, and the entry behind it (its raw data for administrators)."""

    entry: AuditEntry
    text: str
    # Whether the reader may see the entry as recorded (administrators).
    raw: bool = False


Sentence = t.Callable[[Said], str]
SENTENCES: dict[str, Sentence] = {}


def says(*actions: str) -> t.Callable[[Sentence], Sentence]:
    def register(function: Sentence) -> Sentence:
        for action in actions:
            SENTENCES[action] = function
        return function
    return register


def _day(value: t.Any) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value or "")
    return format_date(day, "medium")


# --- one function per kind of action ---------------------------------------------------------------------


@says("auth.login")
def _login(s: Said) -> str:
    return _("%(who)s signed in", who=s.who)


@says("auth.logout")
def _logout(s: Said) -> str:
    return _("%(who)s signed out", who=s.who)


@says("answer.save")
def _answer(s: Said) -> str:
    item, value, note = s.after.get("item", ""), s.after.get("value") or "", s.after.get("note")
    if note:
        return _("%(who)s answered item %(item)s with “%(value)s”, noting “%(note)s”", who=s.who, item=item,
                 value=value, note=note)
    return _("%(who)s answered item %(item)s with “%(value)s”", who=s.who, item=item, value=value)


# How many of a batch's changes its sentence names; the entry itself lists them all.
BATCH_SHOWN = 5


def _change(change: dict[str, t.Any]) -> str:
    item, value, before = change.get("item", ""), change.get("value") or "", change.get("before")
    if before is None:
        told = _("item %(item)s “%(value)s”", item=item, value=value)
    else:
        told = _("item %(item)s “%(before)s” → “%(value)s”", item=item, before=before.get("value") or "", value=value)
    note = change.get("note")
    if note and (before is None or note != before.get("note")):
        return _("%(change)s, noting “%(note)s”", change=told, note=note)
    return told


@says("answer.batch")
def _answer_batch(s: Said) -> str:
    changes = [c for c in s.after.get("changes", []) if isinstance(c, dict)]
    listed = _("; ").join(_change(c) for c in changes[:BATCH_SHOWN])
    if len(changes) > BATCH_SHOWN:
        listed = ngettext("%(changes)s and %(num)d more", "%(changes)s and %(num)d more",
                          len(changes) - BATCH_SHOWN, changes=listed)
    return ngettext("%(who)s synced %(num)d change of the answers of %(object)s from a tablet: %(changes)s",
                    "%(who)s synced %(num)d changes of the answers of %(object)s from a tablet: %(changes)s",
                    len(changes), who=s.who, object=s.object, changes=listed)


@says("finding.confirm")
def _finding_confirm(s: Said) -> str:
    return _("%(who)s confirmed problem %(object)s", who=s.who, object=s.object)


@says("finding.dismiss")
def _finding_dismiss(s: Said) -> str:
    return _("%(who)s dismissed problem %(object)s", who=s.who, object=s.object)


@says("finding.raise")
def _finding_raise(s: Said) -> str:
    return _("%(who)s raised problem %(object)s", who=s.who, object=s.object)


@says("finding.edit")
def _finding_edit(s: Said) -> str:
    return _("%(who)s reworded problem %(object)s", who=s.who, object=s.object)


@says("finding.comment")
def _finding_comment(s: Said) -> str:
    return _("%(who)s commented on problem %(object)s", who=s.who, object=s.object)


@says("rectification.deadline", "rectification.extension_approve")
def _deadline(s: Said) -> str:
    before, after = s.before.get("due_on"), s.after.get("due_on")
    if before and after:
        return _("%(who)s moved the rectification deadline of %(object)s from %(before)s to %(after)s",
                 who=s.who, object=s.object, before=_day(before), after=_day(after))
    return _("%(who)s changed the rectification deadline of %(object)s", who=s.who, object=s.object)


@says("rectification.extension_request")
def _extension_request(s: Said) -> str:
    return _("%(who)s asked to extend the deadline of %(object)s to %(date)s", who=s.who, object=s.object,
             date=_day(s.after.get("proposed_due_on")))


@says("rectification.extension_reject")
def _extension_reject(s: Said) -> str:
    return _("%(who)s rejected the extension of %(object)s", who=s.who, object=s.object)


@says("rectification.open")
def _rect_open(s: Said) -> str:
    return _("%(who)s opened the rectification of %(object)s, due by %(date)s", who=s.who, object=s.object,
             date=_day(s.after.get("due_on")))


@says("evidence.add")
def _evidence_add(s: Said) -> str:
    return _("%(who)s uploaded evidence “%(file)s”", who=s.who, file=s.after.get("file", ""))


@says("evidence.remove")
def _evidence_remove(s: Said) -> str:
    return _("%(who)s removed evidence “%(file)s” from %(object)s", who=s.who, object=s.object,
             file=s.before.get("file", ""))


@says("report.request")
def _report_request(s: Said) -> str:
    kind = REPORT_KINDS.get(str(s.after.get("kind")))
    return _("%(who)s asked for %(report)s", who=s.who, report=str(kind) if kind else s.object)


@says("archive.requested")
def _archive_requested(s: Said) -> str:
    return _("%(who)s asked for the archive of school %(school)s for %(term)s", who=s.who,
             school=s.after.get("school", ""), term=s.after.get("term", ""))


@says("publicity.create")
def _publicity_create(s: Said) -> str:
    return _("%(who)s published %(n)s aid recipients of %(school)s from %(start)s to %(end)s (公示)", who=s.who,
             n=s.after.get("rows", ""), school=s.after.get("school", ""), start=s.after.get("starts_on", ""),
             end=s.after.get("ends_on", ""))


@says("publicity.objection")
def _publicity_objection(s: Said) -> str:
    return _("%(who)s recorded an objection received on %(day)s: %(object)s", who=s.who,
             day=s.after.get("received_on", ""), object=s.object)


@says("publicity.objection_handled")
def _publicity_handled(s: Said) -> str:
    outcomes = {"pending": _("being handled"), "upheld": _("upheld"), "rejected": _("not upheld")}
    outcome = outcomes.get(str(s.after.get("outcome")), str(s.after.get("outcome", "")))
    return _("%(who)s recorded the handling of %(object)s: %(outcome)s", who=s.who, object=s.object,
             outcome=outcome)


def _generic(action: str) -> Sentence:
    def told(s: Said) -> str:
        return _("%(who)s %(action)s: %(object)s", who=s.who, action=action_label(action), object=s.object)
    return told


# --- reading entries -------------------------------------------------------------------------------------


def sentence(action: str, before: dict[str, t.Any] | None, after: dict[str, t.Any] | None, note: str | None,
             *, who: str, object: str) -> str:
    """One entry as a sentence in the reader's language."""
    said = Said(who=who, object=object, before=before or {}, after=after or {}, note=note or "")
    return SENTENCES.get(action, _generic(action))(said)


def _own_names(object_type: str, ids: list[int]) -> dict[int, str]:
    """The names of the objects of this floor: accounts, schools, counties."""
    if object_type == "users":
        return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())
    if object_type == "schools":
        return dict(db.session.execute(sa.select(School.id, School.name).where(School.id.in_(ids))).all())
    if object_type == "counties":
        return dict(db.session.execute(sa.select(County.id, County.name).where(County.id.in_(ids))).all())
    return {}


def object_names(entries: t.Iterable[AuditEntry]) -> dict[tuple[str, int], str]:
    """What people call each object the entries are about, by (type, id)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_id is not None:
            wanted[entry.object_type].add(entry.object_id)
    names: dict[tuple[str, int], str] = {}
    for object_type, id_set in wanted.items():
        ids = sorted(id_set)
        found = _own_names(object_type, ids)
        for answer in signals.values_from(signals.audit_object_names.send(object_type, ids=ids)):
            found.update(answer)
        names.update({(object_type, i): name for i, name in found.items()})
    return names


def lines(entries: t.Sequence[AuditEntry | AnswerChange]) -> list[Line]:
    """The entries as sentences, in their order; administrators also get each entry as recorded.

    A change of one answer (``services.answer_changes``) is told on its own, as the page's
    ``answer.save`` entry tells it, even when a batch's entry recorded it among others.
    """
    raw = bool(current_user and current_user.is_authenticated and current_user.role == Role.ADMIN)
    records = [e.entry if isinstance(e, AnswerChange) else e for e in entries]
    names = object_names(records)
    actor_ids = {e.actor_id for e in records if e.actor_id is not None}
    people = dict(db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(actor_ids))).all()) if actor_ids else {}
    result = []
    for told, entry in zip(entries, records, strict=True):
        who = people.get(entry.actor_id or 0) or (_("System") if entry.actor_name == "system" else entry.actor_name)
        if entry.object_id is None:
            thing = str(object_label(entry.object_type))
        else:
            thing = (names.get((entry.object_type, entry.object_id))
                     or f"{object_label(entry.object_type)} {entry.object_id}")
        if isinstance(told, AnswerChange):
            text = sentence(told.action, told.before, told.after, None, who=who, object=thing)
        else:
            text = sentence(entry.action, entry.before, entry.after, entry.note, who=who, object=thing)
        result.append(Line(entry, text, raw=raw))
    return result
