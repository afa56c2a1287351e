"""What is left to answer: the questions the form's logic shows and requires, counted alike on the
inspector's task list and on the visit page."""

from __future__ import annotations

import re
import typing as t

from inspect_app.extensions import db
from inspect_app.visits import figures
from inspect_app.visits import services
from inspect_app.visits.progress import progress

from .test_scoring import answer

if t.TYPE_CHECKING:
    from tests.fixtures import World


def test_a_failing_answer_asks_for_its_note_and_the_count_follows(world: World) -> None:
    before = progress(services.form_state(world.visit))
    assert before.answered == 0 and before.remaining == before.to_answer > 0
    answer(world, S1_2="yes")
    after = progress(services.form_state(world.visit))
    assert (after.answered, after.to_answer) == (1, before.to_answer)
    score = figures.visit_score(world.visit)
    assert score.answered == 1


def test_the_task_list_and_the_visit_page_say_the_same(world: World, client: t.Any, auth: t.Any) -> None:
    answer(world, S1_1="yes")
    db.session.commit()
    auth.login(world.inspector)
    done, total = map(int, re.search(r"已填写(\d+)/(\d+)项", client.get("/visits/mine").text).groups())
    page = client.get(f"/visits/{world.visit.id}").text
    left = int(re.search(r"(\d+)项尚未填写", page).group(1))
    assert done == 1 and left == total - done


def test_no_score_is_shown_before_any_answer(world: World, client: t.Any, auth: t.Any) -> None:
    auth.login(world.inspector)
    page = client.get(f"/visits/{world.visit.id}/score").text
    assert "<strong>—</strong>" in page
