"""The requests of the tablets, each answered once: idempotency keys, stored answers, the visit's lock.

A batch is claimed by inserting its ``sync_requests`` row, unique per user and ``Idempotency-Key``;
a request sent again finds the row and gets the stored answer. A write reads its visit once: a batch
and a submission under the visit's row lock (:func:`visit_to_write`). Also here: reading the values the
tablets send (UUIDs, times, numbers).
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from ..core.database import insert_or_skip
from ..core.database import transaction_info
from ..core.inputs import MAX_ID
from ..db import utcnow
from ..errors import InvalidTransition
from ..errors import ServiceError
from ..errors import ValidationFailed
from ..extensions import db
from ..visits.models import Visit
from ..visits.services import UUID_RE
from .models import SyncKind
from .models import SyncRequest

if t.TYPE_CHECKING:
    from ..auth.models import User


class IdempotencyKeyReused(ServiceError):
    """The same Idempotency-Key came with another request body."""

    status_code = 422


@dataclass(frozen=True)
class Client:
    """Who sent a request and from where: the device's id, its user agent, token or session."""

    client_id: str | None = None
    user_agent: str | None = None
    via_token: bool = False


@dataclass
class Outcome:
    """An answer to give: the HTTP status and the JSON body."""

    status: int
    body: dict[str, t.Any]
    replayed: bool = False


def body_hash(data: t.Any) -> str:
    """SHA-256 of a JSON body in canonical form (sorted keys, no spaces)."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_uuid(value: t.Any, what: str) -> str:
    """A UUID the client sent, lower-cased, or a refusal naming ``what`` it was for."""
    text = str(value or "").strip().lower()
    if not UUID_RE.fullmatch(text):
        raise ValidationFailed(_("%(what)s “%(value)s” is not a UUID.", what=what, value=value))
    return text


def parse_time(value: t.Any, what: str) -> datetime | None:
    """An ISO 8601 time with its offset (a naive one is read as UTC), or None."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        # Years 1 and 9999 with an offset fall outside what a datetime holds once in UTC.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValidationFailed(_("%(what)s “%(value)s” is not a date and time.", what=what, value=value)) from exc


def parse_decimal(value: t.Any, what: str, *, limit: int | None = None) -> Decimal | None:
    """A finite number the client sent (as text or a number), or None; at most ``limit`` either side of 0."""
    if isinstance(value, bool):
        raise ValidationFailed(_("%(what)s “%(value)s” is not a number.", what=what, value=value))
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed(_("%(what)s “%(value)s” is not a number.", what=what, value=value)) from exc
    if not number.is_finite():
        raise ValidationFailed(_("%(what)s “%(value)s” is not a number.", what=what, value=value))
    if limit is not None and abs(number) > limit:
        raise ValidationFailed(_("%(what)s is at most %(n)s.", what=what, n=limit))
    return number


def parse_int(value: t.Any, what: str, *, low: int = 1, high: int = MAX_ID) -> int:
    """An integer the client sent, from ``low`` to ``high`` (by default an id an INTEGER column holds)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(_("%(what)s must be a whole number from %(low)d to %(high)d.", what=what, low=low,
                                 high=high))
    return value


def parse_text(value: t.Any, what: str, *, max_length: int) -> str | None:
    """Text the client sent (or None), at most ``max_length`` characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(_("%(what)s must be text.", what=what))
    if len(value) > max_length:
        raise ValidationFailed(_("%(what)s is longer than %(n)d characters.", what=what, n=max_length))
    return value


def stamp(at: datetime | None) -> str | None:
    """A time as the API writes it: ISO 8601 in UTC, with Z."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at else None


_LOCKED = "locked visits"


def _visit_query(*where: t.Any, lock: bool) -> sa.Select[Visit]:
    """The visit with what a write through the sync checks first (its inspectors, its campaign) and, with
    ``lock``, its row lock: FOR NO KEY UPDATE OF visits, so that batches on one visit run one after
    another (not FOR UPDATE: the sync_requests row a concurrent request inserts holds a key-share lock on
    the visit, its foreign key, which FOR UPDATE would wait for)."""
    query = sa.select(Visit).where(*where).options(orm.joinedload(Visit.assignments),
                                                    orm.joinedload(Visit.campaign, innerjoin=True))
    return query.with_for_update(of=Visit, key_share=True) if lock else query


def _locked(visit: Visit) -> Visit:
    if not db.session().in_nested_transaction():  # a lock taken in a savepoint ends with it if it rolls back
        transaction_info(db.session()).setdefault(_LOCKED, set()).add(visit.id)
    return visit


def visit_to_write(key: str, *, lock: bool = False) -> Visit | None:
    """The visit whose UUID is ``key``, read once with what its writes check and, with ``lock``, locked as
    :func:`lock_visit` locks it: a batch or a submission reads its visit once, already under the lock."""
    visit = db.session.scalars(_visit_query(Visit.uuid == key.lower(), lock=lock)
                               .execution_options(populate_existing=lock)).unique().one_or_none()
    return _locked(visit) if visit is not None and lock else visit


def lock_visit(visit: Visit) -> Visit:
    """Take the visit's row lock (PostgreSQL) and reread it, unless this transaction holds it already (then
    the visit was read under it): batches on one visit run one after another."""
    if visit.id in transaction_info(db.session()).get(_LOCKED, ()):
        return visit
    return _locked(db.session.scalars(_visit_query(Visit.id == visit.id, lock=True)
                                      .execution_options(populate_existing=True)).unique().one())


def record_request(visit: Visit, kind: SyncKind, *, actor: User, client: Client, request_hash: str) -> int:
    """Insert the row that records a request (and, once answered, its answer); its id."""
    return t.cast(int, db.session.execute(
        sa.insert(SyncRequest).values(**_request_row(visit, kind, actor, client, request_hash))
        .returning(SyncRequest.id)).scalar_one())


def _request_row(visit: Visit, kind: SyncKind, actor: User, client: Client, request_hash: str) -> dict[str, t.Any]:
    return {"visit_id": visit.id, "user_id": actor.id, "kind": kind, "request_hash": request_hash,
            "client_id": (client.client_id or "")[:64] or None, "user_agent": (client.user_agent or "")[:256] or None,
            "via_token": client.via_token, "status_code": 0, "response": {}}


def claim(visit: Visit, kind: SyncKind, *, key: str, request_hash: str, actor: User,
          client: Client) -> int | Outcome:
    """Insert the request's row under its key (its id), or return the stored answer of the request that holds it.

    The unique key decides, in one statement: a request sent again finds the first one's row; of two sent at the
    same moment, the second's insert waits for the first's and, once that is committed, inserts nothing.
    """
    inserted = db.session.execute(
        insert_or_skip(SyncRequest, ["user_id", "idempotency_key"])
        .values(**_request_row(visit, kind, actor, client, request_hash), idempotency_key=key)
        .returning(SyncRequest.id)).scalar()
    if inserted is not None:
        return t.cast(int, inserted)
    earlier = _earlier(actor, key)
    if earlier is None:  # pragma: no cover - the row that held the key is committed by now
        raise InvalidTransition(_("The request with this Idempotency-Key is still being processed."))
    if earlier.request_hash != request_hash or earlier.visit_id != visit.id or earlier.kind != kind:
        raise IdempotencyKeyReused(_("The Idempotency-Key “%(key)s” was used before for another request.", key=key))
    if earlier.status_code == 0:  # pragma: no cover - rows are committed with their answer
        raise InvalidTransition(_("The request with this Idempotency-Key is still being processed."))
    earlier.replays += 1
    earlier.last_replay_at = utcnow()
    return Outcome(earlier.status_code, earlier.response, replayed=True)


def _earlier(actor: User, key: str) -> SyncRequest | None:
    return db.session.scalar(sa.select(SyncRequest).where(SyncRequest.user_id == actor.id,
                                                          SyncRequest.idempotency_key == key))


def finish(row: int, outcome: Outcome, counts: dict[str, int] | None = None) -> Outcome:
    """Store the answer with the request's row (its id), for a replay to get it again."""
    db.session.execute(sa.update(SyncRequest).where(SyncRequest.id == row)
                       .values(status_code=outcome.status, response=outcome.body, counts=counts))
    return outcome
