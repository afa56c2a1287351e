"""The notifications package's receivers: tell people what others did (see core/signals.py)."""

from __future__ import annotations

import typing as t

from ..auth.models import Role
from ..core import signals
from ..findings.models import FindingComment
from ..findings.models import FindingStatus
from . import services

if t.TYPE_CHECKING:
    from ..auth.models import User

# A notification quotes this much of a comment.
EXCERPT = 80


def _comment_posted(comment: FindingComment, *, actor: User, **_: t.Any) -> None:
    """A comment from the school goes to the supervisors in scope; one from a supervisor to the school."""
    finding = comment.finding
    if actor.role == Role.SCHOOL:
        readers = services.supervisors_for(finding.school)
    elif finding.status == FindingStatus.CONFIRMED:
        readers = services.school_contacts(finding.school_id)
    else:
        return
    excerpt = comment.body if len(comment.body) <= EXCERPT else comment.body[:EXCERPT] + "…"
    services.notify(readers, "finding.comment", rect=finding.rectification, exclude=actor,
                    params={"reference": finding.reference, "school": finding.school.name,
                            "author": actor.display_name or actor.username, "note": excerpt})


def connect_signals() -> None:
    signals.finding_commented.connect(_comment_posted)
