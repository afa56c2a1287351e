"""Sync from tablets: visits opened in the field and submitted, and the state a tablet continues from.

Every write is idempotent, and the database, not a check made beforehand, stops duplicates:

- a batch is claimed by inserting its ``sync_requests`` row, unique per user and
  ``Idempotency-Key``; a batch sent again finds the row and gets the stored answer;
- every operation is a ``sync_ops`` row with the client's unique ``op_id``;
- a photo or signature keeps the client's UUID (``attachments.uuid``, unique);
- a visit is opened once: ``started_at`` is set only where it is still empty.

Operations on one visit are applied one batch at a time (the visit row is locked), in the order
the server receives them, and never by the tablets' clocks. An answer sent on an older revision
than the current one, after someone else's write, still wins (last write wins) but is flagged as
a parallel edit with what it replaced, for a supervisor to acknowledge; nothing is dropped silently.

The work is split by what it does: ``requests`` (idempotency keys, stored answers, the visit's
lock, reading the values sent), ``state`` (what a tablet reads), ``ops`` (batches of operations),
``uploads`` (photos and signatures), ``review`` (the flags a supervisor acknowledges). This module
opens and submits visits and names the whole API, so that callers import one module.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import ValidationFailed
from ..extensions import db
from ..visits import services as visits
from ..visits.models import Visit
from .models import SyncKind
from .ops import MAX_ACCURACY_M as MAX_ACCURACY_M
from .ops import apply_batch as apply_batch
from .requests import Client as Client
from .requests import Outcome as Outcome
from .requests import body_hash
from .requests import claim
from .requests import finish
from .requests import lock_visit
from .requests import parse_decimal as parse_decimal
from .requests import parse_int as parse_int
from .requests import parse_text as parse_text
from .requests import parse_time as parse_time
from .requests import record_request
from .requests import stamp
from .requests import visit_to_write as visit_to_write
from .review import acknowledge as acknowledge
from .review import flagged_ops as flagged_ops
from .review import history as history
from .review import open_flags as open_flags
from .state import visit_record
from .state import visit_state as visit_state
from .uploads import MediaTarget as MediaTarget
from .uploads import put_media as put_media

if t.TYPE_CHECKING:
    from ..auth.models import User


# --- opening a visit in the field ---------------------------------------------------------------------------


def open_visit(visit: Visit, body: dict[str, t.Any], *, actor: User, client: Client) -> Outcome:
    """PUT /api/v1/visits/UUID: the tablet opened the visit at ``started_at``.

    201 the first time, 200 when the same record comes again, 409 (with the server's record) when
    the visit was opened at another time, or the tablet names another school or checklist.
    """
    started = parse_time(body.get("started_at"), "started_at")
    if started is None:
        raise ValidationFailed(_("Say when the visit was opened (started_at)."))
    wanted = {"school_id": body.get("school_id"), "checklist_version_id": body.get("checklist_version_id"),
              "started_at": stamp(started.replace(microsecond=0))}
    row = record_request(visit, SyncKind.OPEN, actor=actor, client=client, request_hash=body_hash(wanted))
    visit = lock_visit(visit)
    if visit.started_at is None:
        if (wanted["school_id"], wanted["checklist_version_id"]) == (visit.school_id, visit.checklist_version_id):
            visits.require_editable(visit)
            created = db.session.execute(
                sa.update(Visit).where(Visit.id == visit.id, Visit.started_at.is_(None))
                .values(started_at=started.replace(microsecond=0)))
            db.session.refresh(visit)
            if created.rowcount == 1:  # type: ignore[attr-defined]
                visits.mark_started(visit, actor)
                return finish(row, Outcome(201, visit_record(visit)))
    if visit_record(visit) == wanted:
        return finish(row, Outcome(200, visit_record(visit)))
    return finish(row, Outcome(409, {"error": _("The visit was opened with another record; this is the server's."),
                                      "current": visit_record(visit)}))


# --- submission --------------------------------------------------------------------------------------------


def submit(visit: Visit, *, key: str, actor: User, client: Client) -> Outcome:
    """POST /api/v1/visits/UUID/submit: submit once; the same key gets the same answer again.

    A visit already submitted answers 200 with its state (submitting is what the tablet wanted);
    one that cannot be submitted yet answers 422 with every item that needs attention.
    """
    claimed = claim(visit, SyncKind.SUBMIT, key=key, request_hash=body_hash({"submit": visit.uuid}), actor=actor,
                     client=client)
    if isinstance(claimed, Outcome):
        return claimed
    row = claimed
    visit = lock_visit(visit)
    if not visit.status.editable:
        return finish(row, Outcome(200, {"status": visit.status.value, "submitted_at": stamp(visit.submitted_at),
                                          "findings_raised": 0, "already": True}))
    try:
        with db.session.begin_nested():
            raised = visits.submit_visit(visit, actor=actor)
    except ValidationFailed as err:
        return finish(row, Outcome(422, {"error": err.message, "code": err.code, "details": err.details}))
    return finish(row, Outcome(201, {"status": visit.status.value, "submitted_at": stamp(visit.submitted_at),
                                      "findings_raised": len(raised), "already": False}))
