"""The demo's four campaigns and the field work of their visits.

The main cross-inspection (108 schools, closed, its problems under rectification), a small campaign
under way this week, an earlier special inspection of disbursement (mostly closed) and next term's
cross-inspection, planned but not started.
"""

from __future__ import annotations

import typing as t
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..campaigns import services as campaign_services
from ..campaigns.models import Campaign
from ..checklists.models import ChecklistItem
from ..checklists.models import ChecklistVersion
from ..extensions import db
from ..findings import services as finding_services
from ..findings.models import Finding
from ..rectification import evidence as evidence_services
from ..rectification import services as rect_services
from ..schools.models import School
from ..visits import photos as photo_services
from ..visits import services as visit_services
from ..visits.models import Visit
from .fakes import photo
from .fakes import scan
from .rectification import OUTCOMES
from .rectification import Plan
from .rectification import rectify
from .rectification import review
from .visits import answer_all
from .visits import from_tablet
from .visits import parallel_edit
from .world import COUNTIES
from .world import World
from .world import at
from .world import happened_at
from .world import term_of

MAIN_CODE_PREFIX = "JC"
N_SCHOOLS_INSPECTED = 108
MAIN_SEED = 20260301
NEXT_SEED = 731905

# Problems found in the main campaign: (item, what the inspector wrote). 25 of them are confirmed.
PROBLEMS: list[tuple[str, str]] = [
    ("D1", "抽查2023年秋季学期发放花名册，3名学生按500元发放，低于本学段625元标准。"),
    ("D2", "春季学期助学金至检查时仍未发放到位，已超过规定时限两个月。"),
    ("D4", "亮卡检查发现，5名学生的资助卡由班主任集中保管，学生本人不掌握。"),
    ("D8", "2023年秋季学期发放凭证缺少学生（家长）领款签字表。"),
    ("D6", "个别班级存在“轮流享受”助学金现象，评议记录显示名额按学期轮换。"),
    ("D7", "未按规定从事业收入中足额提取校内资助经费，提取比例不足3%。"),
    ("D9", "民办幼儿园保教费减免未按差额执行，未留存减免明细。"),
    ("C2", "抽查12份申请表，其中4份无学生或监护人签字，特殊群体证明材料不全。"),
    ("C6", "认定结果公示内容包含学生身份证号码，泄露个人敏感信息。"),
    ("C4", "民主评议无会议记录，评议小组成员签到表缺失。"),
    ("C7", "未建立学期动态调整机制，本学期未开展复核。"),
    ("C8", "比对低保名单发现2名低保家庭学生未纳入资助范围。"),
    ("E1", "资助档案未按学年、项目分类建档，申请表与认定材料混放。"),
    ("E3", "纸质档案名单与全国学生资助管理信息系统名单不一致，相差3人。"),
    ("E1", "“一生一档”未建立，部分受助学生缺少认定材料。"),
    ("E3", "发放名单与系统名单不一致，2名已转学学生仍在发放名单中。"),
    ("F1", "资金发放后未在当月完成系统录入，延迟两个月。"),
    ("F2", "实际受助人数与系统上报人数不一致，系统多报6人。"),
    ("F3", "转学、休学学生信息未及时更新，与学籍系统不一致。"),
    ("F2", "在校学生数与系统数据存在差异，未及时核对。"),
    ("B3", "未公布资助咨询和举报电话。"),
    ("B2", "无年度资助工作计划和总结。"),
    ("G1", "未开展资助政策宣传，无致家长一封信等宣传材料。"),
    ("G3", "随机询问6名学生，仅2人知晓国家助学金政策。"),
    ("A2", "本年度未召开资助工作专题会议，无会议纪要。"),
]
DISMISSED = [
    ("H1", "未见诚信感恩教育活动记录。", "学校已提供活动照片和总结，检查时未及时查到。"),
    ("A4", "资助档案未设专柜。", "档案存放于学校档案室专柜，现场复核符合要求。"),
    ("G2", "未见资助宣传月活动材料。", "宣传月活动在下学期开展，本项不适用。"),
]

# The earlier special inspection of disbursement: (item, problem, days to close; None: still open).
EARLIER_PROBLEMS: list[tuple[str, str, int | None]] = [
    ("D1", "抽查发放花名册，2名学生发放标准与学段标准不符。", 18),
    ("D2", "秋季学期助学金延迟一个月发放。", 12),
    ("D4", "个别班级由班主任代管学生资助卡。", 9),
    ("D8", "部分发放凭证缺少学生（家长）签字。", 26),
    ("D3", "1名学生助学金以实物形式发放。", 33),
    ("D5", "向学生收取办卡工本费10元。", 7),
    ("D8", "银行代发清单与发放花名册金额不一致。", 41),
    ("D6", "助学金名额按班级平均分配，未按认定结果评审。", 37),
    ("D9", "民办幼儿园保教费减免未公示。", 15),
    ("D2", "中职国家助学金未按月发放。", None),
    ("D7", "未按规定比例提取校内资助经费。", None),
    ("D1", "资助档次调整后未重新核定发放金额。", 22),
]


def main_campaign(world: World, version: ChecklistVersion, by_county: dict[str, list[School]]) -> Campaign:
    """The main cross-inspection, closed, its problems under rectification."""
    today = world.today
    starts, ends = today - timedelta(days=75), today - timedelta(days=45)
    term, season = term_of(starts)
    supervisor = world.users["supervisor"]
    with happened_at(at(starts - timedelta(days=10), 9)):
        campaign = campaign_services.create_campaign(
            code=f"{MAIN_CODE_PREFIX}{starts.year}{season}",
            name=f"{term}学生资助工作交叉检查",
            term=term,
            checklist_version=version,
            default_due_on=today + timedelta(days=25),
            starts_on=starts,
            ends_on=ends,
            actor=supervisor,
        )
        # 108 schools: a sample stratified by county and level, reproducible from its seed.
        sample = campaign_services.draw_sample(
            campaign, campaign_services.SampleRequest(seed=MAIN_SEED, size=N_SCHOOLS_INSPECTED))
        campaign_services.apply_sample(campaign, sample, actor=supervisor)
        # Cross-inspection: eleven teams, each pairing inspectors of two neighbouring counties;
        # the planner keeps them out of their own counties, evens out the work and sets the days.
        world.teams(campaign, supervisor)
        campaign_services.auto_assign(campaign, actor=supervisor)
        visits = list(db.session.scalars(sa.select(Visit).where(Visit.campaign_id == campaign.id)
                                         .order_by(Visit.id)))
        assert len(visits) == N_SCHOOLS_INSPECTED
        campaign_services.start_campaign(campaign, actor=supervisor)
    field_work(world, campaign, visits, version)
    return campaign



class _Problems(t.NamedTuple):
    """Which visits of the main campaign find which problems."""

    fails: dict[int, dict[str, str]]  # by visit: the failing items and what was found
    plans: dict[tuple[int, str], Plan]  # by (visit, item): what becomes of a problem confirmed
    dismissed: dict[tuple[int, str], str]  # by (visit, item): why a problem is dismissed
    confirmed_at: list[Visit]  # the visits whose problems are confirmed


def field_work(world: World, campaign: Campaign, visits: list[Visit], version: ChecklistVersion) -> None:
    """Every visit checked in, answered, submitted and reviewed; the campaign closed; rectification begun."""
    problems = _problems(world, visits)
    # The schools with problems have their contact accounts before the problems are confirmed.
    assert campaign.starts_on is not None
    with happened_at(at(campaign.starts_on, 8)):
        for visit in problems.confirmed_at:
            world.school_contact(visit.school)
    items = {i.name: i for i in version.items}
    photo_seed = 0
    for visit in visits:
        fails = problems.fails.get(visit.id, {})
        findings = _inspect(world, visit, version, fails, items, photo_seed)
        photo_seed += len(fails)
        with happened_at(at((visit.planned_on or world.today) + timedelta(days=3), 10)):
            review(world, visit, findings, problems.plans, problems.dismissed)
    # Fieldwork is over; rectification goes on after the campaign closes.
    assert campaign.ends_on is not None
    with happened_at(at(campaign.ends_on + timedelta(days=5), 17)):
        campaign_services.close_campaign(campaign, actor=world.users["supervisor"])
    rectify(world, campaign, problems.plans)


def _problems(world: World, visits: list[Visit]) -> _Problems:
    """Spread PROBLEMS and DISMISSED over a random choice of visits; the demo school is one of them."""
    order = list(visits)
    world.rnd.shuffle(order)
    confirmed_targets = order[:len(PROBLEMS)]
    dismissed_targets = order[len(PROBLEMS):len(PROBLEMS) + len(DISMISSED)]
    # The demo school account's school carries three problems with different outcomes.
    demo_school_visit = confirmed_targets[0]
    fails_by_visit: dict[int, dict[str, str]] = {}
    plans: dict[tuple[int, str], Plan] = {}
    for index, (code, note) in enumerate(PROBLEMS):
        visit = demo_school_visit if index in (0, 13, 19) else confirmed_targets[index]
        fails_by_visit.setdefault(visit.id, {})[code] = note
        plans[(visit.id, code)] = OUTCOMES[index]
    dismissed: dict[tuple[int, str], str] = {}
    for visit, (code, note, reason) in zip(dismissed_targets, DISMISSED, strict=True):
        fails_by_visit.setdefault(visit.id, {})[code] = note
        dismissed[(visit.id, code)] = reason
    world.demo_school = demo_school_visit.school
    return _Problems(fails_by_visit, plans, dismissed, confirmed_targets)


def _inspect(world: World, visit: Visit, version: ChecklistVersion, fails: dict[str, str],
             items: dict[str, ChecklistItem], photo_seed: int) -> list[Finding]:
    """A day's visit: check-in in the morning, answers and a photo of each problem before noon, submitted
    in the afternoon; returns its findings. Photos are numbered on from ``photo_seed``."""
    day = visit.planned_on or world.today
    inspector = visit.assignments[0].user
    with happened_at(at(day, 9, 30)):
        school = visit.school
        if school.latitude is not None and school.longitude is not None:
            visit_services.check_in(visit, latitude=school.latitude + Decimal("0.0004"),
                                    longitude=school.longitude - Decimal("0.0003"),
                                    accuracy_m=Decimal("12"), actor=inspector)
    with happened_at(at(day, 11, 40)):
        answer_all(world, visit, version, fails, inspector)
        for code in fails:
            photo_seed += 1
            image = photo(photo_seed, f"{visit.school.code} {code}")
            photo_services.add_visit_photo(visit, items[code].photo_question or items[code], image,
                                           filename=f"IMG_{photo_seed:04d}.jpg", actor=inspector)
    with happened_at(at(day, 16, 10)):
        return visit_services.submit_visit(visit, actor=inspector)


def current_campaign(world: World, version: ChecklistVersion, by_county: dict[str, list[School]]) -> Campaign:
    """A second, smaller campaign under way: the inspector's own work for this week."""
    today = world.today
    term, season = term_of(today)
    supervisor = world.users["supervisor"]
    with happened_at(at(today - timedelta(days=6), 9)):
        campaign = campaign_services.create_campaign(
            code=f"ZX{today.year}{season}", name=f"{term}学前教育资助专项督导", term=term,
            checklist_version=version, default_due_on=today + timedelta(days=45),
            starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=14), actor=supervisor,
        )
        schools = [by_county["华州区"][0], by_county["华州区"][3], by_county["大荔县"][1],
                   by_county["蒲城县"][2], by_county["富平县"][4], by_county["韩城市"][5]]
        visits = campaign_services.add_schools(campaign, schools, actor=supervisor)
        me = world.users["inspector"]
        other = world.users["insp012"]
        ours = campaign_services.save_team(campaign, name="第一检查组", leader=me,
                                           members=[world.users["insp011"]], actor=supervisor)
        theirs = campaign_services.save_team(campaign, name="第二检查组", leader=other, members=[],
                                             actor=supervisor)
        for k, visit in enumerate(visits):
            campaign_services.assign_team([visit], ours if k != 3 else theirs, actor=supervisor,
                                          planned_on=today + timedelta(days=[0, 0, 1, -2, 3, 7][k]))
        campaign_services.start_campaign(campaign, actor=supervisor)
    # One visit started this morning (a team member's tablet then changed one of its answers), one
    # submitted from a tablet two days ago and awaiting review.
    with happened_at(at(today, 9, 15)):
        answer_all(world, visits[1], version, {}, me, partial=12)
    with happened_at(at(today, 10, 40)):
        parallel_edit(visits[1], version, world.users["insp011"])
    submitted = visits[3]
    with happened_at(at(today - timedelta(days=2), 11)):
        from_tablet(world, submitted, version, {
            "C6": "公示材料张贴在校门口，包含学生家庭住址和身份证号。",
            "D4": "亮卡检查发现3名幼儿家长的资助卡由园方代管。",
        }, other, device="3b9e7a14-tablet-a", signer="刘园长")
    return campaign


def earlier_campaign(world: World, version: ChecklistVersion, by_county: dict[str, list[School]]) -> Campaign:
    """An earlier special inspection of disbursement, mostly closed: the dashboard across campaigns."""
    today = world.today
    starts = today - timedelta(days=200)
    term, season = term_of(starts)
    supervisor = world.users["supervisor"]
    with happened_at(at(starts - timedelta(days=7), 9)):
        campaign = campaign_services.create_campaign(
            code=f"ZJ{starts.year}{season}", name=f"{term}资助资金发放专项检查", term=term,
            checklist_version=version, default_due_on=starts + timedelta(days=45), starts_on=starts,
            ends_on=starts + timedelta(days=10), actor=supervisor,
        )
        names = [c[0] for c in COUNTIES]
        # Two schools a county; the first twelve visits found a problem each.
        schools = [by_county[name][k + step] for step in (0, 12) for k, name in enumerate(names)]
        visits = campaign_services.add_schools(campaign, schools, actor=supervisor)
        for k, visit in enumerate(visits):
            team = (names.index(visit.school.county.name) + 1) % len(names)
            campaign_services.assign_inspector([visit], world.users[f"insp{team + 1:02d}{1 + k % 2}"],
                                               actor=supervisor)
            campaign_services.set_planned_date([visit], starts + timedelta(days=k % 10), actor=supervisor)
        campaign_services.start_campaign(campaign, actor=supervisor)
        planned = dict(zip((v.id for v in visits), EARLIER_PROBLEMS, strict=False))
        for visit in visits:
            if visit.id in planned:
                world.school_contact(visit.school)
    for visit in visits:
        day = visit.planned_on or starts
        inspector = visit.assignments[0].user
        problem = planned.get(visit.id)
        with happened_at(at(day, 14)):
            answer_all(world, visit, version, {problem[0]: problem[1]} if problem else {}, inspector)
            findings = visit_services.submit_visit(visit, actor=inspector)
        with happened_at(at(day + timedelta(days=2), 10)):
            for finding in findings:
                finding_services.confirm_finding(finding, due_on=day + timedelta(days=32), actor=supervisor)
            visit_services.approve_visit(visit, actor=supervisor)
        if problem is None:
            continue
        rect = findings[0].rectification
        assert rect is not None
        contact = world.school_contact(visit.school)
        opened = day + timedelta(days=2)
        with happened_at(at(opened + timedelta(days=3), 15)):
            rect_services.save_measures(rect, measures="已按政策规定完成整改，补齐相关材料，建立长效机制。",
                                        actor=contact)
        if problem[2] is None:
            continue
        done = opened + timedelta(days=problem[2])
        with happened_at(at(done - timedelta(days=2), 10)):
            evidence_services.add_evidence(rect, scan(visit.id), filename="整改报告.pdf", actor=contact)
            rect_services.submit(rect, actor=contact)
        with happened_at(at(done, 11)):
            rect_services.close(rect, note="资料齐全，整改到位，同意销号。", actor=supervisor)
    with happened_at(at(starts + timedelta(days=20), 17)):
        campaign_services.close_campaign(campaign, actor=supervisor)
    return campaign


def next_campaign(world: World, version: ChecklistVersion) -> Campaign:
    """Next term's cross-inspection, planned but not started: sampled (open problems always included),
    teams formed, schools assigned and scheduled."""
    today = world.today
    starts = today + timedelta(days=21)
    term, season = term_of(starts)
    supervisor = world.users["supervisor"]
    # The campaign's second working day is kept free (a city-wide meeting): the planner schedules around it.
    meeting = [d for d in (starts + timedelta(days=n) for n in range(9)) if d.weekday() < 5][1]
    with happened_at(at(today - timedelta(days=1), 15)):
        campaign = campaign_services.create_campaign(
            code=f"CC{starts.year}{season}", name=f"{term}学生资助工作交叉抽查", term=term,
            checklist_version=version, default_due_on=starts + timedelta(days=75), starts_on=starts,
            ends_on=starts + timedelta(days=27), visits_per_day=3, days_off=[meeting], actor=supervisor,
        )
        sample = campaign_services.draw_sample(campaign, campaign_services.SampleRequest(
            seed=NEXT_SEED, size=88, minimum=1, include_open_problems=True))
        campaign_services.apply_sample(campaign, sample, actor=supervisor)
        world.teams(campaign, supervisor)
        campaign_services.auto_assign(campaign, actor=supervisor)
    return campaign
