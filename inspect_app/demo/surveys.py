"""The demo's survey rounds (两率一度): the shipped questionnaires, a round on the main cross-inspection
with its answers, and a round open now on the campaign under way, so that the phone page answers.

The answers are drawn from a seeded generator: each school has its own chance of a right answer and
each county its own share of favourable grades, so the rates vary and some fall below 90 % or short
of the minimum sample. They are inserted in one statement (the phone page's checks and audit entries
are for real respondents; the round itself is opened through the service and audited).
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from ..campaigns.models import Campaign
from ..campaigns.models import CampaignStatus
from ..checklists.models import ChecklistVersion
from ..extensions import db
from ..surveys import rates as maths
from ..surveys import services as survey_services
from ..surveys.models import Audience
from ..surveys.models import SurveyResponse
from ..surveys.models import SurveyRound
from ..surveys.models import SurveyWay
from .world import World
from .world import at
from .world import happened_at

SEED = 2026_05
FRAME = ("参检学校在校学生（小学四年级及以上）及其家长；检查组进校当天按班级整群随机抽取，学生与家长各半，"
         "扫码匿名自填。")


def _version(versions: list[ChecklistVersion], suffix: str) -> ChecklistVersion:
    return next(v for v in versions if v.checklist.form_id.endswith(suffix))


def surveys(world: World) -> None:
    versions = survey_services.load_default_surveys(actor=None)
    student, parent = _version(versions, "students"), _version(versions, "parents")
    supervisor = world.users["supervisor"]
    campaigns = list(db.session.scalars(sa.select(Campaign).order_by(Campaign.id)))
    main = campaigns[0]
    current = next((c for c in campaigns if c.status == CampaignStatus.ACTIVE), None)
    rnd = random.Random(SEED)
    for campaign, answered in ((main, True), (current, False)):
        if campaign is None or campaign.starts_on is None or campaign.ends_on is None:
            continue
        # The main campaign's round closed with its visits; the current one stays open a week beyond today.
        opens = campaign.starts_on
        closes = campaign.ends_on if answered else max(campaign.ends_on, world.today + timedelta(days=7))
        with happened_at(at(opens - timedelta(days=2), 10)):
            survey = survey_services.create_round(campaign, survey_services.RoundDetails(
                title=f"{campaign.name} · 政策知晓度与满意度调查", opens_on=opens, closes_on=closes,
                student_version=student, parent_version=parent, sampling_frame=FRAME, target_size=30, min_size=20,
                collector="市学生资助管理中心督导检查组"), actor=supervisor)
        if answered:
            _answers(rnd, survey, student, parent)


def _answers(rnd: random.Random, survey: SurveyRound, student: ChecklistVersion, parent: ChecklistVersion) -> None:
    forms = {Audience.STUDENT: student, Audience.PARENT: parent}
    days = (survey.closes_on - survey.opens_on).days
    county_mood: dict[int, float] = {}
    rows = []
    for link in survey.links:
        school = link.school
        mood = county_mood.setdefault(school.county_id, rnd.uniform(0.80, 0.97))
        knows = rnd.uniform(0.70, 0.95)
        for _n in range(rnd.randint(14, 36)):
            audience = Audience.STUDENT if rnd.random() < 0.55 else Audience.PARENT
            version = forms[audience]
            answers: dict[str, str] = {"level": school.level.value if school.level.value in _LEVELS else "primary"}
            for item in version.items:
                if item.correct_values:
                    wrong = [c["name"] for c in item.choices or [] if c["name"] not in item.correct_values]
                    answers[item.name] = item.correct_values[0] if rnd.random() < knows else rnd.choice(wrong)
                elif item.name.startswith("s_"):
                    grade = rnd.choices(maths.SCALE[:3], weights=(5, 4, 2))[0] if rnd.random() < mood \
                        else rnd.choice(maths.SCALE[3:])
                    answers[item.name] = grade
            if rnd.random() < 0.08:
                answers["comment"] = rnd.choice(_COMMENTS)
            rows.append({
                "round_id": survey.id, "school_id": school.id, "version_id": version.id, "audience": audience,
                "way": SurveyWay.SELF, "device": f"{rnd.getrandbits(256):064x}",
                "submitted_on": survey.opens_on + timedelta(days=rnd.randint(0, max(days, 0))), "answers": answers,
            })
    db.session.execute(sa.insert(SurveyResponse), rows)


_LEVELS = {"preschool", "primary", "junior", "senior", "vocational"}
_COMMENTS = (
    "希望资助政策宣传再多一些，家长会上讲一讲。",
    "助学金到账后能短信通知一下就好了。",
    "认定过程很公开，谢谢老师。",
    "资助热线有时打不通。",
)
