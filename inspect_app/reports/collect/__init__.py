"""Gather the figures for the reports. Every number a report prints comes from here.

One module per kind of data: :mod:`.investigation` (a campaign's 督导检查情况报告), :mod:`.school`
(one school's 整改通知书 and 整改情况报告), :mod:`.monthly` (the 月报), and :mod:`.common` (photo
rows, local dates). A finding's severity travels as its :class:`~inspect_app.checklists.models.Severity`;
only the document layer, :mod:`inspect_app.reports.docx`, writes it in Chinese.
"""

from __future__ import annotations

from .common import PhotoRow
from .common import evidence_photo_rows
from .common import finding_photos
from .common import local_date
from .investigation import InvestigationData
from .investigation import ProblemRow
from .investigation import SchoolProblems
from .investigation import ScoreRow
from .investigation import SectionCount
from .investigation import build_investigation_data
from .monthly import MonthlyData
from .monthly import OverdueRow
from .monthly import ProgressRow
from .monthly import build_monthly_data
from .monthly import month_bounds
from .provincial import ProvincialData
from .provincial import build_provincial_data
from .school import SchoolData
from .school import SchoolProblem
from .school import build_school_data

__all__ = [
    "InvestigationData",
    "MonthlyData",
    "OverdueRow",
    "PhotoRow",
    "ProblemRow",
    "ProgressRow",
    "ProvincialData",
    "SchoolData",
    "SchoolProblem",
    "SchoolProblems",
    "ScoreRow",
    "SectionCount",
    "build_investigation_data",
    "build_monthly_data",
    "build_provincial_data",
    "build_school_data",
    "evidence_photo_rows",
    "finding_photos",
    "local_date",
    "month_bounds",
]
