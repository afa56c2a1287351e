"""A visit of a checklist with logic: shown when, required, constraints, defaults, repeats, and the submission.

The checklist is tests/data/logic_checklist.md: every supported type, a section shown for large
schools only, an item whose note and photo are asked when it fails, and a list of other problems.
"""

from __future__ import annotations

import io
import typing as t
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from inspect_app.audit.models import AuditEntry
from inspect_app.campaigns import services as campaign_services
from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.db import local_today
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.findings.models import Finding
from inspect_app.findings.models import FindingStatus
from inspect_app.visits import attachments
from inspect_app.visits import photos
from inspect_app.visits import services
from inspect_app.visits.models import Answer
from inspect_app.visits.models import RepeatInstance
from inspect_app.visits.models import Visit
from inspect_app.visits.models import VisitStatus

from ..fixtures import DATA

if t.TYPE_CHECKING:
    from tests.fixtures import World


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


class Filling:
    """A started visit of the logic checklist and a few helpers to fill it."""

    def __init__(self, world: World, version: ChecklistVersion, visit: Visit) -> None:
        self.world, self.version, self.visit = world, version, visit
        self.items = {i.name: i for i in version.items}

    def answer(self, name: str, value: str | None, *, entry: RepeatInstance | None = None,
               note: str | None = None) -> Answer:
        return services.save_answer(self.visit, self.items[name], value=value, note=note, entry=entry,
                                    actor=self.world.inspector)

    def basics(self, *, enrolled: str = "80") -> None:
        today = local_today().isoformat()
        for name, value in [("day", today), ("enrolled", enrolled), ("aided", "20"), ("programmes", "grant"),
                            ("consent", "OK"), ("Q1", "yes"), ("Q2", "yes")]:
            self.answer(name, value)

    def problems(self) -> str:
        with pytest.raises(ValidationFailed) as refused:
            services.submit_visit(self.visit, actor=self.world.inspector)
        return "\n".join(refused.value.details)

    def state(self, name: str, entry: RepeatInstance | None = None) -> t.Any:
        return services.form_state(self.visit).get(self.items[name], entry.id if entry else None)


@pytest.fixture
def filling(world: World) -> Filling:
    path = DATA / "logic_checklist.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="L1", name="逻辑检查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    (visit,) = campaign_services.add_schools(campaign, [world.school], actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return Filling(world, version, visit)


def test_a_question_is_shown_only_when_its_condition_holds(filling: Filling) -> None:
    assert not filling.state("other_prog").relevant
    filling.answer("programmes", "grant other")
    assert filling.state("other_prog").relevant
    assert not filling.state("Q1_note").relevant
    filling.answer("Q1", "no")
    assert filling.state("Q1_note").relevant and filling.state("Q1_photo").relevant


def test_a_section_is_shown_only_to_large_schools_and_required_only_for_the_largest(filling: Filling) -> None:
    assert not filling.state("Q3").relevant  # blank enrolled: NaN > 100 is false
    filling.answer("enrolled", "500")
    q3 = filling.state("Q3")
    assert q3.relevant and not q3.required
    filling.answer("enrolled", "1500")
    assert filling.state("Q3").required


def test_submission_enforces_required_and_constraints_on_shown_questions_only(filling: Filling) -> None:
    filling.answer("day", (local_today() + timedelta(days=1)).isoformat())
    filling.answer("enrolled", "50")
    filling.answer("aided", "60")
    filling.answer("programmes", "grant waiver other")
    filling.answer("Q1", "no")

    problems = filling.problems()

    assert "day 检查日期：不能晚于今天" in problems  # the form's own message, in the UI language
    assert "aided 受助学生数：不能多于在校学生" in problems
    assert "programmes" in problems  # count-selected(.) <= 2, no message given: the generic one
    assert "other_prog 其他项目名称：请写明项目名称" in problems  # required_message
    assert "consent" in problems  # an acknowledgement must be ticked
    assert "Q1_note" in problems  # the note is required when Q1 fails
    assert "Q1_photo" not in problems  # the photo is asked, but optional
    assert "Q2" in problems
    assert "Q3" not in problems  # its section is hidden for 50 pupils
    assert filling.visit.status == VisitStatus.IN_PROGRESS


def test_a_shown_question_without_answer_or_constraint_error_does_not_block(filling: Filling) -> None:
    filling.basics()

    raised = services.submit_visit(filling.visit, actor=filling.world.inspector)

    assert raised == [] and filling.visit.status == VisitStatus.SUBMITTED


def test_answers_to_hidden_questions_are_cleared_at_submission(filling: Filling) -> None:
    filling.basics()
    filling.answer("Q1", "no")
    filling.answer("Q1_note", "未成立领导小组")
    photos.add_visit_photo(filling.visit, filling.items["Q1_photo"], jpeg(), filename="a.jpg",
                          actor=filling.world.inspector)
    filling.answer("programmes", "grant other")
    filling.answer("other_prog", "营养餐")
    filling.answer("Q1", "yes")  # the note and the photo no longer apply
    filling.answer("programmes", "grant")  # neither does the other programme

    services.submit_visit(filling.visit, actor=filling.world.inspector)
    db.session.commit()

    answers = {a.item.name: a for a in services.visit_answers(filling.visit).values()}
    assert answers["Q1_note"].value is None and answers["other_prog"].value is None
    assert attachments.visit_photos(filling.visit) == {}
    dropped = db.session.scalars(sa.select(AuditEntry.before).where(AuditEntry.action == "answer.drop")).all()
    assert {"value": "未成立领导小组", "note": None} in dropped
    assert not db.session.scalars(sa.select(Finding)).all()


def test_a_default_stands_as_the_answer_until_changed(filling: Filling) -> None:
    assert filling.state("arrival").value == "08:30"
    filling.basics()
    services.submit_visit(filling.visit, actor=filling.world.inspector)
    answers = {a.item.name: a.value for a in services.visit_answers(filling.visit).values()}
    assert answers["arrival"] == "08:30"


def test_a_cleared_default_stays_blank(filling: Filling) -> None:
    filling.answer("arrival", "")
    assert filling.state("arrival").value == ""


@pytest.mark.parametrize(("name", "raw", "stored"), [
    ("arrival", "7:05", None), ("arrival", "07:05", "07:05"), ("arrival", "07:05:30", "07:05:30"),
    ("left_at", "2026-11-05T16:40", "2026-11-05T16:40"), ("left_at", "2026-11-05 16:40", "2026-11-05T16:40"),
    ("spot", "34.5 109.51", "34.5 109.51"), ("spot", "34.500001,109.51 380 12.5", "34.500001 109.51 380 12.5"),
    ("spot", "95 109", None), ("spot", "north", None),
    ("consent", "OK", "OK"), ("consent", "yes", None),
    ("programmes", "waiver grant waiver", "waiver grant"),
])
def test_every_type_is_checked_and_stored_in_its_xlsform_form(filling: Filling, name: str, raw: str,
                                                               stored: str | None) -> None:
    if stored is None:
        with pytest.raises(ValidationFailed) as refused:
            filling.answer(name, raw)
        assert raw in refused.value.message or name == "consent"
    else:
        assert filling.answer(name, raw).value == stored


# --- repeats ------------------------------------------------------------------------------------------------


def test_each_failing_entry_of_a_list_raises_its_own_finding_with_its_note_and_photos(filling: Filling) -> None:
    filling.basics(enrolled="80")
    defects = filling.items["defects"]
    first = services.add_entry(filling.visit, defects, actor=filling.world.inspector)
    second = services.add_entry(filling.visit, defects, actor=filling.world.inspector)
    filling.answer("d_area", "money", entry=first)
    filling.answer("d_note", "助学金被抵扣学费。", entry=first)
    filling.answer("d_count", "3", entry=first)
    filling.answer("d_area", "org", entry=second)
    filling.answer("d_note", "资助工作无专人负责。", entry=second)
    photo = photos.add_visit_photo(filling.visit, filling.items["d_photo"], jpeg(), filename="d.jpg",
                                  entry=second, actor=filling.world.inspector)

    # In an entry, ${d_area} is that entry's answer; ${enrolled} is the visit's.
    assert filling.state("d_count", first).relevant and not filling.state("d_count", second).relevant
    filling.answer("d_count", "90", entry=first)
    problems = filling.problems()
    assert "其他问题" in problems and "d_count" in problems and "“90”" in problems
    filling.answer("d_count", "3", entry=first)

    raised = services.submit_visit(filling.visit, actor=filling.world.inspector)

    by_entry = {f.instance_id: f for f in raised}
    assert set(by_entry) == {first.id, second.id}
    assert by_entry[first.id].description == "助学金被抵扣学费。" and by_entry[first.id].answer_value == "money"
    assert by_entry[second.id].inspector_note == "资助工作无专人负责。"
    assert finding_services.finding_photos(by_entry[second.id]) == [photo]
    assert finding_services.finding_photos(by_entry[first.id]) == []


def test_an_entry_belongs_to_its_visit_and_list(filling: Filling, world: World) -> None:
    entry = services.add_entry(filling.visit, filling.items["defects"], actor=world.inspector)
    with pytest.raises(ValidationFailed):
        filling.answer("d_area", "money")  # no entry given
    with pytest.raises(ValidationFailed):
        filling.answer("Q1", "yes", entry=entry)  # not a question of the list
    with pytest.raises(ValidationFailed):
        services.add_entry(filling.visit, filling.items["Q1"], actor=world.inspector)
    with pytest.raises(ValidationFailed):
        services.save_answer(world.visit, filling.items["d_area"], value="org", note=None, entry=entry,
                             actor=world.inspector)


def test_a_client_made_entry_key_is_kept_and_adding_it_twice_is_harmless(filling: Filling) -> None:
    key = "0b7c2a1e-5d4f-4e8a-9b3c-2f1e0d9c8b7a"
    entry = services.add_entry(filling.visit, filling.items["defects"], key=key, actor=filling.world.inspector)
    again = services.add_entry(filling.visit, filling.items["defects"], key=key.upper(),
                               actor=filling.world.inspector)
    assert entry.uuid == key and again.id == entry.id
    with pytest.raises(ValidationFailed):
        services.add_entry(filling.visit, filling.items["defects"], key="not-a-uuid", actor=filling.world.inspector)


def test_a_removed_entry_stops_counting_and_its_unconfirmed_finding_falls_away(filling: Filling) -> None:
    inspector = filling.world.inspector
    filling.basics()
    entry = services.add_entry(filling.visit, filling.items["defects"], actor=inspector)
    filling.answer("d_area", "org", entry=entry)
    filling.answer("d_note", "无专人负责。", entry=entry)
    (finding,) = services.submit_visit(filling.visit, actor=inspector)
    services.return_visit(filling.visit, reason="请核实其他问题", actor=filling.world.supervisor)

    services.remove_entry(filling.visit, entry, actor=inspector)
    services.submit_visit(filling.visit, actor=inspector)

    assert finding.status == FindingStatus.DISMISSED
    assert services.visit_entries(filling.visit) == {}
    assert db.session.get(RepeatInstance, entry.id).removed_at is not None  # type: ignore[union-attr]


def test_the_page_renders_entries_and_the_server_adds_and_removes_them(filling: Filling, auth: t.Any,
                                                                      client: t.Any) -> None:
    world = filling.world
    auth.login(world.inspector)
    defects = filling.items["defects"]

    key = str(uuid.uuid4())

    def send(visit: t.Any, *ops: dict[str, t.Any]) -> list[dict[str, t.Any]]:
        ops_with_ids = [{"op_id": str(uuid.uuid4()), **op} for op in ops]
        response = client.post(f"/api/v1/visits/{visit.uuid}/ops", json={"ops": ops_with_ids},
                               headers={"Idempotency-Key": str(uuid.uuid4())})
        assert response.status_code == 200
        return t.cast(list[dict[str, t.Any]], response.json["results"])

    added = send(filling.visit, {"type": "entry_add", "item_id": defects.id, "entry": key},
                 {"type": "answer", "item_id": filling.items["d_area"].id, "entry": key, "value": "money",
                  "note": None, "base_rev": 0})
    page = client.get(f"/visits/{filling.visit.id}").get_data(as_text=True)
    removed = send(filling.visit, {"type": "entry_remove", "entry": key})

    assert [r["status"] for r in added] == ["applied", "applied"]
    assert f'data-entry="{key}"' in page and f'name="value-{filling.items["d_area"].id}-{key}"' in page
    assert "data-entry-template" in page
    assert removed[0]["status"] == "applied" and services.visit_entries(filling.visit) == {}
    other = send(world.visit, {"type": "entry_add", "item_id": defects.id, "entry": str(uuid.uuid4())})
    assert other[0]["status"] == "refused"  # the item is not part of that visit's checklist


def test_one_batch_adds_an_entry_answers_in_it_and_removes_it_in_order(filling: Filling, auth: t.Any,
                                                                        client: t.Any) -> None:
    auth.login(filling.world.inspector)
    defects, area = filling.items["defects"], filling.items["d_area"]
    key, unknown = str(uuid.uuid4()), str(uuid.uuid4())

    def answer(value: str, entry: str) -> dict[str, t.Any]:
        return {"op_id": str(uuid.uuid4()), "type": "answer", "item_id": area.id, "entry": entry, "value": value,
                "note": None, "base_rev": 0}

    ops = [{"op_id": str(uuid.uuid4()), "type": "entry_add", "item_id": defects.id, "entry": key},
           answer("money", key.upper()), answer("org", unknown),
           {"op_id": str(uuid.uuid4()), "type": "entry_remove", "entry": key}, answer("org", key)]
    response = client.post(f"/api/v1/visits/{filling.visit.uuid}/ops", json={"ops": ops},
                           headers={"Idempotency-Key": str(uuid.uuid4())})

    results = response.json["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "refused", "applied", "refused"]
    assert unknown in results[2]["message"]
    entry = db.session.scalars(sa.select(RepeatInstance).where(RepeatInstance.uuid == key)).one()
    assert entry.removed_at is not None
    stored = db.session.scalars(sa.select(Answer).where(Answer.instance_id == entry.id)).one()
    assert (stored.item_id, stored.value, stored.rev) == (area.id, "money", 1)


def test_without_scripts_the_page_saves_entries_and_adds_them(filling: Filling, auth: t.Any, client: t.Any) -> None:
    auth.login(filling.world.inspector)
    defects = filling.items["defects"]
    entry = services.add_entry(filling.visit, defects, actor=filling.world.inspector)
    db.session.commit()
    area = filling.items["d_area"]

    client.post(f"/visits/{filling.visit.id}/save", data={f"value-{area.id}-{entry.uuid}": "org",
                                                          "add_entry": str(defects.id)})

    entries = services.visit_entries(filling.visit)[defects.id]
    assert len(entries) == 2
    assert services.visit_answers(filling.visit)[(area.id, entry.id)].value == "org"


def test_the_page_fetches_its_score_card_after_syncing(filling: Filling, auth: t.Any, client: t.Any) -> None:
    auth.login(filling.world.inspector)
    response = client.get(f"/visits/{filling.visit.id}/score")
    assert response.status_code == 200 and 'id="score"' in response.get_data(as_text=True)




def test_the_school_sees_the_photos_of_a_detail_question_once_the_problem_is_confirmed(
        filling: Filling, auth: t.Any, client: t.Any) -> None:
    from inspect_app.findings import services as finding_services

    world = filling.world
    filling.basics()
    filling.answer("Q1", "no")
    filling.answer("Q1_note", "未成立领导小组。")
    photo = photos.add_visit_photo(filling.visit, filling.items["Q1_photo"], jpeg(), filename="q1.jpg",
                                  actor=world.inspector)
    (finding,) = services.submit_visit(filling.visit, actor=world.inspector)
    db.session.commit()
    assert (finding.item.name, finding.inspector_note) == ("Q1", "未成立领导小组。")
    assert finding_services.finding_photos(finding) == [photo]
    auth.login(world.school_contact)
    assert client.get(f"/media/{photo.id}").status_code == 404

    finding_services.confirm_finding(finding, actor=world.supervisor)
    db.session.commit()

    response = client.get(f"/media/{photo.id}")
    response.close()
    assert response.status_code == 200
    page = client.get(f"/rectification/{finding.rectification.id}").get_data(as_text=True)
    assert f"/media/{photo.id}" in page


@pytest.fixture
def features(world: World) -> Filling:
    path = DATA / "features_checklist.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None, publish=True)
    today = local_today()
    campaign = campaign_services.create_campaign(
        code="F1", name="资助抽查", term="2026年秋季学期", checklist_version=version,
        default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=10),
        actor=world.supervisor)
    (visit,) = campaign_services.add_schools(campaign, [world.school], actor=world.supervisor)
    campaign_services.assign_inspector([visit], world.inspector, actor=world.supervisor)
    campaign_services.start_campaign(campaign, actor=world.supervisor)
    db.session.commit()
    return Filling(world, version, visit)


def test_calculated_hidden_and_readonly_values_are_the_forms_not_the_inspectors(features: Filling) -> None:
    for name in ("ratio", "round_no", "inspector"):
        with pytest.raises(ValidationFailed) as refused:
            features.answer(name, "99")
        assert "cannot be answered" in refused.value.message or "不能" in refused.value.message
    for name, value in [("county", "yanta"), ("school", "yt1"), ("enrolled", "200"), ("aided", "50"),
                        ("sampled", "0")]:
        features.answer(name, value)

    assert features.state("ratio").value == "25"
    services.submit_visit(features.visit, actor=features.world.inspector)
    db.session.commit()

    stored = {a.item.name: a.value for a in services.visit_answers(features.visit).values()}
    assert stored["ratio"] == "25" and stored["round_no"] == "2026-1" and stored["inspector"] == "市资助中心"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "answer.save")
                              .order_by(AuditEntry.id.desc()).limit(1))
    assert entry is not None and entry.after == {"item": "ratio", "value": "25", "calculated": True}


def test_a_calculation_saved_behind_the_forms_back_is_recomputed_at_submission(features: Filling) -> None:
    for name, value in [("county", "yanta"), ("school", "yt1"), ("enrolled", "200"), ("aided", "50")]:
        features.answer(name, value)
    db.session.add(Answer(visit_id=features.visit.id, item_id=features.items["ratio"].id, value="99",
                          updated_by_id=features.world.inspector.id))
    db.session.flush()

    services.submit_visit(features.visit, actor=features.world.inspector)

    assert services.visit_answers(features.visit)[(features.items["ratio"].id, None)].value == "25"


def test_a_choice_outside_the_filter_and_a_wrong_number_of_entries_are_refused_naming_the_item(
        features: Filling) -> None:
    features.answer("county", "beilin")
    features.answer("school", "yt1")  # a Yanta school, with Beilin chosen
    features.answer("sampled", "2")
    services.add_entry(features.visit, features.items["samples"], actor=features.world.inspector)

    problems = features.problems()

    assert "school" in problems and "yt1" in problems
    assert "samples" in problems and "2" in problems
    features.answer("school", "bl1")
    features.answer("sampled", "1")
    services.submit_visit(features.visit, actor=features.world.inspector)
    assert features.visit.status == VisitStatus.SUBMITTED


def test_labels_and_hints_show_the_answers_they_name_on_the_page(features: Filling, auth: t.Any,
                                                                 client: t.Any) -> None:
    for name, value in [("county", "yanta"), ("enrolled", "200"), ("aided", "50")]:
        features.answer(name, value)
    db.session.commit()
    auth.login(features.world.inspector)

    page = client.get(f"/visits/{features.visit.id}").get_data(as_text=True)

    assert "yanta 的学校" in page and "占在校生 25%" in page
    assert 'data-pipe="${county} 的学校"' in page
