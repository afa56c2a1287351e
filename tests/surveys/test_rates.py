"""The rate arithmetic on known numbers."""

from __future__ import annotations

import pytest

from inspect_app.surveys import rates as maths

FORM = maths.Questionnaire(correct={"k1": frozenset({"a"}), "k2": frozenset({"b"}), "k3": frozenset({"c"})},
                           satisfaction=("s1", "s2"))


@pytest.mark.parametrize(("hits", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (90, 100, 0.8256, 0.9448),
    (1, 1, 0.2065, 1.0),
])
def test_wilson_interval_on_known_numbers(hits: int, n: int, low: float, high: float) -> None:
    got = maths.wilson(hits, n)
    assert got[0] == pytest.approx(low, abs=5e-5) and got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_refuses_what_is_not_a_share() -> None:
    for hits, n, reason in ((0, 0, "no trials"), (3, 2, "outside"), (-1, 4, "outside")):
        with pytest.raises(ValueError, match=reason):
            maths.wilson(hits, n)


def test_a_respondent_knows_the_policies_with_at_least_the_threshold_right() -> None:
    right2 = maths.score({"k1": "a", "k2": "b", "k3": "dont_know"}, FORM)
    right1 = maths.score({"k1": "a", "k2": "x", "k3": "dont_know"}, FORM)
    blank = maths.score({"k1": "a", "k2": "b"}, FORM)
    assert (right2.knowledge_right, right2.knowledge_valid) == (2, True)
    assert (blank.knowledge_right, blank.knowledge_valid) == (2, False)
    result = maths.rates([right2, right1, blank], threshold=2, min_size=1)
    assert (result.awareness.hits, result.awareness.n, result.respondents) == (1, 2, 3)
    assert maths.rates([right2, right1], threshold=1, min_size=1).awareness.value == 1.0
    assert maths.rates([right2, right1], threshold=3, min_size=1).awareness.value == 0.0


def test_satisfaction_counts_the_top_three_grades_over_valid_answers() -> None:
    grades = [("very_satisfied", "satisfied"), ("fairly_satisfied", "not_very_satisfied"),
              ("dissatisfied", ""), ("satisfied", "bogus")]
    scored = [maths.score({"k1": "a", "k2": "b", "k3": "c", "s1": a, "s2": b}, FORM) for a, b in grades]
    result = maths.rates(scored, threshold=2, min_size=10)
    # 6 valid answers (the blank and the value off the scale are not), 4 favourable.
    assert (result.satisfaction.hits, result.satisfaction.n, result.satisfaction.respondents) == (4, 6, 4)
    assert result.satisfaction.value == pytest.approx(4 / 6)
    assert result.satisfaction.below_target and result.satisfaction.small_sample and result.satisfaction.flagged
    data = result.as_dict()
    assert data["satisfaction"]["ci95"] == [round(v, 4) for v in maths.wilson(4, 6)]
    assert data["awareness"] == {"rate": 1.0, "hits": 4, "n": 4, "respondents": 4,
                                 "ci95": [round(v, 4) for v in maths.wilson(4, 4)], "small_sample": True,
                                 "below_target": False}


def test_nothing_answered_has_no_rate() -> None:
    result = maths.rates([], threshold=2, min_size=0)
    assert result.awareness.value is None and result.awareness.interval is None
    assert not result.awareness.flagged
    assert result.as_dict()["awareness"]["rate"] is None
