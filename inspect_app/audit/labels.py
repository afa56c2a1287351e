"""Readable, translated names for audit actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "user.create": _l("created the account"),
    "user.password": _l("changed the password"),
    "user.activate": _l("activated the account"),
    "user.deactivate": _l("deactivated the account"),
    "user.update": _l("updated the account"),
    "inspector.import": _l("imported inspectors"),
    "county.create": _l("added the county"),
    "school.create": _l("added the school"),
    "school.update": _l("updated the school"),
    "school.import": _l("imported schools"),
    "checklist.create": _l("created the checklist"),
    "checklist.import": _l("imported a checklist version"),
    "campaign.create": _l("created the campaign"),
    "campaign.start": _l("started the campaign"),
    "campaign.close": _l("closed the campaign"),
    "report.request": _l("asked for a report"),
    "campaign.update": _l("changed the campaign"),
    "campaign.sample": _l("drew the sample of schools"),
    "campaign.plan": _l("assigned schools to teams and scheduled them"),
    "team.create": _l("formed the team"),
    "team.update": _l("changed the team"),
    "team.delete": _l("deleted the team"),
    "team.import": _l("imported teams"),
    "conflict.declare": _l("declared a conflict of interest"),
    "conflict.withdraw": _l("withdrew a conflict of interest"),
    "conflict.import": _l("imported conflicts of interest"),
    "visit.plan": _l("planned the visit"),
    "visit.remove": _l("removed the visit"),
    "visit.assign": _l("assigned an inspector"),
    "visit.unassign": _l("removed an inspector"),
    "visit.schedule": _l("scheduled the visit"),
    "visit.team": _l("gave the visit to a team"),
    "visit.start": _l("started the visit"),
    "visit.checkin": _l("checked in on site"),
    "visit.submit": _l("submitted the visit"),
    "visit.return": _l("returned the visit"),
    "visit.approve": _l("approved the visit"),
    "answer.save": _l("recorded an answer"),
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
    "rectification.responsible": _l("set the responsible unit and person"),
    "rectification.extension_request": _l("asked for an extension"),
    "rectification.extension_approve": _l("approved the extension"),
    "rectification.extension_reject": _l("rejected the extension"),
    "rectification.extension_cancel": _l("cancelled the extension request"),
    "report.build": _l("built a report"),
    "roster.run": _l("uploaded rosters for checking"),
    "roster.rerun": _l("checked the rosters again"),
    "roster.mapping": _l("assigned roster columns"),
    "roster.refused": _l("had roster files refused"),
    "roster.checked": _l("checked the rosters"),
    "standard.install": _l("installed the shipped funding standards"),
    "standard.create": _l("added a funding standard"),
    "standard.update": _l("changed a funding standard"),
    "standard.delete": _l("removed a funding standard"),
    "allocation.create": _l("recorded an allocation"),
    "allocation.delete": _l("removed an allocation"),
    "payment.record": _l("recorded payments"),
}


OBJECT_LABELS = {
    "users": _l("Account"),
    "counties": _l("County"),
    "schools": _l("School"),
    "import": _l("Import"),
    "checklists": _l("Checklist"),
    "checklist_versions": _l("Checklist version"),
    "campaigns": _l("Campaign"),
    "teams": _l("Team"),
    "conflicts_of_interest": _l("Declared conflict"),
    "visits": _l("Visit"),
    "answers": _l("Answer"),
    "attachments": _l("File"),
    "findings": _l("Finding"),
    "rectifications": _l("Rectification"),
    "system": _l("System"),
    "roster_runs": _l("Roster check"),
    "roster_header_mappings": _l("Roster columns"),
    "funding_standards": _l("Funding standard"),
    "fund_allocations": _l("Allocation"),
    "fund_payments": _l("Payments"),
}


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
