"""公示 of two 华州区 schools from the county's checked roster, one with an objection heard and answered."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..publicity import services as publicity
from ..publicity.models import ObjectionOutcome
from ..rosters.models import ReconciliationRun
from ..rosters.models import RunStatus
from ..schools.models import School
from .world import World
from .world import at
from .world import happened_at

CONTACTS = (("王老师", "0913-4712301"), ("李老师", "0913-4712302"))


def notices(world: World) -> None:
    """The two 华州区 schools with the most recipients publish them; a parent objects at the first."""
    run = db.session.scalar(sa.select(ReconciliationRun).where(ReconciliationRun.status == RunStatus.DONE,
                                                               ReconciliationRun.county_id.is_not(None))
                            .order_by(ReconciliationRun.id.desc()).limit(1))
    if run is None:
        return
    heads: dict[int, int] = {}
    for total in (run.summary or {}).get("totals", []):
        if total.get("school_id"):
            heads[total["school_id"]] = heads.get(total["school_id"], 0) + int(total["headcount"])
    chosen = sorted(heads, key=lambda sid: -heads[sid])[:2]
    schools = [db.session.get(School, sid) for sid in chosen]
    rows = publicity.schools_rows(run, [s for s in schools if s is not None])
    starts_on = world.today - timedelta(days=20)
    ends_on = publicity.earliest_end(starts_on)
    actor = world.users["huazhou"]
    for school, (name, phone) in zip(schools, CONTACTS, strict=False):
        if school is None or not rows[school.id]:
            continue
        with happened_at(at(starts_on - timedelta(days=1), 16)):
            notice = publicity.create_notice(run=run, school=school, starts_on=starts_on, ends_on=ends_on,
                                             contact_name=name, contact_phone=phone,
                                             payment_date=ends_on + timedelta(days=7), actor=actor,
                                             rows=rows[school.id])
        if school.id != chosen[0]:
            continue
        listed = notice.rows[min(3, len(notice.rows) - 1)]["name"]
        with happened_at(at(starts_on + timedelta(days=2), 10)):
            objection = publicity.record_objection(
                notice, received_on=starts_on + timedelta(days=2), raised_by="学生家长（电话）",
                content=f"反映{listed}家庭经济条件较好，不应享受资助。", actor=actor)
        with happened_at(at(starts_on + timedelta(days=4), 15)):
            publicity.handle_objection(
                objection, actor=actor, outcome=ObjectionOutcome.REJECTED,
                handling=f"学校资助工作领导小组入户核实，{listed}家庭为低保户，认定符合资助条件，已电话答复反映人。")
