"""Signals: how a floor tells, or asks, the floors above it without importing them.

Each signal is a module-level name; the text under it says who sends it, with what, and, when the sender
collects answers (blinker's ``send`` returns every receiver's value), what a receiver returns.
Receivers connect in their own package, from a ``connect_signals()`` that the app factory calls.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

campaign_figures = _signals.signal("campaign-figures")
"""Sent by ``campaigns.lifecycle.campaign_rows`` with ``campaign_ids`` and ``viewer`` (a user whose schools
the figures cover, or None for all). A receiver returns ``(name, {campaign_id: number})``: ``findings``
(confirmed findings) comes from ``findings.stats``."""

visit_figures = _signals.signal("visit-figures")
"""Sent by ``campaigns.progress.visit_figures`` with the campaign as sender and ``visits`` (one page of its
visits). A receiver returns ``(name, {visit_id: value})``: ``scores`` comes from ``visits.figures``,
``problems`` (findings not dismissed) from ``findings.stats``."""

open_problem_schools = _signals.signal("open-problem-schools")
"""Sent by ``campaigns.sample_draw.open_problem_school_ids`` with the campaign being sampled as sender.
A receiver returns the ids of the schools in the campaign's county (all, for a city-wide campaign) with a
confirmed problem from another campaign not yet closed (销号): ``rectification.stats`` answers."""
