"""Plan inspection campaigns: the service names, gathered from the modules that do each part of the work.

:mod:`.lifecycle` creates, edits, starts and closes campaigns and picks their schools; :mod:`.conflicts`
says who may inspect which school; :mod:`.teams` forms the teams and assigns visits by hand;
:mod:`.sample_draw` draws the schools; :mod:`.auto_plan` plans teams and days at one go; :mod:`.progress`
follows the visits; :mod:`.exports` writes the plan as documents.
"""

from __future__ import annotations

from .auto_plan import PlannedTeam as PlannedTeam
from .auto_plan import PlanResult as PlanResult
from .auto_plan import auto_assign as auto_assign
from .auto_plan import county_centres as county_centres
from .conflicts import CONFLICT_FIELDS as CONFLICT_FIELDS
from .conflicts import REASON_MAX as REASON_MAX
from .conflicts import ConflictMap as ConflictMap
from .conflicts import assignment_problem as assignment_problem
from .conflicts import conflict_counts as conflict_counts
from .conflicts import conflict_query as conflict_query
from .conflicts import declare_conflict as declare_conflict
from .conflicts import declared_conflicts as declared_conflicts
from .conflicts import eligible_inspectors as eligible_inspectors
from .conflicts import inspector_query as inspector_query
from .conflicts import school_by_code as school_by_code
from .conflicts import team_problems as team_problems
from .conflicts import withdraw_conflict as withdraw_conflict
from .exports import DOCX_MIME as DOCX_MIME
from .exports import VISIT_STATUS_ZH as VISIT_STATUS_ZH
from .exports import plan_notice as plan_notice
from .exports import plan_workbook as plan_workbook
from .lifecycle import CAMPAIGN_FIELDS as CAMPAIGN_FIELDS
from .lifecycle import CODE_RE as CODE_RE
from .lifecycle import DAY_FORMATS as DAY_FORMATS
from .lifecycle import DAYS_OFF_RANGE as DAYS_OFF_RANGE
from .lifecycle import DAYS_OFF_SPLIT as DAYS_OFF_SPLIT
from .lifecycle import EDITABLE_FIELDS as EDITABLE_FIELDS
from .lifecycle import MAX_DAYS_OFF_RUN as MAX_DAYS_OFF_RUN
from .lifecycle import MAX_PER_DAY as MAX_PER_DAY
from .lifecycle import CampaignRow as CampaignRow
from .lifecycle import add_schools as add_schools
from .lifecycle import addable_schools as addable_schools
from .lifecycle import campaign_figures as campaign_figures
from .lifecycle import campaign_query as campaign_query
from .lifecycle import campaign_rows as campaign_rows
from .lifecycle import check_per_day as check_per_day
from .lifecycle import close_campaign as close_campaign
from .lifecycle import create_campaign as create_campaign
from .lifecycle import find_campaign as find_campaign
from .lifecycle import format_days_off as format_days_off
from .lifecycle import parse_days_off as parse_days_off
from .lifecycle import pick_schools as pick_schools
from .lifecycle import remove_visit as remove_visit
from .lifecycle import require_open as require_open
from .lifecycle import start_campaign as start_campaign
from .lifecycle import update_campaign as update_campaign
from .lifecycle import visit_query as visit_query
from .progress import BOARD_STATE_OF as BOARD_STATE_OF
from .progress import BOARD_STATES as BOARD_STATES
from .progress import Board as Board
from .progress import BoardRow as BoardRow
from .progress import plan_visits as plan_visits
from .progress import progress_board as progress_board
from .progress import schedule_teams as schedule_teams
from .progress import visit_figures as visit_figures
from .sample_draw import LEVEL_ORDER as LEVEL_ORDER
from .sample_draw import SampleRequest as SampleRequest
from .sample_draw import SampleResult as SampleResult
from .sample_draw import StratumRow as StratumRow
from .sample_draw import apply_sample as apply_sample
from .sample_draw import draw_sample as draw_sample
from .sample_draw import new_seed as new_seed
from .sample_draw import open_problem_school_ids as open_problem_school_ids
from .teams import TEAM_NAME_MAX as TEAM_NAME_MAX
from .teams import TeamRow as TeamRow
from .teams import assign_inspector as assign_inspector
from .teams import assign_team as assign_team
from .teams import check_date as check_date
from .teams import check_team as check_team
from .teams import count_without_team as count_without_team
from .teams import day_problems as day_problems
from .teams import delete_team as delete_team
from .teams import drop_members as drop_members
from .teams import members_of as members_of
from .teams import record_visit_team as record_visit_team
from .teams import save_team as save_team
from .teams import selected_visits as selected_visits
from .teams import set_planned_date as set_planned_date
from .teams import sync_inspectors as sync_inspectors
from .teams import team_rows as team_rows
from .teams import team_snapshot as team_snapshot
from .teams import unassign_inspector as unassign_inspector
from .teams import visit_team_state as visit_team_state
from .teams import write_team as write_team
