"""The shipped questionnaires import through the checklist engine, as questionnaires."""

from __future__ import annotations

import io

import openpyxl
import pytest

from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.models import FormKind
from inspect_app.checklists.models import ItemType
from inspect_app.errors import ValidationFailed
from inspect_app.surveys import rates
from inspect_app.surveys import services
from tests.fixtures import World


def test_the_default_questionnaires_import_with_their_core_and_satisfaction_questions(ctx: None) -> None:
    versions = {v.checklist.form_id: v for v in services.load_default_surveys(actor=None)}
    assert set(versions) == {"student_aid_survey_students", "student_aid_survey_parents"}
    for version in versions.values():
        assert version.checklist.kind == FormKind.SURVEY
        assert version.status.value == "published" and version.version == "2026.1"
        form = services.questionnaire(version)
        assert len(form.correct) == 3
        assert form.satisfaction == ("s_overall", "s_fair", "s_publicity")
        scale = next(i for i in version.items if i.name == "s_overall")
        assert [scale.choice_label(c) for c in rates.SCALE] == ["非常满意", "满意", "比较满意", "不太满意", "不满意"]
        assert next(i for i in version.items if i.name == "comment").type == ItemType.TEXT
    parents = services.questionnaire(versions["student_aid_survey_parents"])
    assert parents.correct["k_loan"] == frozenset({"student_loan"})
    # Importing again changes nothing.
    again = services.load_default_surveys(actor=None)
    assert {v.id for v in again} == {v.id for v in versions.values()}


def test_a_questionnaire_is_not_offered_to_campaigns(ctx: None, world: World) -> None:
    services.load_default_surveys(actor=None)
    assert all(v.checklist.kind == FormKind.CHECKLIST for v in checklist_services.published_versions())
    assert len(services.survey_versions()) == 2
    survey = services.survey_versions()[0]
    from inspect_app.campaigns import services as campaign_services
    with pytest.raises(ValidationFailed):
        campaign_services.create_campaign(code="Q1", name="问卷", term="2026年秋季学期", checklist_version=survey,
                                          default_due_on=world.campaign.default_due_on, starts_on=None, ends_on=None,
                                          actor=world.supervisor)


def _form(rows: list[list[str]], choices: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label", "required", "correct", "relevant"])
    for row in rows:
        survey.append(row)
    sheet = book.create_sheet("choices")
    sheet.append(["list_name", "name", "label"])
    for row in choices:
        sheet.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["测试问卷", "test_survey", "1"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


YES_NO = [["yn", "yes", "是"], ["yn", "no", "否"]]


@pytest.mark.parametrize(("rows", "message"), [
    ([["select_one yn", "q1", "问1", "yes", "maybe", ""]], "maybe"),
    ([["text", "q1", "问1", "yes", "yes", ""]], "correct"),
    ([["select_one yn", "q1", "问1", "yes", "", ""]], "知晓题"),
    ([["select_one yn", "q1", "问1", "yes", "yes", ""], ["image", "p", "照片", "", "", ""]], "image"),
    ([["select_one yn", "q1", "问1", "yes", "yes", ""], ["text", "t", "说明", "", "", "${q1} = 'no'"]], "relevant"),
])
def test_a_form_that_cannot_be_a_questionnaire_is_refused(ctx: None, rows: list[list[str]], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        services.import_survey(_form(rows, YES_NO), filename="t.xlsx", actor=None)


def test_a_form_id_keeps_its_kind(ctx: None) -> None:
    data = _form([["select_one yn", "q1", "问1", "yes", "yes", ""]], YES_NO)
    services.import_survey(data, filename="t.xlsx", actor=None)
    with pytest.raises(ValidationFailed, match="test_survey"):
        checklist_services.import_checklist(data, filename="t.xlsx", actor=None)
