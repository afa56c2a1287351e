"""Events and questions that cross floors, as blinker signals: the sender never imports the receivers.

Each signal names who sends it and with what; the features that care connect a receiver in their
own package (``connect_signals``), which the app factory calls. When the sender collects answers
(blinker's ``send`` returns every receiver's value), the signal also says what a receiver returns.
Signals whose receivers answer are read with :func:`values_from`, as Indico's ``values_from_signal``.
"""

from __future__ import annotations

import typing as t

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

#: Sent by ``visits.services.submit_visit`` with the visit, once its answers are final, and ``actor``,
#: ``state`` (the evaluated form), ``answers`` (by item and entry). A receiver returns the findings it
#: raised (a list): ``findings.receivers`` raises them, and ``submit_visit`` returns them.
visit_submitted = _signals.signal("visit-submitted")

#: Sent by ``visits.services.approve_visit`` with the visit, before it is approved, and ``actor``.
#: A receiver refuses the approval by raising ``InvalidTransition`` (findings still awaiting a decision).
visit_approving = _signals.signal("visit-approving")

#: Sent by ``visits.figures.waived_items`` when scoring, with no sender and ``visit_ids`` (a list).
#: A receiver returns ``{visit_id: {(item_id, entry_id or None), ...}}``: failing answers judged not
#: to be a problem (a dismissed finding), which cost no points.
visit_waived_items = _signals.signal("visit-waived-items")

#: Sent by ``findings.services.confirm_finding`` with the finding just confirmed, ``actor`` and
#: ``due_on`` (the deadline set): ``rectification.receivers`` opens its task and tells the school.
finding_confirmed = _signals.signal("finding-confirmed")

#: Sent by ``findings.comments.add_comment`` with the new ``FindingComment`` as sender and ``actor``
#: (its author): ``notifications.receivers`` tells the other side of the conversation.
finding_commented = _signals.signal("finding-commented")

#: Sent by ``audit.sentences.object_names`` with an object type (a table name, such as ``findings``) as
#: sender and ``ids`` (a list). A receiver connected for that type returns ``{id: name}``: what people call
#: those objects (``华州第一小学 W1-0001``, a campaign's name). ``findings``, ``rectification`` and
#: ``campaigns`` answer for their own tables.
audit_object_names = _signals.signal("audit-object-names")

#: Sent by a page template through ``core.panels.panels(page, **context)``, the page's name as sender.
#: A receiver connected for that page returns the HTML of its panel (see ``core/panels.py``). The dashboard
#: (``dashboard.index``, with ``viewer``) has no panel added at present: its 两率一度 panel asks
#: :data:`aid_precision` for the roster checks' figures.
page_panels = _signals.signal("page-panels")

#: 资助精准率 and 漏助率 asked by the overview's 两率一度 panel and by the reports, which must not import the
#: roster checks: sent with the asking page or report's name as sender, ``term`` (a campaign's 学期 as
#: written, such as ``2023春``; None for the newest semester with a finished check) and ``counties``
#: (a frozenset of county ids: a region's schools only; None for all). ``rosters.receivers`` returns None
#: when the semester has no finished check, else a dict: ``semester`` (its text, 2023年春季学期), ``url``
#: (the precision page), ``counties`` (a list of ``{county_id, name, counts}``, county_id None and name
#: empty for schools not in the school list) and ``total`` (the counts of all of them), where counts are
#: ``{paid, precise, precision_rate, entitled, uncovered, missed_rate}`` (rates as percentages with one
#: decimal, None when not computed) or None when no school of the area has counts. ``url`` is None outside a request.
aid_precision = _signals.signal("aid-precision")

#: A campaign's figures by region, asked by the 全省学生资助交叉检查情况通报 (``reports``), which must not import
#: the dashboard: sent with the report's name as sender, ``campaign`` and ``examples`` (typical problems kept per
#: checklist section). ``dashboard.regions`` answers with a ``RegionBoard`` — a province campaign's cities, a city
#: campaign's counties, each with its visits, problems by severity and section, rectifications closed and
#: overdue and the 两率一度 where measured — or None for a county's campaign, which has no regions to compare.
region_figures = _signals.signal("region-figures")


#: The roster checks a survey round's telephone sample may be drawn from, asked by ``surveys.interviews`` (which
#: must not import the roster checks): sent with the round's campaign as sender and ``viewer`` (the supervisor
#: drawing). ``rosters.receivers`` returns a list of ``(run_id, label)``: the finished checks the viewer may see
#: whose roster file is still stored, newest first.
interview_frames = _signals.signal("interview-frames")

#: The people a survey round's telephone sample is drawn from (抽样框): sent by ``surveys.interviews.draw_sample``
#: with the round's campaign as sender, ``run_id`` (a check from :data:`interview_frames`), ``schools`` (``{school_id:
#: (code, name)}``, the round's schools) and ``viewer``. ``rosters.receivers`` returns a dict, or raises
#: ``ValidationFailed`` when the check cannot serve (not done, not the viewer's, its files deleted): ``source``
#: (the check: ``run``, ``title``, ``semester``, ``files`` — each ``{kind, name, sha256, rows}``) and ``people``, a
#: list of ``{school_id, level, recipient, key, name, id_number, grade, phone}`` — the recipients from the roster
#: file, the non-recipients from the check's enrolment list (学籍名单) when it has one.
interview_frame = _signals.signal("interview-frame")


def values_from(results: t.Iterable[tuple[t.Any, t.Any]]) -> list[t.Any]:
    """The answers of a signal's receivers (what ``send`` returned), leaving out those that gave None."""
    return [value for _receiver, value in results if value is not None]
