"""Events that cross features, as blinker signals: the sender never imports the receivers.

Each signal names who sends it and with what; the features that care connect a receiver in their
own package (``connect_signals``), which the app factory calls.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A background task failed on its last try. Sent by ``core.tasks`` with the task's name as sender
#: and ``args`` (list) and ``error`` (text); the audit log records it for the administrators.
task_failed = _signals.signal("task-failed")
