from __future__ import annotations

from datetime import timedelta

from inspect_app.campaigns.models import Campaign
from inspect_app.db import local_today
from inspect_app.surveys import services
from inspect_app.surveys.models import SurveyRound

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
