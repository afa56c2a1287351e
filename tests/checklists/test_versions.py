"""Checklist versions: drafts and published versions, immutability, retirement, and what changed."""

from __future__ import annotations

import io
import typing as t
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from inspect_app.audit.models import AuditEntry
from inspect_app.campaigns import services as campaign_services
from inspect_app.checklists import services
from inspect_app.checklists.models import ChecklistItem
from inspect_app.checklists.models import ChecklistVersion
from inspect_app.checklists.models import VersionStatus
from inspect_app.db import local_today
from inspect_app.errors import InvalidTransition
from inspect_app.errors import ValidationFailed
from inspect_app.extensions import db
from inspect_app.visits.models import Visit

from .test_import import MINI
from .test_import import SHIPPED
from .test_import import counts
from .test_import import import_file

if t.TYPE_CHECKING:
    from tests.fixtures import Auth
    from tests.fixtures import World


def actions(version: ChecklistVersion) -> list[str]:
    stmt = (sa.select(AuditEntry.action)
            .where(AuditEntry.object_type == "checklist_versions", AuditEntry.object_id == version.id)
            .order_by(AuditEntry.id))
    return list(db.session.scalars(stmt))


ENROLLED_ROW = next(line + "\n" for line in MINI.read_text(encoding="utf-8").splitlines() if "| enrolled |" in line)


def mini_v2(**replacements: str) -> bytes:
    text = MINI.read_text(encoding="utf-8").replace("| mini_test | 1       |", "| mini_test | 2       |")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.encode()


# --- drafts -------------------------------------------------------------------------------------------------


def test_an_import_is_a_draft_until_published(ctx: None) -> None:
    version, created = import_file(SHIPPED)
    db.session.commit()
    assert created and version.status == VersionStatus.DRAFT and version.published_at is None
    assert version not in services.published_versions()

    services.publish_version(version, actor=None)
    db.session.commit()

    assert version.status == VersionStatus.PUBLISHED and version.published_at is not None
    assert services.published_versions() == [version]
    assert actions(version) == ["checklist.import", "checklist.publish"]


def test_importing_the_same_file_again_creates_nothing_and_may_publish_the_draft(ctx: None) -> None:
    first, _ = import_file(SHIPPED)
    db.session.commit()
    before = counts()

    again, changed = import_file(SHIPPED)
    assert not changed and again.id == first.id and counts() == before

    published, changed = services.import_checklist(SHIPPED.read_bytes(), filename=SHIPPED.name, actor=None,
                                                   publish=True)
    assert changed and published.id == first.id and published.status == VersionStatus.PUBLISHED


def test_a_corrected_file_with_the_same_version_number_replaces_the_draft(ctx: None) -> None:
    draft, _ = import_file(SHIPPED)
    db.session.commit()
    changed = SHIPPED.read_text(encoding="utf-8").replace("有固定办公场所、档案专柜", "有固定办公场所")

    again, replaced = services.import_checklist(changed.encode(), filename=SHIPPED.name, actor=None)
    db.session.commit()
    db.session.expire_all()

    assert replaced and again.id == draft.id
    assert [v.version for v in draft.checklist.versions] == ["2026.1"]
    a4 = next(i for i in again.items if i.name == "A4")
    assert a4.label["zh"] == "有固定办公场所"
    assert a4.note_question is not None and a4.note_question.name == "A4_note"
    assert actions(again) == ["checklist.import", "checklist.replace"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) == len(again.items)


def test_a_changed_file_claiming_a_published_version_is_refused_and_writes_nothing(ctx: None) -> None:
    services.import_checklist(SHIPPED.read_bytes(), filename=SHIPPED.name, actor=None, publish=True)
    db.session.commit()
    before = counts()
    changed = SHIPPED.read_text(encoding="utf-8").replace("有固定办公场所、档案专柜", "有固定办公场所")

    with pytest.raises(ValidationFailed) as excinfo:
        services.import_checklist(changed.encode(), filename=SHIPPED.name, actor=None)

    assert "student_aid_cross_check" in excinfo.value.message and "2026.1" in excinfo.value.message
    db.session.rollback()
    assert counts() == before


def test_a_draft_can_be_discarded_and_nothing_else_can(ctx: None) -> None:
    draft, _ = import_file(MINI)
    db.session.commit()
    checklist = services.discard_draft(draft, actor=None)
    db.session.commit()
    assert checklist.versions == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) == 0

    published, _ = services.import_checklist(MINI.read_bytes(), filename=MINI.name, actor=None, publish=True)
    with pytest.raises(InvalidTransition):
        services.discard_draft(published, actor=None)


# --- published versions never change ------------------------------------------------------------------------


def test_a_published_version_refuses_any_change_to_its_content(ctx: None) -> None:
    version, _ = services.import_checklist(MINI.read_bytes(), filename=MINI.name, actor=None, publish=True)
    db.session.commit()

    version.items[0].label = {"zh": "改过的说明"}
    with pytest.raises(InvalidTransition) as excinfo:
        db.session.flush()
    assert "mini_test" in excinfo.value.message
    db.session.rollback()

    version.sections[0].weight = Decimal(99)
    with pytest.raises(InvalidTransition):
        db.session.flush()
    db.session.rollback()

    version.title = {"zh": "新标题"}
    with pytest.raises(InvalidTransition):
        db.session.flush()
    db.session.rollback()

    db.session.delete(version.items[-1])
    with pytest.raises(InvalidTransition):
        db.session.flush()
    db.session.rollback()

    # Retiring changes the status alone, and is allowed.
    services.retire_version(version, actor=None)
    db.session.commit()
    assert version.status == VersionStatus.RETIRED and version.retired_at is not None


def test_a_draft_may_change(ctx: None) -> None:
    version, _ = import_file(MINI)
    version.items[0].label = {"zh": "改过的说明"}
    db.session.flush()


def test_publish_and_retire_follow_the_status(ctx: None) -> None:
    version, _ = import_file(MINI)
    with pytest.raises(InvalidTransition):
        services.retire_version(version, actor=None)
    services.publish_version(version, actor=None)
    with pytest.raises(InvalidTransition):
        services.publish_version(version, actor=None)
    services.retire_version(version, actor=None)
    with pytest.raises(InvalidTransition):
        services.retire_version(version, actor=None)
    assert actions(version) == ["checklist.import", "checklist.publish", "checklist.retire"]


def test_a_retired_version_keeps_its_campaigns_but_no_new_campaign_can_use_it(world: World) -> None:
    version = world.campaign.checklist_version
    services.retire_version(version, actor=world.admin)
    db.session.commit()

    assert world.visit.checklist_version_id == version.id
    assert version not in services.published_versions()
    today = local_today()
    with pytest.raises(ValidationFailed):
        campaign_services.create_campaign(
            code="R1", name="退役检查", term="2026年秋季学期", checklist_version=version,
            default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=5),
            actor=world.supervisor)
    draft, _ = services.import_checklist(mini_v2(), filename="mini_checklist.md", actor=world.admin)
    with pytest.raises(ValidationFailed):
        campaign_services.create_campaign(
            code="R2", name="草稿检查", term="2026年秋季学期", checklist_version=draft,
            default_due_on=today + timedelta(days=30), starts_on=today, ends_on=today + timedelta(days=5),
            actor=world.supervisor)


def item_state(version: ChecklistVersion) -> list[tuple[t.Any, ...]]:
    return [(i.id, i.name, i.label, i.weight, i.fail_values, i.severity) for i in version.items]


def test_a_new_version_leaves_the_old_one_and_its_visits_alone(world: World) -> None:
    v1 = world.visit.checklist_version
    v1_items = item_state(v1)

    v2, created = services.import_checklist(mini_v2(成立领导小组="成立资助工作领导小组"), filename="mini_checklist.md",
                                            actor=world.admin, publish=True)
    db.session.commit()
    db.session.expire_all()

    assert created and v2.id != v1.id
    assert [v.version for v in v1.checklist.versions] == ["1", "2"]
    assert v2.checklist_id == v1.checklist_id
    assert item_state(v1) == v1_items
    assert next(i for i in v2.items if i.name == "S1_1").label["zh"] == "成立资助工作领导小组"
    assert next(i for i in v1.items if i.name == "S1_1").label["zh"] == "成立领导小组"
    assert world.visit.checklist_version_id == v1.id
    assert db.session.get(Visit, world.visit.id).checklist_version_id == v1.id  # type: ignore[union-attr]
    assert world.campaign.checklist_version_id == v1.id
    assert services.find_version("mini_test").id == v2.id
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "checklist.import",
                                                           AuditEntry.object_id == v2.id)).one()
    assert entry.actor_id == world.admin.id


# --- what changed -------------------------------------------------------------------------------------------


def test_the_changes_between_two_versions_name_each_field(ctx: None) -> None:
    v1, _ = import_file(MINI)
    v2_source = mini_v2(**{
        "| 成立领导小组        | Leading group set up| yes      | 6      | 一般     |":
            "| 成立资助领导小组    | Leading group set up| yes      | 7      | 较重     |",
        ENROLLED_ROW: "",
        "| 档案                | Archives            |          | 5      |":
            "| 资助档案            | Archives            |          | 6      |",
        "|        | text            | opinion  |": "|        | text            | opinion2 |",
    })
    v2, _ = services.import_checklist(v2_source, filename="mini_checklist.md", actor=None)

    diff = services.compare_versions(v1, v2)

    assert [i.name for i in diff.items_added] == ["opinion2"]
    assert sorted(i.name for i in diff.items_removed) == ["enrolled", "opinion"]
    changed = {e.name: {c.field: (c.before, c.after) for c in e.changes} for e in diff.items_changed}
    assert changed == {"S1_1": {"label:zh": ("成立领导小组", "成立资助领导小组"), "weight": ("6", "7"),
                                "severity": ("一般", "较重")}}
    sections = {e.name: {c.field: (c.before, c.after) for c in e.changes} for e in diff.sections_changed}
    assert sections == {"S2": {"label:zh": ("档案", "资助档案"), "weight": ("5", "6")}}
    assert not diff.sections_added and not diff.sections_removed and not diff.is_empty
    assert services.compare_versions(v1, v1).is_empty


def test_logic_changes_show_up_field_by_field(ctx: None) -> None:
    from .test_import import md_form

    old = md_form("""
|        | type          | name | label | relevant     | required |
|        | select_one yn | q1   | 一    |              | yes      |
|        | text          | q2   | 二    | ${q1} = 'no' |          |
""", form_id="logic", version="1")
    new = md_form("""
|        | type          | name | label | relevant      | required     | constraint            |
|        | select_one yn | q1   | 一    |               | yes          |                       |
|        | text          | q2   | 二    | ${q1} != 'yes' | ${q1} = 'no' | string-length(.) > 5 |
""", form_id="logic", version="2")
    v1, _ = services.import_checklist(old, filename="logic.md", actor=None)
    v2, _ = services.import_checklist(new, filename="logic.md", actor=None)

    (change,) = services.compare_versions(v1, v2).items_changed

    assert {c.field: (c.before, c.after) for c in change.changes} == {
        "relevant": ("${q1} = 'no'", "${q1} != 'yes'"),
        "required": ("否", "${q1} = 'no'"),
        "constraint": ("", "string-length(.) > 5"),
    }


def test_the_cli_publishes_retires_and_compares(ctx: None, runner: t.Any) -> None:
    v1, _ = import_file(MINI)
    v2, _ = services.import_checklist(mini_v2(成立领导小组="成立资助工作领导小组"), filename="mini_checklist.md",
                                      actor=None)
    db.session.commit()

    published = runner.invoke(args=["checklists", "publish", str(v1.id)])
    assert published.exit_code == 0 and "published: mini_test version 1" in published.output
    again = runner.invoke(args=["checklists", "publish", str(v1.id)])
    assert again.exit_code != 0 and "草稿" in again.output
    retired = runner.invoke(args=["checklists", "retire", str(v1.id)])
    assert retired.exit_code == 0 and "retired: mini_test version 1" in retired.output
    diff = runner.invoke(args=["checklists", "diff", str(v1.id), str(v2.id)])
    assert diff.exit_code == 0
    assert "~ item S1_1 label:zh: '成立领导小组' -> '成立资助工作领导小组'" in diff.output
    missing = runner.invoke(args=["checklists", "publish", "999999"])
    assert missing.exit_code != 0 and "999999" in missing.output
    loaded = runner.invoke(args=["checklists", "load", "--publish"])
    assert loaded.exit_code == 0 and "student_aid_cross_check version 2026.1" in loaded.output
    assert "published)" in loaded.output


# --- the pages ----------------------------------------------------------------------------------------------


def test_a_supervisor_imports_a_draft_previews_it_and_publishes_it(world: World, auth: Auth, client: t.Any) -> None:
    auth.login(world.supervisor)
    response = client.post("/checklists/import", data={"file": (io.BytesIO(SHIPPED.read_bytes()), SHIPPED.name)},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    version = db.session.scalars(sa.select(ChecklistVersion).where(ChecklistVersion.version == "2026.1")).one()
    assert version.status == VersionStatus.DRAFT
    page = response.get_data(as_text=True)
    assert f"/checklists/versions/{version.id}/publish" in page and "${A1} = &#39;no&#39;" in page

    preview = client.get(f"/checklists/versions/{version.id}/preview").get_data(as_text=True)
    assert 'data-sandbox' in preview and 'data-name="A1_note"' in preview and 'data-name="op_area"' in preview
    assert "csrf_token" not in preview.split('id="visit-form"')[1]

    client.post(f"/checklists/versions/{version.id}/publish", follow_redirects=True)
    db.session.refresh(version)
    assert version.status == VersionStatus.PUBLISHED
    client.post(f"/checklists/versions/{version.id}/retire", follow_redirects=True)
    db.session.refresh(version)
    assert version.status == VersionStatus.RETIRED


def test_the_changes_page_compares_with_the_previous_version(world: World, auth: Auth, client: t.Any) -> None:
    v1 = world.campaign.checklist_version
    v2, _ = services.import_checklist(mini_v2(成立领导小组="成立资助工作领导小组"), filename="mini_checklist.md",
                                      actor=world.admin)
    db.session.commit()
    auth.login(world.county_supervisor)

    page = client.get(f"/checklists/versions/{v2.id}/changes").get_data(as_text=True)
    first = client.get(f"/checklists/versions/{v1.id}/changes", follow_redirects=True)

    assert "成立资助工作领导小组" in page and "成立领导小组" in page and "S1_1" in page
    assert first.request.path == f"/checklists/versions/{v1.id}"


def test_county_supervisors_may_look_but_not_publish(world: World, auth: Auth, client: t.Any) -> None:
    draft, _ = services.import_checklist(mini_v2(), filename="mini_checklist.md", actor=world.admin)
    db.session.commit()
    auth.login(world.county_supervisor)

    assert client.get(f"/checklists/versions/{draft.id}/preview").status_code == 200
    assert client.post(f"/checklists/versions/{draft.id}/publish").status_code == 403
    assert client.post(f"/checklists/versions/{draft.id}/discard").status_code == 403
    db.session.refresh(draft)
    assert draft.status == VersionStatus.DRAFT


def test_the_shipped_form_is_published_by_the_demo_loader_path(ctx: None, tmp_path: Path) -> None:
    (version, changed), = services.load_directory(SHIPPED.parent, actor=None, publish=True)
    assert changed and version.status == VersionStatus.PUBLISHED
