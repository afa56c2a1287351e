"""The people a survey round's telephone sample is drawn from (抽样框), read from a finished roster check.

The recipients are the people of the check's roster file (发放花名册) in the check's semester; the
non-recipients are the students of its enrolment list (学籍名单) whom the roster does not list, matched
by resident ID number or student number. A check without an enrolment list gives recipients only: the
roster files are the only place the application holds students' names, and only for their retention
period (``purge_inputs``). Students whose enrolment status is not one of being at school (the roster
checks' ``ACTIVE_STATUSES``; a blank status counts as at school) are not in the frame. Each person is
given once per school, with 学段 as the file writes it (for a recipient without one, the 学段 of the
programme), and the guardian's phone when the file has a column for it.
"""

from __future__ import annotations

import typing as t

from flask_babel import gettext as _

from ..core import storage
from ..errors import ValidationFailed
from ..extensions import db
from ..funds.programmes import Programme
from ..funds.programmes import Semester
from ..funds.programmes import fold
from . import permissions
from . import services
from .checks import ACTIVE_STATUSES
from .fields import InputKind
from .ids import normalise
from .models import ReconciliationRun
from .models import RunInput
from .models import RunStatus
from .readers import Table
from .readers import read_table

if t.TYPE_CHECKING:
    from ..auth.models import User

def _stored(item: RunInput | None) -> bool:
    return item is not None and bool(item.path) and storage.area("uploads").exists(item.path)


def _input(run: ReconciliationRun, kind: InputKind) -> RunInput | None:
    return next((i for i in run.inputs if i.kind == kind), None)


def usable_runs(viewer: User) -> list[tuple[int, str]]:
    """Finished checks ``viewer`` may see whose roster file is still stored, newest first, with their labels."""
    stmt = permissions.run_query(viewer).where(ReconciliationRun.status == RunStatus.DONE)
    out = []
    for run in db.session.scalars(stmt).unique():
        if not _stored(_input(run, InputKind.ROSTER)):
            continue
        with_list = _stored(_input(run, InputKind.ENROLMENT))
        out.append((run.id, _("%(title)s · %(term)s · #%(id)d", title=run.title, term=run.semester, id=run.id)
                    + ("" if with_list else " · " + _("no enrolment list: recipients only"))))
    return out


def _read(item: RunInput) -> Table:
    data = storage.read("uploads", item.path)
    return read_table(data, filename=item.original_name, kind=item.kind,
                      max_bytes=max(services.max_file_bytes(), len(data)), max_rows=services.MAX_ROWS,
                      remembered=services.remembered_mappings(item.kind), mapping=item.mapping or None)


def _text(record: t.Any, field: str) -> str:
    value = getattr(record, field, "")
    return str(value).strip() if isinstance(value, str) else ""


def _person(record: t.Any, school_id: int, *, recipient: bool) -> dict[str, t.Any]:
    id_number = normalise(_text(record, "id_number")).upper()
    student_no = _text(record, "student_no")
    level = _text(record, "level")
    programme = getattr(record, "programme", None)
    if not level and isinstance(programme, Programme):
        level = programme.level_zh
    key = f"id:{id_number}" if id_number else f"no:{student_no}" if student_no else f"name:{_text(record, 'name')}"
    return {"school_id": school_id, "level": level, "recipient": recipient, "key": key,
            "name": _text(record, "name"), "id_number": id_number, "student_no": student_no,
            "grade": _text(record, "grade"), "phone": _text(record, "guardian_phone")}


def frame(run_id: int, schools: dict[int, tuple[str, str]], viewer: User) -> dict[str, t.Any]:
    """The check's people at ``schools`` ({id: (code, name)}): see the module's docstring."""
    run = db.session.get(ReconciliationRun, run_id)
    if run is None or not permissions.can_view_run(viewer, run) or run.status != RunStatus.DONE:
        raise ValidationFailed(_("Choose a finished roster check."))
    roster, enrolment = _input(run, InputKind.ROSTER), _input(run, InputKind.ENROLMENT)
    if roster is None or not _stored(roster):
        raise ValidationFailed(_("The roster file of the check “%(title)s” is no longer stored (roster files are "
                                 "deleted after their retention period). Check the roster again to draw from it.",
                                 title=run.title))
    used = [item for item in (roster, enrolment) if item is not None and _stored(item)]
    by_code = {code: school_id for school_id, (code, _name) in schools.items()}
    by_name = {fold(name): school_id for school_id, (_code, name) in schools.items()}

    def school_of(record: t.Any) -> int | None:
        code = fold(_text(record, "school_code"))
        return by_code.get(code) if code else by_name.get(fold(_text(record, "school")))

    semester = Semester.from_key(run.semester_key)
    people: dict[tuple[int, str], dict[str, t.Any]] = {}
    known: set[tuple[int, str]] = set()  # (school, id:… / no:…) of every recipient
    for record in _read(roster).frame.itertuples(index=False):
        row_semester = getattr(record, "semester", None)
        school_id = school_of(record)
        if school_id is None or (isinstance(row_semester, Semester) and row_semester != semester):
            continue
        person = _person(record, school_id, recipient=True)
        people.setdefault((school_id, person["key"]), person)
        known.update((school_id, k) for k in (f"id:{person['id_number']}", f"no:{person['student_no']}")
                     if not k.endswith(":"))
    if enrolment is not None and _stored(enrolment):
        for record in _read(enrolment).frame.itertuples(index=False):
            school_id = school_of(record)
            status = fold(_text(record, "status"))
            if school_id is None or (status and status not in ACTIVE_STATUSES):
                continue
            person = _person(record, school_id, recipient=False)
            keys = {f"id:{person['id_number']}", f"no:{person['student_no']}"}
            if any((school_id, k) in known for k in keys) or not (person["id_number"] or person["student_no"]):
                continue
            people.setdefault((school_id, person["key"]), person)
    return {
        "source": {"run": run.id, "title": run.title, "semester": run.semester,
                   "files": [{"kind": item.kind.value, "name": item.original_name, "sha256": item.sha256,
                              "rows": item.rows} for item in used]},
        "people": list(people.values()),
    }
