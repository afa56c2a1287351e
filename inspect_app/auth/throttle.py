"""Sign-in throttling: failures counted per account name and per client address, locks that grow.

After ``LOGIN_MAX_FAILURES`` failures for one account name (``LOGIN_ADDRESS_MAX_FAILURES`` for one
address) within ``LOGIN_WINDOW`` seconds, sign-in is locked for ``LOGIN_LOCK`` seconds; each further
lock in a row lasts twice as long, up to ``LOGIN_LOCK_MAX``. The counts live in the ``login_attempts``
table, so every application process enforces the same lock. Names that match no account are counted
like real ones, so the answers do not tell which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.database import insert_or_skip
from ..extensions import db
from .models import LoginAttempt

ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Limits:
    max_failures: int
    address_max_failures: int
    window: timedelta
    lock: timedelta
    lock_max: timedelta

    @classmethod
    def from_config(cls) -> Limits:
        config = current_app.config
        return cls(
            max_failures=int(config["LOGIN_MAX_FAILURES"]),
            address_max_failures=int(config["LOGIN_ADDRESS_MAX_FAILURES"]),
            window=timedelta(seconds=int(config["LOGIN_WINDOW"])),
            lock=timedelta(seconds=int(config["LOGIN_LOCK"])),
            lock_max=timedelta(seconds=int(config["LOGIN_LOCK_MAX"])),
        )


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, username.strip().lower()[:64])]
    if address:
        keys.append((ADDRESS, address[:64]))
    return keys


def _rows(username: str, address: str | None) -> list[LoginAttempt]:
    conditions = [sa.and_(LoginAttempt.scope == scope, LoginAttempt.key == key)
                  for scope, key in _keys(username, address)]
    return list(db.session.scalars(sa.select(LoginAttempt).where(sa.or_(*conditions))))


def locked_until(username: str, address: str | None, now: datetime) -> datetime | None:
    """When the lock on this account name or this address ends, if either is locked now."""
    ends = [row.locked_until for row in _rows(username, address)
            if row.locked_until is not None and row.locked_until > now]
    return max(ends) if ends else None


def _row(scope: str, key: str, now: datetime) -> LoginAttempt:
    query = sa.select(LoginAttempt).where(LoginAttempt.scope == scope, LoginAttempt.key == key)
    row = db.session.scalar(query)
    if row is not None:
        return row
    # Another process may count the first failure at the same moment: both count on one row.
    db.session.execute(insert_or_skip(LoginAttempt, ["scope", "key"]).values(
        scope=scope, key=key, failures=0, locks=0, window_started_at=now, updated_at=now))
    return db.session.scalars(query).one()


def note_failure(username: str, address: str | None, now: datetime) -> datetime | None:
    """Count a failed sign-in; answer when the lock ends if this failure earned one."""
    limits = Limits.from_config()
    lock_ends = None
    for scope, key in _keys(username, address):
        row = _row(scope, key, now)
        if now - row.window_started_at > limits.window:
            row.failures, row.window_started_at = 0, now
            if row.locked_until is None or now - row.locked_until > limits.lock_max:
                row.locks = 0
        row.failures += 1
        allowed = limits.max_failures if scope == ACCOUNT else limits.address_max_failures
        if row.failures >= allowed:
            row.locked_until = now + min(limits.lock * 2 ** min(row.locks, 20), limits.lock_max)
            row.locks += 1
            row.failures, row.window_started_at = 0, now
            lock_ends = max(lock_ends or row.locked_until, row.locked_until)
    db.session.flush()
    return lock_ends


def forget(username: str) -> None:
    """A successful sign-in clears the account name's count (the address keeps its own)."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.scope == ACCOUNT,
                                                     LoginAttempt.key == username.strip().lower()[:64]))
