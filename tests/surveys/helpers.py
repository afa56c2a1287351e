from __future__ import annotations

from datetime import timedelta

from inspect_app.campaigns.models import Campaign
from inspect_app.db import local_today
from inspect_app.extensions import db
from inspect_app.funds import services as funds_services
from inspect_app.rosters import services as roster_services
from inspect_app.rosters.fields import InputKind
from inspect_app.rosters.ids import check_char
from inspect_app.rosters.models import ReconciliationRun
from inspect_app.surveys import services
from inspect_app.surveys.models import SurveyRound
from tests.fixtures import World

ANSWERS = {"level": "primary", "k_who": "needy", "k_apply": "apply", "k_paid": "cash",
           "s_overall": "very_satisfied", "s_fair": "fairly_satisfied", "s_publicity": "not_very_satisfied"}


def open_round(campaign: Campaign, actor: object, *, opens_in: int = 0, days: int = 7,
               min_size: int = 2) -> SurveyRound:
    versions = {v.checklist.form_id: v for v in services.load_default_surveys(actor=None)}
    today = local_today()
    return services.create_round(campaign, services.RoundDetails(
        title="资助政策知晓度与满意度调查", opens_on=today + timedelta(days=opens_in),
        closes_on=today + timedelta(days=opens_in + days),
        student_version=versions["student_aid_survey_students"],
        parent_version=versions["student_aid_survey_parents"],
        sampling_frame="参检学校全体学生及家长，扫码自填", target_size=5, min_size=min_size,
        collector="市资助中心督导组",
    ), actor=actor)  # type: ignore[arg-type]


def add_responses(survey: SurveyRound, school: object, count: int, answers: dict[str, str] | None = None) -> None:
    """``count`` students' answers from ``school``, stored as the phone page stores them."""
    from inspect_app.extensions import db
    from inspect_app.surveys.models import Audience
    from inspect_app.surveys.models import SurveyResponse
    from inspect_app.surveys.models import SurveyWay

    for _ in range(count):
        db.session.add(SurveyResponse(round_id=survey.id, school_id=school.id,  # type: ignore[attr-defined]
                                      version_id=survey.student_version_id, audience=Audience.STUDENT,
                                      way=SurveyWay.SELF, submitted_on=local_today(), answers=dict(answers or ANSWERS)))
    db.session.flush()


def id_number(n: int) -> str:
    first17 = f"61050220150101{n:03d}"
    return first17 + check_char(first17)


# (school code, school name, 学段, recipients, non-recipients)
SCHOOLS = [("2161030001", "华州第一小学", "小学", 6, 10), ("2161030001", "华州第一小学", "初中", 4, 10),
           ("2161020002", "临渭第二小学", "小学", 4, 8)]
PROGRAMMES = {"小学": "小学寄宿生生活补助", "初中": "初中寄宿生生活补助"}


def _files() -> tuple[bytes, bytes]:
    roster = ["姓名,身份证号,学校标识码,学校名称,学段,资助项目,发放金额,监护人电话"]
    enrolment = ["姓名,身份证号,学校标识码,学校名称,学段,年级,学籍状态"]
    n = 0
    for code, name, level, recipients, others in SCHOOLS:
        for i in range(recipients + others):
            n += 1
            person = f"学生{n},{id_number(n)},{code},{name},{level}"
            if i < recipients:
                roster.append(f"{person},{PROGRAMMES[level]},500,1390000{n:04d}")
            enrolment.append(f"{person},三年级,在读")
    enrolment.append(f"转走的,{id_number(999)},2161030001,华州第一小学,小学,三年级,转出")
    return "\n".join(roster).encode(), "\n".join(enrolment).encode()


def roster_check(world: World) -> ReconciliationRun:
    """A finished check of ``world``'s two schools with a roster (14 recipients) and an enrolment list (28 more)."""
    funds_services.install_shipped_standards(actor=None)
    roster, enrolment = _files()
    run = roster_services.create_run(semester="2023春", actor=world.supervisor, uploads=[
        roster_services.Upload(InputKind.ROSTER, "花名册.csv", roster),
        roster_services.Upload(InputKind.ENROLMENT, "学籍.csv", enrolment)])
    roster_services.execute_run(run)
    db.session.commit()
    return run
