"""Readable, translated names for audit actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "user.create": _l("created the account"),
    "user.password": _l("changed the password"),
    "user.activate": _l("activated the account"),
    "user.deactivate": _l("deactivated the account"),
    "county.create": _l("added the county"),
    "school.create": _l("added the school"),
    "school.update": _l("updated the school"),
    "school.import": _l("imported schools"),
    "checklist.create": _l("created the checklist"),
    "checklist.import": _l("imported a checklist version"),
    "checklist.replace": _l("replaced a draft checklist version"),
    "checklist.publish": _l("published the checklist version"),
    "checklist.retire": _l("retired the checklist version"),
    "checklist.discard": _l("discarded a draft checklist version"),
    "campaign.create": _l("created the campaign"),
    "campaign.start": _l("started the campaign"),
    "campaign.close": _l("closed the campaign"),
    "visit.plan": _l("planned the visit"),
    "visit.remove": _l("removed the visit"),
    "visit.assign": _l("assigned an inspector"),
    "visit.unassign": _l("removed an inspector"),
    "visit.schedule": _l("scheduled the visit"),
    "visit.start": _l("started the visit"),
    "visit.checkin": _l("checked in on site"),
    "visit.submit": _l("submitted the visit"),
    "visit.return": _l("returned the visit"),
    "visit.approve": _l("approved the visit"),
    "answer.save": _l("recorded an answer"),
    "answer.drop": _l("cleared the answer to a question that no longer applies"),
    "entry.add": _l("added an entry to a list"),
    "entry.remove": _l("removed an entry from a list"),
    "photo.add": _l("added a photo"),
    "evidence.add": _l("added evidence"),
    "attachment.remove": _l("removed a file"),
    "finding.raise": _l("raised the finding"),
    "finding.edit": _l("edited the finding"),
    "finding.confirm": _l("confirmed the finding"),
    "finding.dismiss": _l("dismissed the finding"),
    "rectification.open": _l("opened the rectification"),
    "rectification.measures": _l("recorded rectification measures"),
    "rectification.in_progress": _l("started rectification"),
    "rectification.submitted": _l("submitted the rectification for verification"),
    "rectification.closed": _l("verified and closed the rectification"),
    "rectification.returned": _l("returned the rectification"),
    "rectification.partial": _l("marked the rectification as partly done"),
    "rectification.deadline": _l("changed the deadline"),
    "report.build": _l("built a report"),
}


OBJECT_LABELS = {
    "users": _l("Account"),
    "counties": _l("County"),
    "schools": _l("School"),
    "import": _l("Import"),
    "checklists": _l("Checklist"),
    "checklist_versions": _l("Checklist version"),
    "campaigns": _l("Campaign"),
    "visits": _l("Visit"),
    "answers": _l("Answer"),
    "repeat_instances": _l("List entry"),
    "attachments": _l("File"),
    "findings": _l("Finding"),
    "rectifications": _l("Rectification"),
    "system": _l("System"),
}


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
