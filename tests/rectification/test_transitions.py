"""Every state against every action: what the one transition table allows happens and is audited;
everything else is refused with the reason and changes nothing."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from inspect_app.audit.models import AuditEntry
from inspect_app.errors import InvalidTransition
from inspect_app.extensions import db
from inspect_app.rectification import evidence
from inspect_app.rectification import services
from inspect_app.rectification.models import RectificationStatus as S

from .test_services import _jpeg

# Each action and the state it leads to (saving measures keeps PARTIAL and IN_PROGRESS where they are).
ACTIONS = {
    "measures": S.IN_PROGRESS,
    "submit": S.SUBMITTED,
    "close": S.CLOSED,
    "return": S.RETURNED,
    "partial": S.PARTIAL,
}


def _allowed(state: S, action: str) -> bool:
    if action == "measures":
        return state not in (S.SUBMITTED, S.CLOSED)
    return ACTIONS[action] in services.TRANSITIONS[state]


def _expected_state(state: S, action: str) -> S:
    if action == "measures" and state not in (S.NOT_STARTED, S.RETURNED):
        return state
    return ACTIONS[action]


@pytest.fixture
def rect(world, make_rects):
    (rect,) = make_rects(world.school, world.supervisor)
    evidence.add_evidence(rect, _jpeg(), filename="佐证.jpg", actor=world.school_contact)
    rect.measures = "已整改。"
    db.session.flush()
    return rect


def test_the_table_has_every_state_and_closed_is_final() -> None:
    assert set(services.TRANSITIONS) == set(S)
    assert services.TRANSITIONS[S.CLOSED] == set()
    assert all(S.CLOSED not in targets or state == S.SUBMITTED for state, targets in services.TRANSITIONS.items())


@pytest.mark.parametrize(("state", "action"), list(itertools.product(S, ACTIONS)))
def test_every_state_against_every_action(world, rect, state, action) -> None:
    rect.status = state
    db.session.flush()
    calls = {
        "measures": lambda: services.save_measures(rect, measures="新的整改措施。", actor=world.school_contact),
        "submit": lambda: services.submit(rect, actor=world.school_contact),
        "close": lambda: services.close(rect, note="同意销号。", actor=world.supervisor),
        "return": lambda: services.return_to_school(rect, reason="材料不足。", actor=world.supervisor),
        "partial": lambda: services.mark_partial(rect, note="尚未完成。", actor=world.supervisor),
    }
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    if _allowed(state, action):
        calls[action]()
        assert rect.status == _expected_state(state, action)
        if rect.status != state:
            entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert entry.action == f"rectification.{rect.status.value}"
            assert entry.before == {"status": state.value}
            assert entry.after["status"] == rect.status.value
            assert [e["file"] for e in entry.after["evidence"]] == ["佐证.jpg"]
    else:
        with force_locale("en"):
            with pytest.raises(InvalidTransition) as refused:
                calls[action]()
            assert state.label in refused.value.message
        assert rect.status == state
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
