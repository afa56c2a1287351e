"""政策知晓率 and 群众满意度: the arithmetic, on plain data (no database), with Wilson intervals.

Reading of the design notes (checklist-student-aid.md §5), kept in docs/surveys.md:

- **政策知晓率** = respondents with at least ``threshold`` core questions right / valid respondents.
  A respondent is valid when every core (knowledge) question of their questionnaire is answered;
  "不知道" is an answer, and a wrong one.
- **群众满意度** = favourable answers / valid answers to the satisfaction questions, pooled over the
  questions and the respondents. §5 writes ("满意" + "比较满意") / 有效样本 on a 5-point scale; on our
  scale 非常满意 · 满意 · 比较满意 · 不太满意 · 不满意 the favourable side is the top three grades
  (counting 满意 but not 非常满意 would make the rate fall as people grow happier), so
  ``FAVOURABLE`` holds those three. A blank answer is not a valid one.
- Each rate comes with n and a 95 % Wilson score interval, and is flagged when the respondents are
  fewer than the round's minimum sample or the rate is below the target (``TARGET``, 90 %, the 认可度
  veto line, unless the ``RATES_TARGET`` setting says otherwise).
  Answers of one respondent to several satisfaction questions are not independent: the interval of
  the pooled satisfaction rate is narrower than the truth, and the respondents are shown beside n.
"""

from __future__ import annotations

import math
import typing as t
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

SCALE = ("very_satisfied", "satisfied", "fairly_satisfied", "not_very_satisfied", "dissatisfied")
FAVOURABLE = frozenset(SCALE[:3])
TARGET = 0.9
Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution


def wilson(hits: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``hits`` successes in ``n`` trials."""
    if n <= 0:
        raise ValueError("no trials")
    if not 0 <= hits <= n:
        raise ValueError("hits outside 0..n")
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    """A share with its sample size, interval and flags; ``value`` is None when nothing was answered."""

    hits: int
    n: int
    respondents: int
    min_size: int
    target: float = TARGET

    @property
    def value(self) -> float | None:
        return self.hits / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.hits, self.n) if self.n else None

    @property
    def small_sample(self) -> bool:
        return self.respondents < self.min_size

    @property
    def below_target(self) -> bool:
        return self.value is not None and self.value < self.target

    @property
    def flagged(self) -> bool:
        return self.small_sample or self.below_target

    def as_dict(self) -> dict[str, t.Any]:
        interval = self.interval
        return {
            "rate": None if self.value is None else round(self.value, 4),
            "hits": self.hits, "n": self.n, "respondents": self.respondents,
            "ci95": None if interval is None else [round(interval[0], 4), round(interval[1], 4)],
            "small_sample": self.small_sample, "below_target": self.below_target,
        }


@dataclass(frozen=True)
class Questionnaire:
    """What scoring needs of a questionnaire version: its core questions and satisfaction questions."""

    correct: dict[str, frozenset[str]]  # core question name → the right choices
    satisfaction: tuple[str, ...]


@dataclass(frozen=True)
class Scored:
    """One response reduced to what the rates count."""

    knowledge_valid: bool
    knowledge_right: int
    favourable: int
    satisfaction_valid: int


def score(answers: dict[str, t.Any], form: Questionnaire) -> Scored:
    right = 0
    valid = bool(form.correct)
    for name, correct in form.correct.items():
        value = answers.get(name)
        if value in (None, ""):
            valid = False
        elif str(value) in correct:
            right += 1
    grades = [answers.get(name) for name in form.satisfaction]
    counted = [g for g in grades if g in SCALE]
    return Scored(knowledge_valid=valid, knowledge_right=right,
                  favourable=sum(1 for g in counted if g in FAVOURABLE), satisfaction_valid=len(counted))


@dataclass(frozen=True)
class Rates:
    respondents: int
    awareness: Rate
    satisfaction: Rate

    def as_dict(self) -> dict[str, t.Any]:
        return {"respondents": self.respondents, "awareness": self.awareness.as_dict(),
                "satisfaction": self.satisfaction.as_dict()}


def rates(scored: Sequence[Scored], *, threshold: int, min_size: int, target: float = TARGET) -> Rates:
    """The two rates of a group of responses."""
    valid = [s for s in scored if s.knowledge_valid]
    aware = sum(1 for s in valid if s.knowledge_right >= threshold)
    answered = sum(s.satisfaction_valid for s in scored)
    favourable = sum(s.favourable for s in scored)
    return Rates(
        respondents=len(scored),
        awareness=Rate(aware, len(valid), len(valid), min_size, target),
        satisfaction=Rate(favourable, answered, sum(1 for s in scored if s.satisfaction_valid), min_size, target),
    )


def grouped(rows: Iterable[tuple[t.Hashable, Scored]], *, threshold: int,
            min_size: int, target: float = TARGET) -> dict[t.Hashable, Rates]:
    """Rates per key (school, county…) of (key, scored response) pairs."""
    groups: dict[t.Hashable, list[Scored]] = {}
    for key, scored in rows:
        groups.setdefault(key, []).append(scored)
    return {key: rates(items, threshold=threshold, min_size=min_size, target=target) for key, items in groups.items()}
