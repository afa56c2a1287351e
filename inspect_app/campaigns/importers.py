"""Import inspectors, a campaign's teams and declared conflicts from .xlsx: every row checked, then all or nothing.

Like the school import: the first sheet is read as text, every row is validated and every problem
is reported with its row and column; only a file without problems changes anything.
"""

from __future__ import annotations

import hashlib
import re
import typing as t
from collections import defaultdict

import pandas as pd
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..audit import services as audit
from ..auth import services as auth_services
from ..auth.models import Role
from ..auth.models import User
from ..core.spreadsheets import ImportResult
from ..core.spreadsheets import cell_error
from ..core.spreadsheets import read_xlsx_table
from ..core.spreadsheets import write_xlsx
from ..errors import ValidationFailed
from ..extensions import db
from ..schools.models import County
from ..schools.models import School
from . import conflicts
from . import teams
from .lifecycle import require_open
from .models import Campaign
from .models import ConflictOfInterest
from .models import Team

MAX_ROWS = 5_000
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")
CITY_LEVEL = ("市直", "市级", "")
LEADER, MEMBER = "组长", "成员"

INSPECTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("账号", "username"),
    "name": ("姓名", "name"),
    "county": ("所属区县", "county"),
    "phone": ("联系电话", "phone"),
    "password": ("初始密码", "password"),
}
TEAM_COLUMNS: dict[str, tuple[str, ...]] = {
    "team": ("检查组", "team"),
    "role": ("角色", "role"),
    "username": ("账号", "username"),
    "name": ("姓名", "name"),
}
CONFLICT_COLUMNS: dict[str, tuple[str, ...]] = {
    "username": ("检查员账号", "username"),
    "school": ("学校标识码", "school"),
    "reason": ("回避原因", "reason"),
}


class _Sheet:
    """The rows of an uploaded sheet, with the header each known column was found under."""

    def __init__(self, data: bytes, filename: str, columns: dict[str, tuple[str, ...]],
                 required: t.Sequence[str]) -> None:
        frame = read_xlsx_table(data, filename=filename, max_bytes=current_app.config["MAX_SPREADSHEET_BYTES"],
                                max_rows=MAX_ROWS)
        self.header: dict[str, str] = {}
        for key, names in columns.items():
            for name in names:
                if name in frame.columns:
                    self.header[key] = name
                    break
        missing = [columns[k][0] for k in required if k not in self.header]
        if missing:
            raise ValidationFailed(
                _("File “%(file)s” lacks the column(s) %(cols)s. Download the template to see the expected layout.",
                  file=filename, cols="、".join(missing)))
        if frame.empty:
            raise ValidationFailed(_("File “%(file)s” has no data rows.", file=filename))
        self.columns = columns
        self.records = frame.to_dict("records")

    def rows(self) -> t.Iterator[tuple[int, dict[str, str]]]:
        """(row number as Excel shows it, {column key: text}) for every row that is not blank."""
        for index, record in enumerate(self.records):
            values = {key: str(record.get(name, "")) for key, name in self.header.items()}
            if any(values.values()):
                yield index + 2, values

    def col(self, key: str) -> str:
        return self.header.get(key, self.columns[key][0])


def _refuse(filename: str, errors: list[str]) -> t.NoReturn:
    raise ValidationFailed(
        _("File “%(file)s” was not imported: %(n)d problem(s) found. Nothing was changed.", file=filename,
          n=len(errors)),
        details=errors,
    )


def _record_import(actor: User | None, action: str, filename: str, data: bytes, result: ImportResult,
                   campaign_id: int | None = None) -> None:
    audit.record(actor, action, object_type="import", campaign_id=campaign_id,
                 after={"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "created": result.created,
                        "updated": result.updated, "unchanged": result.unchanged})


# ---------------------------------------------------------------------------------------------------------
# Inspectors


def _inspector_row(row: int, values: dict[str, str], sheet: _Sheet, counties: dict[str, County],
                   existing: dict[str, User], first_row: dict[str, int], errors: list[str]) -> dict[str, t.Any]:
    """One row of the inspector sheet, checked: its problems go to ``errors``."""
    username = values.get("username", "")
    if not auth_services.USERNAME_RE.match(username):
        errors.append(cell_error(row, sheet.col("username"),
                                    _("a user name has 3–64 letters, digits, dots, dashes or underscores, "
                                      "not “%(v)s”", v=username)))
    elif username in first_row:
        errors.append(cell_error(row, sheet.col("username"), _("%(v)s already appears in row %(r)d",
                                                                  v=username, r=first_row[username])))
    else:
        first_row[username] = row
    user = existing.get(username)
    if user is not None and user.role != Role.INSPECTOR:
        errors.append(cell_error(row, sheet.col("username"),
                                    _("the account %(v)s exists with the role %(role)s", v=username,
                                      role=user.role.label)))
    name = values.get("name", "")
    if not name:
        errors.append(cell_error(row, sheet.col("name"), _("the name is empty")))
    elif len(name) > 64:
        errors.append(cell_error(row, sheet.col("name"), _("longer than %(n)d characters", n=64)))
    county_name = values.get("county", "")
    county = counties.get(county_name)
    if county is None and county_name not in CITY_LEVEL:
        errors.append(cell_error(row, sheet.col("county"),
                                    _("unknown county “%(v)s” (known: %(known)s)", v=county_name,
                                      known="、".join(counties))))
    phone = values.get("phone", "")
    if phone and not PHONE_RE.match(phone):
        errors.append(cell_error(row, sheet.col("phone"), _("“%(v)s” is not a telephone number", v=phone)))
    password = values.get("password", "")
    if user is None and len(password) < auth_services.MIN_PASSWORD:
        errors.append(cell_error(row, sheet.col("password"),
                                    _("a new account needs an initial password of at least %(n)d characters",
                                      n=auth_services.MIN_PASSWORD)))
    elif user is None:
        weakness = auth_services.password_weakness(password, username=username, display_name=name)
        if weakness:
            errors.append(cell_error(row, sheet.col("password"), weakness))
    return {"row": row, "username": username, "name": name, "county": county, "phone": phone or None,
            "password": password, "user": user}


def import_inspectors(data: bytes, *, filename: str, actor: User | None) -> ImportResult:
    """Create or update inspector accounts keyed by 账号; a new account needs 初始密码. Any error writes nothing."""
    sheet = _Sheet(data, filename, INSPECTOR_COLUMNS, ("username", "name", "county"))
    counties = {c.name: c for c in db.session.scalars(sa.select(County))}
    result = ImportResult()
    rows: list[dict[str, t.Any]] = []
    first_row: dict[str, int] = {}
    usernames = [values.get("username", "") for _row, values in sheet.rows()]
    existing = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(usernames)))}
    for row, values in sheet.rows():
        rows.append(_inspector_row(row, values, sheet, counties, existing, first_row, result.errors))
    if result.errors:
        _refuse(filename, result.errors)

    for parsed in rows:
        user = parsed["user"]
        if user is None:
            auth_services.create_user(parsed["username"], role=Role.INSPECTOR, password=parsed["password"],
                                      display_name=parsed["name"], county=parsed["county"], phone=parsed["phone"],
                                      actor=actor)
            result.created += 1
            continue
        fields = ("display_name", "county_id", "phone")
        before = audit.snapshot(user, fields)
        user.display_name = parsed["name"]
        user.county_id = parsed["county"].id if parsed["county"] is not None else None
        user.city_id = parsed["county"].city_id if parsed["county"] is not None else user.city_id
        user.phone = parsed["phone"]
        after = audit.snapshot(user, fields)
        if before == after:
            result.unchanged += 1
        else:
            audit.record(actor, "user.update", user, before=before, after=after)
            result.updated += 1
    _record_import(actor, "inspector.import", filename, data, result)
    return result


def inspector_template() -> bytes:
    """The inspector import template: the columns, two example rows and the counties."""
    counties = list(db.session.scalars(sa.select(County.name).order_by(County.position, County.id)))
    home = counties[0] if counties else "临渭区"
    example = pd.DataFrame(
        [["wang_jianguo", "王建国", home, "13800000001", "change-me-2026"],
         ["li_xiaoyan", "李晓燕", counties[1] if len(counties) > 1 else home, "13800000002", "change-me-2026"]],
        columns=[names[0] for names in INSPECTOR_COLUMNS.values()],
    )
    allowed = pd.DataFrame({"所属区县": pd.Series([*counties, "市直"], dtype=object)})
    return write_xlsx({"检查员": example, "可选值": allowed})


# ---------------------------------------------------------------------------------------------------------
# Teams


def _team_members(sheet: _Sheet, rows: list[tuple[int, dict[str, str]]], result: ImportResult
                  ) -> dict[str, list[tuple[int, User, bool]]]:
    """Each team's listed members (row, inspector, is leader), every faulty cell noted in ``result``."""
    users = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_([v.get("username", "") for _r, v in rows])))}
    members: dict[str, list[tuple[int, User, bool]]] = defaultdict(list)
    first_row: dict[str, int] = {}
    for row, values in rows:
        team_name = values.get("team", "")
        if not team_name:
            result.errors.append(cell_error(row, sheet.col("team"), _("the team name is empty")))
        elif len(team_name) > teams.TEAM_NAME_MAX:
            result.errors.append(cell_error(row, sheet.col("team"),
                                            _("longer than %(n)d characters", n=teams.TEAM_NAME_MAX)))
        role = values.get("role", "")
        if role not in (LEADER, MEMBER):
            result.errors.append(cell_error(row, sheet.col("role"), _("“%(v)s” is neither %(leader)s nor %(member)s",
                                                                  v=role, leader=LEADER, member=MEMBER)))
        username = values.get("username", "")
        user = users.get(username)
        if user is None:
            result.errors.append(cell_error(row, sheet.col("username"), _("no account “%(v)s”", v=username)))
        elif user.role != Role.INSPECTOR or not user.active:
            result.errors.append(cell_error(row, sheet.col("username"),
                                        _("%(v)s is not an active inspector", v=username)))
        elif username in first_row:
            result.errors.append(cell_error(row, sheet.col("username"),
                                        _("%(v)s already appears in row %(r)d", v=username, r=first_row[username])))
        else:
            first_row[username] = row
            if team_name and role in (LEADER, MEMBER):
                members[team_name].append((row, user, role == LEADER))
    return members


def import_teams(campaign: Campaign, data: bytes, *, filename: str, actor: User | None) -> ImportResult:
    """Set the campaign's teams from one row per member (检查组, 角色, 账号); teams not named keep their members.

    A team named in the file gets exactly the members listed, created if new. Every rule a team
    must keep (one leader, active inspectors, one team per inspector, no member on a visit of their
    own county or of a school they declared a conflict with) is checked for the whole file first.
    """
    require_open(campaign)
    sheet = _Sheet(data, filename, TEAM_COLUMNS, ("team", "role", "username"))
    result = ImportResult()
    rows = list(sheet.rows())
    members = _team_members(sheet, rows, result)

    existing = {team.name: team for team in campaign.teams}
    # Who stays in a team the file does not name: they cannot join another.
    kept = {m.user_id: team.name for team in campaign.teams if team.name not in members for m in team.members}
    plan: list[tuple[Team | None, str, User, list[User]]] = []
    for team_name, listed in members.items():
        leaders = [(row, user) for row, user, is_leader in listed if is_leader]
        row_numbers = "、".join(str(row) for row, _u, _l in listed)
        if len(leaders) != 1:
            result.errors.append(_("Team %(team)s (rows %(rows)s): a team has exactly one %(leader)s, not %(n)d.",
                                   team=team_name, rows=row_numbers, leader=LEADER, n=len(leaders)))
            continue
        people = teams.members_of(leaders[0][1], [user for _r, user, _l in listed])
        problems = teams.check_team(campaign, name=team_name, leader=leaders[0][1], members=people,
                                    team=existing.get(team_name), taken=kept)
        for problem in problems:
            result.errors.append(_("Team %(team)s (rows %(rows)s): %(problem)s", team=team_name, rows=row_numbers,
                                   problem=problem))
        plan.append((existing.get(team_name), team_name, leaders[0][1], people))
    if result.errors:
        _refuse(filename, result.errors)

    before = {name: teams.team_snapshot(team) for team, name, _leader, _people in plan if team is not None}
    # Members leave their old teams first, so that nobody is in two teams at any moment.
    for team, _name, _leader, people in plan:
        if team is not None:
            teams.drop_members(team, {u.id for u in people})
    for team, team_name, leader, people in plan:
        written = teams.write_team(campaign, team, name=team_name, leader=leader, people=people, actor=actor)
        if team_name not in before:
            result.created += 1
        elif teams.team_snapshot(written) == before[team_name]:
            result.unchanged += 1
        else:
            result.updated += 1
    _record_import(actor, "team.import", filename, data, result, campaign_id=campaign.id)
    return result


def team_template(campaign: Campaign | None = None) -> bytes:
    """The team import template: one row per member; the campaign's teams when it has some, else an example."""
    rows = []
    for team in campaign.teams if campaign is not None else []:
        for user in team.users:
            rows.append([team.name, LEADER if user is team.leader else MEMBER, user.username, user.display_name])
    if not rows:
        rows = [["第一检查组", LEADER, "wang_jianguo", "王建国"], ["第一检查组", MEMBER, "li_xiaoyan", "李晓燕"]]
    example = pd.DataFrame(rows, columns=[names[0] for names in TEAM_COLUMNS.values()])
    inspectors = list(db.session.execute(
        sa.select(User.username, User.display_name, County.name)
        .outerjoin(County, County.id == User.county_id)
        .where(User.role == Role.INSPECTOR, User.active.is_(True))
        .order_by(County.position, User.display_name)
    ))
    people = pd.DataFrame([[u, n, c or "市直"] for u, n, c in inspectors], columns=["账号", "姓名", "所属区县"])
    allowed = pd.DataFrame({"角色": pd.Series([LEADER, MEMBER], dtype=object)})
    return write_xlsx({"检查组": example, "检查员": people, "可选值": allowed})


# ---------------------------------------------------------------------------------------------------------
# Declared conflicts


def import_conflicts(data: bytes, *, filename: str, actor: User | None) -> ImportResult:
    """Declare conflicts of interest, one inspector and school a row; known pairs are left as they are."""
    sheet = _Sheet(data, filename, CONFLICT_COLUMNS, ("username", "school", "reason"))
    rows = list(sheet.rows())
    users = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_([v.get("username", "") for _r, v in rows])))}
    codes = [_clean_code(v.get("school", "")) for _r, v in rows]
    schools = {s.code: s for s in db.session.scalars(sa.select(School).where(School.code.in_(codes)))}
    known = {(c.user_id, c.school_id) for c in db.session.scalars(
        sa.select(ConflictOfInterest).where(ConflictOfInterest.user_id.in_([u.id for u in users.values()])))}
    result = ImportResult()
    pairs: list[tuple[User, School, str]] = []
    first_row: dict[tuple[int, int], int] = {}
    for row, values in rows:
        username = values.get("username", "")
        user = users.get(username)
        if user is None:
            result.errors.append(cell_error(row, sheet.col("username"), _("no account “%(v)s”", v=username)))
        elif user.role != Role.INSPECTOR:
            result.errors.append(cell_error(row, sheet.col("username"), _("%(v)s is not an inspector", v=username)))
        code = _clean_code(values.get("school", ""))
        school = schools.get(code)
        if school is None:
            result.errors.append(cell_error(row, sheet.col("school"), _("no school with code “%(v)s”", v=code)))
        reason = values.get("reason", "")
        if not reason:
            result.errors.append(cell_error(row, sheet.col("reason"), _("the reason is empty")))
        elif len(reason) > conflicts.REASON_MAX:
            result.errors.append(cell_error(row, sheet.col("reason"),
                                            _("longer than %(n)d characters", n=conflicts.REASON_MAX)))
        if user is None or school is None or user.role != Role.INSPECTOR:
            continue
        key = (user.id, school.id)
        if key in first_row:
            reason = _("the same inspector and school are in row %(r)d", r=first_row[key])
            result.errors.append(cell_error(row, sheet.col("school"), reason))
            continue
        first_row[key] = row
        pairs.append((user, school, reason))
    if result.errors:
        _refuse(filename, result.errors)
    for user, school, reason in pairs:
        if (user.id, school.id) in known:
            result.unchanged += 1
            continue
        conflicts.declare_conflict(user, school, reason=reason, actor=actor)
        result.created += 1
    _record_import(actor, "conflict.import", filename, data, result)
    return result


def _clean_code(value: str) -> str:
    # A code typed as a number comes back from Excel as "6105010001.0".
    return value[:-2] if value.endswith(".0") and value[:-2].isdigit() else value


def conflict_template() -> bytes:
    """The conflict import template with one example row."""
    example = pd.DataFrame([["wang_jianguo", "6105020001", "配偶在该校任教"]],
                           columns=[names[0] for names in CONFLICT_COLUMNS.values()])
    return write_xlsx({"利害关系回避": example})
