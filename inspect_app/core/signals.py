"""Events and questions that cross floors, as blinker signals: the sender never imports the receivers.

Each signal names who sends it and with what; the features that care connect a receiver in their
own package (``connect_signals``), which the app factory calls. When the sender collects answers
(blinker's ``send`` returns every receiver's value), the signal also says what a receiver returns.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A background task failed on its last try. Sent by ``core.tasks`` with the task's name as sender
#: and ``args`` (list) and ``error`` (text); the audit log records it for the administrators.
task_failed = _signals.signal("task-failed")

#: Sent by ``campaigns.lifecycle.campaign_rows`` with ``campaign_ids`` and ``viewer`` (a user whose schools
#: the figures cover, or None for all). A receiver returns ``(name, {campaign_id: number})``: ``findings``
#: (confirmed findings) comes from ``findings.stats``.
campaign_figures = _signals.signal("campaign-figures")

#: Sent by ``campaigns.progress.visit_figures`` with the campaign as sender and ``visits`` (one page of its
#: visits). A receiver returns ``(name, {visit_id: value})``: ``scores`` comes from ``visits.figures``,
#: ``problems`` (findings not dismissed) from ``findings.stats``.
visit_figures = _signals.signal("visit-figures")

#: Sent by ``campaigns.sample_draw.open_problem_school_ids`` with the campaign being sampled as sender.
#: A receiver returns the ids of the schools in the campaign's county (all, for a city-wide campaign) with
#: a confirmed problem from another campaign not yet closed (销号): ``rectification.stats`` answers.
open_problem_schools = _signals.signal("open-problem-schools")
