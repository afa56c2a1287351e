"""What a supervisor sees of the sync: the requests received, and the flagged operations to acknowledge."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..audit import services as audit
from ..db import utcnow
from ..errors import InvalidTransition
from ..extensions import db
from ..visits.models import Visit
from .models import OpStatus
from .models import SyncOp
from .models import SyncRequest

if t.TYPE_CHECKING:
    from ..auth.models import User


def history(visit: Visit) -> list[SyncRequest]:
    """The sync requests received for a visit, latest first, with who sent them."""
    stmt = (sa.select(SyncRequest).where(SyncRequest.visit_id == visit.id)
            .options(orm.joinedload(SyncRequest.user)).order_by(SyncRequest.received_at.desc(), SyncRequest.id.desc()))
    return list(db.session.scalars(stmt))


def flagged_ops(visit: Visit) -> list[SyncOp]:
    """The parallel edits and refused operations of a visit, oldest first, acknowledged or not."""
    stmt = (sa.select(SyncOp).where(SyncOp.visit_id == visit.id,
                                    SyncOp.status.in_((OpStatus.CONFLICT, OpStatus.REFUSED)))
            .options(orm.joinedload(SyncOp.user), orm.joinedload(SyncOp.item), orm.joinedload(SyncOp.acknowledged_by))
            .order_by(SyncOp.id))
    return list(db.session.scalars(stmt))


def open_flags(visit_ids: t.Sequence[int]) -> dict[int, int]:
    """How many flagged operations await acknowledgement, by visit."""
    if not visit_ids:
        return {}
    stmt = (sa.select(SyncOp.visit_id, sa.func.count())
            .where(SyncOp.visit_id.in_(visit_ids), SyncOp.status.in_((OpStatus.CONFLICT, OpStatus.REFUSED)),
                   SyncOp.acknowledged_at.is_(None))
            .group_by(SyncOp.visit_id))
    return {visit_id: n for visit_id, n in db.session.execute(stmt)}


def acknowledge(op: SyncOp, *, actor: User) -> None:
    """A supervisor has looked at a parallel edit or a refused operation."""
    if not op.flagged:
        raise InvalidTransition(_("Only parallel edits and refused changes are acknowledged."))
    if op.acknowledged_at is not None:
        return
    op.acknowledged_at, op.acknowledged_by_id = utcnow(), actor.id
    visit = db.session.get(Visit, op.visit_id)
    assert visit is not None
    audit.record(actor, "sync.acknowledge", visit, after={"op": op.op_id, "status": op.status,
                                                           "item": op.item.name if op.item else None})
