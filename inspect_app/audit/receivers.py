"""What the audit log records of events sent by other features."""

from __future__ import annotations

import typing as t

from ..core import signals
from . import services


def record_failed_task(name: str, *, args: list[t.Any], error: str) -> None:
    """A task that failed on its last try goes into the log, where the administrators see it."""
    services.record(None, "task.failed", object_type="task", after={"task": name, "args": args}, note=error)


def connect_signals() -> None:
    signals.task_failed.connect(record_failed_task)
