"""The supervisor's review of the demo's findings, and the schools' rectification after it.

Every rectification state appears, some overdue, with the three outcomes of an extension request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..campaigns.models import Campaign
from ..extensions import db
from ..findings import services as finding_services
from ..findings.models import Finding
from ..findings.models import FindingStatus
from ..rectification import evidence as evidence_services
from ..rectification import services as rect_services
from ..rectification.models import Rectification
from ..visits import services as visit_services
from ..visits.models import Visit
from .fakes import photo
from .fakes import scan
from .world import World
from .world import at
from .world import happened_at


@dataclass
class Plan:
    """What happens to a confirmed finding after review: its deadline (days from today), end state and
    extension request ("approved": the deadline was moved to ``due_in`` three weeks before it fell due)."""

    due_in: int
    end: str
    ext: str | None = None

    @property
    def first_due_in(self) -> int:
        return self.due_in - APPROVED_EXTENSION_DAYS if self.ext == "approved" else self.due_in


APPROVED_EXTENSION_DAYS = 21

# Twenty-five outcomes, one per problem above; every rectification state appears, some overdue, and the
# three outcomes of an extension request (approved, rejected, awaiting a decision).
OUTCOMES: list[Plan] = (
    [Plan(-20, "closed"), Plan(-10, "closed"), Plan(-3, "closed"), Plan(12, "closed", "approved"),
     Plan(25, "closed"), Plan(25, "closed"), Plan(18, "closed"), Plan(25, "closed"), Plan(25, "closed")]
    + [Plan(4, "submitted"), Plan(12, "submitted"), Plan(25, "submitted"), Plan(-2, "submitted")]
    + [Plan(-6, "in_progress", "rejected"), Plan(3, "in_progress"), Plan(25, "in_progress", "approved"),
       Plan(40, "in_progress")]
    + [Plan(6, "partial"), Plan(25, "partial", "pending")]
    + [Plan(-4, "returned"), Plan(10, "returned")]
    + [Plan(-8, "not_started"), Plan(2, "not_started", "pending"), Plan(25, "not_started"), Plan(40, "not_started")]
)
EXTENSION_REASONS = {
    "approved": "涉及补发资助资金，需报县财政审批后拨付，原定时限内无法完成，申请延期三周。",
    "rejected": "学校近期迎接其他专项检查，人手紧张，申请延期。",
    "pending": "需重新组织认定并公示5个工作日，原定时限内无法完成，申请延期两周。",
}



def review(world: World, visit: Visit, findings: list[Finding], plans: dict[tuple[int, str], Plan],
           dismissed: dict[tuple[int, str], str]) -> None:
    """The supervisor dismisses or confirms each finding of the visit (with the deadline of its plan)
    and approves the visit."""
    supervisor = world.users["supervisor"]
    for finding in findings:
        code = finding.item.name if finding.item else ""
        if (visit.id, code) in dismissed:
            finding_services.dismiss_finding(finding, reason=dismissed[(visit.id, code)], actor=supervisor)
            continue
        plan = plans[(visit.id, code)]
        rect = finding_services.confirm_finding(
            finding, due_on=world.today + timedelta(days=plan.first_due_in), actor=supervisor,
        )
        if code.startswith("D"):
            # Money problems are the finance office's to fix.
            rect_services.set_responsible(rect, unit=f"{visit.school.name}财务室", person=world.person(),
                                          actor=supervisor)
    visit_services.approve_visit(visit, actor=supervisor)


def rectify(world: World, campaign: Campaign, plans: dict[tuple[int, str], Plan]) -> None:
    """Each confirmed finding of the campaign goes as far as its plan says, from the weeks after its visit."""
    findings = db.session.scalars(
        sa.select(Finding).where(Finding.campaign_id == campaign.id, Finding.status == FindingStatus.CONFIRMED)
        .order_by(Finding.id)
    ).all()
    supervisor = world.users["supervisor"]
    for finding in findings:
        plan = plans[(finding.visit_id, finding.item.name if finding.item else "")]
        rect = finding.rectification
        assert rect is not None
        contact = world.school_contact(finding.school)
        start = min(world.today - timedelta(days=1), max(
            finding.visit.planned_on + timedelta(days=8) if finding.visit.planned_on else world.today,
            world.today - timedelta(days=30)))
        if plan.ext in ("approved", "rejected"):
            extension(world, rect, plan, contact, start)
        if plan.end == "not_started":
            pending_extension(world, rect, plan, contact)
            continue
        measures = (f"针对“{finding.description[:30]}”问题，学校召开专题会议，明确责任人，"
                    "逐项对照政策规定进行整改，完善相关制度和台账。")
        with happened_at(at(start, 15)):
            rect_services.save_measures(rect, measures=measures, actor=contact)
        if plan.end == "in_progress":
            continue
        with happened_at(at(start + timedelta(days=1), 10)):
            evidence_services.add_evidence(rect, photo(finding.id + 500, f"evidence {finding.id}"),
                                        filename="整改照片.jpg", actor=contact)
            if finding.id % 2 == 0:
                evidence_services.add_evidence(rect, scan(finding.id), filename="整改报告.pdf", actor=contact)
            rect_services.submit(rect, actor=contact)
        if plan.end == "submitted":
            continue
        verify_day = min(start + timedelta(days=4), world.today)
        with happened_at(at(verify_day, 11)):
            if plan.end == "closed":
                rect_services.close(rect, note="经现场复核，整改到位，同意销号。", actor=supervisor)
            elif plan.end == "partial":
                rect_services.mark_partial(rect, note="已完成部分整改，花名册补签仍未完成。", actor=supervisor)
            elif plan.end == "returned":
                rect_services.return_to_school(rect, reason="佐证材料不足，请补充发放银行回单后重新提交。",
                                               actor=supervisor)
        pending_extension(world, rect, plan, contact)


def extension(world: World, rect: Rectification, plan: Plan, contact: User, start: date) -> None:
    """The school asks for more time as work starts; the supervisor decides the next morning."""
    with happened_at(at(start, 11)):
        proposed = rect.due_on + timedelta(days=APPROVED_EXTENSION_DAYS)
        request = rect_services.request_extension(rect, reason=EXTENSION_REASONS[plan.ext or ""],
                                                  proposed_due_on=proposed, actor=contact)
    with happened_at(at(start + timedelta(days=1), 9, 30)):
        if plan.ext == "approved":
            rect_services.approve_extension(request, due_on=proposed, actor=world.users["supervisor"],
                                            note="同意延期，请按新时限完成并及时报送佐证材料。")
        else:
            rect_services.reject_extension(request, actor=world.users["supervisor"],
                                           note="整改时限已充分考虑工作量，请按原定时限完成。")


def pending_extension(world: World, rect: Rectification, plan: Plan, contact: User) -> None:
    if plan.ext != "pending":
        return
    with happened_at(at(world.today - timedelta(days=1), 16, 20)):
        rect_services.request_extension(rect, reason=EXTENSION_REASONS["pending"],
                                        proposed_due_on=rect.due_on + timedelta(days=14), actor=contact)
