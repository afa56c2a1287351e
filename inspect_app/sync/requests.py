"""The requests of the tablets, each answered once: idempotency keys, stored answers, the visit's lock.

A batch is claimed by inserting its ``sync_requests`` row, unique per user and ``Idempotency-Key``;
a request sent again finds the row and gets the stored answer. Also here: reading the values the
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


def lock_visit(visit: Visit) -> Visit:
    """Take the visit's row lock (PostgreSQL) and reread it: batches on one visit run one after another.

    FOR NO KEY UPDATE: the request's own sync_requests row already holds a key-share lock on the
    visit (its foreign key), which a plain FOR UPDATE of a concurrent request would wait for.
    """
    return db.session.execute(
        sa.select(Visit).where(Visit.id == visit.id).with_for_update(key_share=True)
        .execution_options(populate_existing=True)).scalar_one()


def record_request(visit: Visit, kind: SyncKind, *, actor: User, client: Client, request_hash: str,
                   key: str | None = None) -> SyncRequest:
    """Add the row that records a request and, once answered, its answer."""
    row = SyncRequest(visit_id=visit.id, user_id=actor.id, kind=kind, idempotency_key=key, request_hash=request_hash,
                      client_id=(client.client_id or "")[:64] or None,
                      user_agent=(client.user_agent or "")[:256] or None,
                      via_token=client.via_token, status_code=0, response={})
    db.session.add(row)
    return row


def claim(visit: Visit, kind: SyncKind, *, key: str, request_hash: str, actor: User,
          client: Client) -> SyncRequest | Outcome:
    """Insert the request's row under its key, or return the stored answer of the request that holds it.

    The unique key decides: a request sent again finds the first one's row; of two sent at the same
    moment, the second waits for the first's insert and then finds its row.
    """
    earlier = _earlier(actor, key)
    if earlier is None:
        row = record_request(visit, kind, actor=actor, client=client, request_hash=request_hash, key=key)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            # Only reads came before in this request, so nothing else is lost with them.
            db.session.rollback()
            earlier = _earlier(actor, key)
            if earlier is None:  # pragma: no cover - the row that collided is committed by now
                raise
        else:
            return row
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


def finish(row: SyncRequest, outcome: Outcome, counts: dict[str, int] | None = None) -> Outcome:
    """Store the answer with the request's row, for a replay to get it again."""
    row.status_code, row.response, row.counts = outcome.status, outcome.body, counts
    db.session.flush()
    return outcome
