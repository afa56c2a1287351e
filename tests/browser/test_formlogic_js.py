"""The form logic's two twins agree: formlogic.js in chromium and checklists/logic.py on the server.

Both evaluate the logic checklist (tests/data/logic_checklist.md) over the same answers; every
question's shown / required / error state and every section's must match.
"""

from __future__ import annotations

import typing as t
from datetime import date

import pytest

from inspect_app.checklists import services as checklist_services
from inspect_app.checklists.logic import evaluate_form
from inspect_app.checklists.logic import form_model

from ..fixtures import DATA
from .test_expressions_js import ORIGIN
from .test_expressions_js import _serve

pytestmark = pytest.mark.browser

TODAY = date(2026, 3, 15)
RUN = """async ({ model, scenarios, today }) => {
  const { evaluateForm } = await import("/static/js/formlogic.js");
  return scenarios.map(({ answers, entries, photos }) => {
    const result = evaluateForm(model, {
      today,
      // A question never answered shows its default, as the page's inputs do.
      value: (item, entry) => answers[`${item.id}|${entry ?? ""}`] ?? item.default ?? "",
      entries: (item) => entries[item.id] || [],
      photos: (item, entry) => photos[`${item.id}|${entry ?? ""}`] || 0,
    });
    const states = {};
    for (const [key, s] of result.states) states[key] = [s.relevant, s.required, s.error];
    return { states, sections: Object.fromEntries(result.sections) };
  });
}"""

# Scenarios by question name; "name@entry" answers a question of entry 1 or 2 of the list.
SCENARIOS: list[dict[str, t.Any]] = [
    {},
    {"enrolled": "50", "aided": "60", "programmes": "grant other", "Q1": "no", "day": "2026-03-16"},
    {"enrolled": "1500", "aided": "20", "programmes": "grant waiver other", "other_prog": "营养餐",
     "consent": "OK", "arrival": "", "Q1": "yes", "Q2": "na", "spot": "34.5 109.5"},
    {"enrolled": "80", "Q1": "no", "Q1_note": "未成立", "photos": ["Q1_photo"],
     "entries": [1, 2], "d_area@1": "money", "d_count@1": "0", "d_note@1": "抵扣学费", "d_area@2": "org",
     "d_count@2": "5"},
    {"enrolled": "abc", "entries": [1], "d_area@1": "money", "d_count@1": "90", "left_at": "2026-03-15T18:00"},
]


def test_python_and_javascript_form_logic_agree(ctx: None, browser_instance: t.Any) -> None:
    path = DATA / "logic_checklist.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None)
    items = {i.name: i for i in version.items}
    defects = items["defects"].id

    python, javascript_input = [], []
    for scenario in SCENARIOS:
        entries = [100 + n for n in scenario.get("entries", [])]
        answers: dict[tuple[int, int | None], str | None] = {}
        for key, value in scenario.items():
            if key in ("entries", "photos"):
                continue
            name, _, entry = key.partition("@")
            answers[(items[name].id, 100 + int(entry) if entry else None)] = value
        photos = {(items[name].id, None): 1 for name in scenario.get("photos", [])}
        state = evaluate_form(version, answers, today=TODAY.isoformat(), entries={defects: entries}, photos=photos)
        python.append({
            "states": {f"{i}|{e if e is not None else ''}": [s.relevant, s.required, s.error]
                       for (i, e), s in state.states.items()},
            "sections": {str(k): v for k, v in state.sections.items()},
        })
        javascript_input.append({
            "answers": {f"{i}|{e if e is not None else ''}": v or "" for (i, e), v in answers.items()},
            "entries": {str(defects): entries},
            "photos": {f"{i}|": n for (i, _e), n in photos.items()},
        })

    context = browser_instance.new_context()
    try:
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _serve)
        page.goto(f"{ORIGIN}/")
        javascript = page.evaluate(RUN, {"model": form_model(version), "scenarios": javascript_input,
                                         "today": TODAY.isoformat()})
    finally:
        context.close()

    for number, (py, js) in enumerate(zip(python, javascript, strict=True)):
        assert js["sections"] == py["sections"], number
        assert js["states"] == py["states"], number
    # The scenarios do reach the interesting states.
    flat = [s for scenario in python for s in scenario["states"].values()]
    assert {tuple(s) for s in flat} >= {(True, True, "required"), (True, False, "constraint"), (False, False, None)}
    assert any(scenario["sections"].get(str(version.sections[2].id)) for scenario in python)
