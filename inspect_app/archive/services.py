"""Who may open a school's archive, which term, and whether it streams at once or is built in the background."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from ..audit import services as audit
from ..auth.models import User
from ..core.permissions import STAFF
from ..core.permissions import Viewer
from ..core.permissions import county_ok
from ..core.roles import Role
from ..db import local_today
from ..errors import ValidationFailed
from ..extensions import db
from ..funds.programmes import Semester
from ..funds.programmes import parse_semester
from ..schools.models import School
from ..schools.services import find_school as find_school
from . import jobs
from .collect import Archive
from .collect import school_terms
from .models import ArchiveJob


def can_view_archive(user: Viewer, school: School) -> bool:
    """The centres that oversee the school (within their county), and the school itself."""
    if user.role in STAFF:
        return county_ok(user, school.county_id)
    return user.role == Role.SCHOOL and user.school_id == school.id



def parse_term(text: str | None, school: School | None = None) -> Semester:
    """A term as written (2026秋, 2026年秋季学期); none given: the latest the school was inspected in, else this one."""
    if not text:
        terms = school_terms(school) if school is not None else []
        return terms[0] if terms else Semester.containing(local_today())
    term = parse_semester(text)
    if term is None:
        raise ValidationFailed(_("“%(term)s” is not a term: write it as 2026秋 or 2026年秋季学期.", term=text[:40]))
    return term


def streams_at_once(archive: Archive) -> bool:
    """Whether the archive is small enough to write while it downloads."""
    config = current_app.config
    return (len(archive.entries) <= config["ARCHIVE_INLINE_MAX_FILES"]
            and archive.stored_bytes <= config["ARCHIVE_INLINE_MAX_BYTES"])


def request_archive(school: School, term: Semester, *, actor: User) -> ArchiveJob:
    """Queue the archive to be built in the background for ``actor``."""
    job = ArchiveJob(school_id=school.id, term_key=term.key, requested_by_id=actor.id,
                     filename=Archive(school, term).filename)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "archive.requested", job, object_type="archive_jobs",
                 after={"school": school.code, "term": str(term)})
    jobs.queue(job)
    return job
