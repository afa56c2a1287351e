"""The expression subset: parsing at import, and the Python evaluator against the shared test vectors.

The same vectors run against the JavaScript evaluator in ``tests/browser/test_expressions_js.py``.
"""

from __future__ import annotations

import json
import math
import typing as t
from pathlib import Path

import pytest

from inspect_app.checklists import evaluation
from inspect_app.checklists import expressions
from inspect_app.checklists.evaluation import SimpleContext
from inspect_app.checklists.expressions import ExpressionError

VECTORS_PATH = Path(__file__).parent.parent / "data" / "expressions.json"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
TODAY = "2026-03-15"


def typed(value: t.Any) -> tuple[str, t.Any]:
    """An evaluator's result as (type, value), with NaN and the infinities spelled as strings."""
    if isinstance(value, bool):
        return "boolean", value
    if isinstance(value, float | int):
        if math.isnan(value):
            return "number", "NaN"
        if math.isinf(value):
            return "number", "Infinity" if value > 0 else "-Infinity"
        return "number", value
    return "string", value


def vector_id(vector: dict[str, t.Any]) -> str:
    return f"{vector['expr']} | {vector.get('values', {})} | {vector.get('current', '')}"


@pytest.mark.parametrize("vector", VECTORS["evaluate"], ids=vector_id)
def test_python_evaluator_meets_the_vector(vector: dict[str, t.Any]) -> None:
    tree = expressions.parse(vector["expr"], columns=vector.get("filter", False))
    ctx = SimpleContext(values=vector.get("values", {}), current=vector.get("current", ""),
                        today=vector.get("today", TODAY), choice=vector.get("choice"))

    assert typed(evaluation.evaluate(tree, ctx)) == (vector["type"], vector["value"]), vector.get("note")


@pytest.mark.parametrize("vector", VECTORS["reject"], ids=lambda v: v["expr"])
def test_the_parser_refuses_naming_the_token(vector: dict[str, t.Any]) -> None:
    with pytest.raises(ExpressionError) as excinfo:
        expressions.parse(vector["expr"])

    assert (excinfo.value.kind, excinfo.value.token) == (vector["kind"], vector["token"])


def test_trees_are_plain_json_that_survives_a_round_trip() -> None:
    for vector in VECTORS["evaluate"]:
        tree = expressions.parse(vector["expr"], columns=vector.get("filter", False))
        assert json.loads(json.dumps(tree)) == tree


def test_the_corpus_shapes_of_xlsform_md_parse() -> None:
    """The typical expressions xlsform.md measured in 938 real relevant/constraint values."""
    for source in ["${fire_ext} = 'no'", ". >= 0 and . <= 100", ".>=0 and .<=${maize_brands_stocked}",
                   "regex(.,'^0[0-9]{9}$')", "selected(${crops}, 'maize')", "not(selected(${a}, 'x'))",
                   "count-selected(.) <= 3", "string-length(.) = 11", ". <= today()",
                   "${age} >= 18 or ${consent} = 'yes'", "${total} mod 2 = 0", "${a} div ${b} > 0.5"]:
        expressions.parse(source)


def test_references_and_the_current_value_are_found() -> None:
    tree = expressions.parse("selected(${a}, 'x') and (${b} > . or ${a} = ${c})")

    assert expressions.references(tree) == {"a", "b", "c"}
    assert expressions.uses_current(tree)
    assert not expressions.uses_current(expressions.parse("${a} = 1"))
