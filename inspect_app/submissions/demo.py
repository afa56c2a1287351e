"""Demo data for 报送: cities' 月报 sent on time, sent late, or not at all.

Called by whoever builds a demo province, with the cities and the finished 月报 jobs each has built (report
jobs of kind ``monthly`` whose campaigns are the city's own): a report goes up the day before its due date,
or three days after it for a late city, never after the demo's present; a missing city sends nothing.
"""

from __future__ import annotations

import typing as t
from collections.abc import Collection
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from datetime import time
from datetime import timedelta

from ..db import LOCAL_TZ
from ..db import frozen_time
from ..db import utcnow
from ..reports.models import ReportJob
from ..schools.models import City
from . import due
from . import services
from .models import Submission
from .models import SubmissionKind

if t.TYPE_CHECKING:
    from ..auth.models import User

LATE_BY = timedelta(days=3)


def add_demo_submissions(jobs: Mapping[City, Sequence[ReportJob]], *, late: Collection[int] = (),
                         missing: Collection[int] = (), actors: Mapping[int, User] | None = None
                         ) -> list[Submission]:
    """Send each city's 月报 jobs up: on time, late for the cities whose ids are in ``late``, and none for
    those in ``missing``; ``actors`` names the city supervisor who sends (by city id; else the system).
    Flushes; the caller commits."""
    now, made = utcnow(), []
    for city, city_jobs in jobs.items():
        if city.id in missing:
            continue
        for job in city_jobs:
            if job.kind != SubmissionKind.MONTHLY.value or not job.month:
                continue
            due_on = due.monthly_due_on(job.month)
            day = due_on + LATE_BY if city.id in late else due_on - timedelta(days=1)
            at = min(datetime.combine(day, time(10), tzinfo=LOCAL_TZ), now)
            with frozen_time(at):
                made.append(services.submit(city, SubmissionKind.MONTHLY, job.month, job,
                                            actor=(actors or {}).get(city.id)))
    return made
