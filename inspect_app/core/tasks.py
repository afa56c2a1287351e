"""The one task queue for background work: Huey, on Redis across hosts or on SQLite with no server.

``INSPECT_QUEUE_URL`` chooses the broker: ``redis://host:6379/0`` for several processes and hosts;
unset, an SQLite file in the instance folder (``queue.sqlite3``) for one machine. ``inspect-app
worker`` consumes it and runs the periodic tasks; ``inspect-app demo`` starts a consumer inside its
own process, so that the quick start needs no other program. With ``QUEUE_IMMEDIATE`` (tests,
scripts) a task runs in the caller's process as soon as the transaction that queued it commits.

A feature declares its tasks with :func:`task` and :func:`periodic_task`, and queues one with
``enqueue(fn, *args)``, which sends it only when the current database transaction commits — a
worker never looks for a row that is not there yet, and a rolled-back request queues nothing.
Every task runs in an application context and must be idempotent: a task runs again when its
worker was stopped under it (interrupted tasks are queued again on a graceful stop; a killed
worker's work is found again by the feature's own recovery task). A task that keeps failing stops
after its tries; its last error goes to the ``task_failed`` signal, which the audit log records for
the administrators.
"""

from __future__ import annotations

import functools
import logging
import typing as t
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask import has_app_context
from huey import Huey
from huey import signals as huey_signals
from huey.api import Task
from huey.api import TaskWrapper
from huey.storage import RedisStorage
from huey.storage import SqliteStorage
from sqlalchemy import event
from sqlalchemy import orm

from ..db import LOCAL_TZ
from ..db import utcnow
from ..extensions import db
from . import signals

log = logging.getLogger(__name__)
P = t.ParamSpec("P")

# Declared at import time so that features can decorate their tasks; the broker is chosen by init_app.
huey = Huey("inspect-app", results=False, utc=True, immediate=True)
_app: Flask | None = None
_AFTER_COMMIT = "inspect_after_commit"
_WROTE = "inspect_wrote"


def task(*, retries: int = 3, retry_delay: int = 30) -> t.Callable[[t.Callable[P, None]], TaskWrapper]:
    """Declare a background task: run in an application context, retried ``retries`` times on error."""

    def decorator(fn: t.Callable[P, None]) -> TaskWrapper:
        return huey.task(retries=retries, retry_delay=retry_delay, name=_name(fn))(_in_app_context(fn))

    return decorator


def daily_from(setting: str) -> t.Callable[[datetime], bool]:
    """A schedule: every minute from the ``HH:MM`` (Asia/Shanghai) held by the app setting ``setting``
    to midnight; with ``once_per="%Y-%m-%d"`` the task runs at that time, or as soon after it as a
    worker is up."""

    def due(timestamp: datetime) -> bool:
        hour, minute = (int(part) for part in str(_setting(setting)).split(":"))
        local = timestamp.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
        return (local.hour, local.minute) >= (hour, minute)

    return due


def every_minutes(minutes: int) -> t.Callable[[datetime], bool]:
    """A schedule: every ``minutes`` minutes."""
    return lambda timestamp: (timestamp.hour * 60 + timestamp.minute) % minutes == 0


def periodic_task(schedule: t.Callable[[datetime], bool], *, once_per: str | None = None
                  ) -> t.Callable[[t.Callable[[], None]], TaskWrapper]:
    """Declare a task the workers' scheduler runs when ``schedule(utc_minute)`` holds.

    :param once_per: a ``strftime`` pattern on the Asia/Shanghai clock (``"%Y-%m-%d"``: once a day);
        however many workers and hosts schedule the task, only the first to claim the period's key
        in the broker runs it.
    """

    def decorator(fn: t.Callable[[], None]) -> TaskWrapper:
        name = _name(fn)

        @functools.wraps(fn)
        def run() -> None:
            if once_per is not None:
                period = utcnow().astimezone(LOCAL_TZ).strftime(once_per)
                if not huey.put_if_empty(f"once:{name}:{period}", "1"):
                    log.info("periodic task %s already ran for %s", name, period)
                    return
            fn()

        return huey.periodic_task(schedule, name=name)(_in_app_context(run))

    return decorator


def _setting(key: str) -> t.Any:
    app = _app if _app is not None else current_app
    return app.config[key]


def enqueue(fn: TaskWrapper, *args: t.Any) -> None:
    """Queue ``fn(*args)`` once the current transaction commits; at once when it has written nothing."""
    session = db.session()
    if not (session.info.get(_WROTE) or session.new or session.dirty or session.deleted):
        fn(*args)
        return
    pending: list[tuple[TaskWrapper, tuple[t.Any, ...]]] = session.info.setdefault(_AFTER_COMMIT, [])
    pending.append((fn, args))


@event.listens_for(orm.Session, "after_flush")
def _note_writes(session: orm.Session, flush_context: t.Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(orm.Session, "after_commit")
def _send_after_commit(session: orm.Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the tasks wait for the transaction itself to commit
    session.info.pop(_WROTE, None)
    for fn, args in session.info.pop(_AFTER_COMMIT, []):
        fn(*args)


@event.listens_for(orm.Session, "after_rollback")
def _drop_after_rollback(session: orm.Session) -> None:
    if session.in_nested_transaction():
        # A savepoint rolled back: the tasks queued before it still go; one whose row went with the
        # savepoint finds nothing to do, as every task must.
        return
    session.info.pop(_WROTE, None)
    session.info.pop(_AFTER_COMMIT, None)


def _name(fn: t.Callable[..., t.Any]) -> str:
    return f"{fn.__module__.removeprefix('inspect_app.')}.{fn.__name__}"


def _in_app_context(fn: t.Callable[P, None]) -> t.Callable[P, None]:
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        app = _app if _app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
        with app.app_context():
            try:
                fn(*args, **kwargs)
            finally:
                db.session.remove()

    return run


def broker_for(app: Flask) -> tuple[type, dict[str, t.Any]]:
    """The storage class and its arguments for the app's ``QUEUE_URL``."""
    url = app.config["QUEUE_URL"]
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStorage, {"url": url}
    if url:
        raise ValueError(f"INSPECT_QUEUE_URL must be a redis:// URL or empty, not {url!r}")
    path = Path(app.instance_path) / "queue.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage, {"filename": str(path)}


def configure(app: Flask) -> None:
    """Point the queue at the app's broker (or run tasks in-process with QUEUE_IMMEDIATE)."""
    global _app
    _app = app
    storage_class, kwargs = broker_for(app)
    huey.storage_class = storage_class
    huey.storage_kwargs = kwargs
    if app.config["QUEUE_IMMEDIATE"]:
        huey.immediate = True
    else:
        huey._immediate = False
        huey.storage = huey.create_storage()


def queue_check() -> str | None:
    """None when the broker answers (for ``/readyz``)."""
    if huey.immediate:
        return None
    try:
        huey.pending_count()
    except Exception as err:  # noqa: BLE001 - any broker failure means "not ready", with its name
        return f"task queue unreachable: {type(err).__name__}"
    return None


@huey.signal(huey_signals.SIGNAL_ERROR)
def _failed(signal: str, task_: Task, exc: BaseException | None = None) -> None:
    if task_.retries > 0:
        return
    error = f"{type(exc).__name__}: {exc}" if exc is not None else "failed"
    log.error("task %s%r failed after its tries: %s", task_.name, task_.args, error)
    if not has_app_context() and _app is not None:
        with _app.app_context():
            _record_failure(task_, error)
    else:
        _record_failure(task_, error)


def _record_failure(task_: Task, error: str) -> None:
    try:
        signals.task_failed.send(task_.name, args=list(task_.args), error=error[:1000])
        db.session.commit()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.exception("could not record the failure of task %s", task_.name)


@huey.signal(huey_signals.SIGNAL_INTERRUPTED)
def _requeue_interrupted(signal: str, task_: Task, exc: BaseException | None = None) -> None:
    # The worker is stopping with this task under way: send it again so that another worker runs it.
    log.warning("task %s interrupted by shutdown; queued again", task_.name)
    huey.enqueue(task_)


def init_app(app: Flask) -> None:
    configure(app)
