"""Scoring a visit: weights, 不适用, unanswered items, dismissed problems and veto items.

The mini checklist: section S1 (10 points) holds S1_1 (6) and the veto item S1_2 (4); section S2
(5 points) holds S2_1 (5, failing on 差). Full marks 15.
"""

from __future__ import annotations

import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa

from inspect_app.extensions import db
from inspect_app.findings import services as finding_services
from inspect_app.visits import figures
from inspect_app.visits import services

from ..fixtures import answer_all

if t.TYPE_CHECKING:
    from flask import Flask

    from tests.fixtures import World


def answer(world: World, **values: str) -> None:
    items = {i.name: i for i in world.visit.checklist_version.items}
    for name, value in values.items():
        services.save_answer(world.visit, items[name], value=value, note="说明" if value in ("no", "poor") else None,
                             actor=world.inspector)


def sections(score: t.Any) -> dict[str | None, Decimal | None]:
    return {s.name: s.score for s in score.sections}


@pytest.mark.parametrize(("values", "total", "by_section"), [
    ({"S1_1": "yes", "S1_2": "yes", "S2_1": "good"}, "15", {"S1": "10", "S2": "5"}),
    ({"S1_1": "no", "S1_2": "yes", "S2_1": "fair"}, "9", {"S1": "4", "S2": "5"}),
    ({"S1_1": "na", "S1_2": "yes", "S2_1": "poor"}, "10", {"S1": "10", "S2": "0"}),
    # A section where nothing counts is left out, and the rest is scaled to full marks.
    ({"S1_1": "na", "S1_2": "na", "S2_1": "good"}, "15", {"S1": None, "S2": "5"}),
    ({"S1_1": "na", "S1_2": "na", "S2_1": "poor"}, "0", {"S1": None, "S2": "0"}),
])
def test_section_and_total_scores(world: World, values: dict[str, str], total: str,
                                  by_section: dict[str, str | None]) -> None:
    answer(world, **values)

    score = figures.visit_score(world.visit)

    assert score.full_marks == 15
    assert score.score == Decimal(total)
    assert sections(score) == {k: Decimal(v) if v is not None else None for k, v in by_section.items()}
    assert not score.vetoed and score.complete


def test_unanswered_items_count_as_not_earned_and_the_score_says_it_is_incomplete(world: World) -> None:
    answer(world, S1_2="yes")

    score = figures.visit_score(world.visit)

    assert sections(score) == {"S1": Decimal(4), "S2": Decimal(0)}
    assert score.score == 4 and score.unanswered == 2 and not score.complete
    assert score.percent == Decimal("26.7")


def test_a_failing_veto_item_fails_the_visit_whatever_the_score(world: World) -> None:
    answer(world, S1_1="yes", S1_2="no", S2_1="good")

    score = figures.visit_score(world.visit)

    assert score.vetoed and [i.name for i in score.veto_items] == ["S1_2"]
    assert score.score == 11


def test_a_dismissed_problem_counts_as_passed(world: World, app: Flask) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_1": "未见文件", "S1_2": "疑似挪用"})
    findings = {f.item.name: f for f in services.submit_visit(world.visit, actor=world.inspector)}
    assert figures.visit_score(world.visit).vetoed

    finding_services.dismiss_finding(findings["S1_1"], reason="文件在档案室", actor=world.supervisor)
    finding_services.dismiss_finding(findings["S1_2"], reason="核实无误", actor=world.supervisor)

    score = figures.visit_score(world.visit)
    assert score.score == 15 and not score.vetoed


def test_a_checklist_without_assessed_items_has_no_score(ctx: None) -> None:
    from inspect_app.checklists import services as checklist_services
    from inspect_app.checklists.logic import evaluate_form
    from inspect_app.visits.scoring import score_visit

    from ..checklists.test_import import md_form

    version, _ = checklist_services.import_checklist(md_form("""
|        | type | name | label |
|        | date | day  | 日期  |
"""), filename="plain.md", actor=None)

    score = score_visit(version, evaluate_form(version, {}, today="2026-03-15"), dismissed=set())

    assert not score.scored and score.score is None and score.percent is None and not score.vetoed


def test_campaign_scores_cost_the_same_queries_for_one_visit_or_many(world: World, app: Flask,
                                                                     make_school: t.Any,
                                                                     make_campaign: t.Any) -> None:
    from sqlalchemy import event

    def queries(campaign_id: int) -> tuple[int, dict[int, t.Any]]:
        db.session.expire_all()
        seen: list[str] = []

        def count(*_args: t.Any) -> None:
            seen.append("q")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            scores = figures.campaign_scores(campaign_id)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen), scores

    answer(world, S1_1="no", S1_2="yes", S2_1="good")
    db.session.commit()
    one, scores = queries(world.campaign.id)
    assert scores[world.visit.id].score == 9

    schools = [make_school(world.away) for _ in range(4)]
    big = make_campaign(world.supervisor, schools=schools, inspectors=[world.inspector], start=True, code="BIG")
    for visit in db.session.scalars(sa.select(services.Visit).where(services.Visit.campaign_id == big.id)):
        answer_all(app, visit, world.inspector)
    db.session.commit()
    many, big_scores = queries(big.id)

    assert many == one
    assert len(big_scores) == 4 and all(s.score == 15 for s in big_scores.values())


def test_the_visit_page_shows_the_score_to_the_reviewer(world: World, app: Flask, auth: t.Any,
                                                        client: t.Any) -> None:
    answer_all(app, world.visit, world.inspector, failing={"S1_2": "挪用资金"})
    services.submit_visit(world.visit, actor=world.inspector)
    db.session.commit()
    auth.login(world.county_supervisor)

    page = client.get(f"/visits/{world.visit.id}").get_data(as_text=True)

    assert 'id="score"' in page and "<strong>11</strong> / 15" in page
    assert "S1_2" in page.split('id="score"')[1].split("</section>")[0]  # the veto is named
