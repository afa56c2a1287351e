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


FEATURES_RUN = """async ({ model, scenarios, today, texts }) => {
  const { evaluateForm } = await import("/static/js/formlogic.js");
  return scenarios.map(({ answers, entries }) => {
    const result = evaluateForm(model, {
      today,
      value: (item, entry) => answers[`${item.id}|${entry ?? ""}`] ?? item.default ?? "",
      entries: (item) => entries[item.id] || [],
      photos: () => 0,
    });
    const states = {};
    for (const [key, s] of result.states) states[key] = [s.relevant, s.error, s.value, s.choices, s.count];
    return { states, texts: texts.map(([text, entry]) => result.pipe(text, entry)) };
  });
}"""
# The saved value of a calculation is a lie the page might send: both twins recompute it.
FEATURE_SCENARIOS: list[dict[str, t.Any]] = [
    {},
    {"county": "yanta", "school": "yt2", "enrolled": "200", "aided": "50", "ratio": "99", "paid_card": "other"},
    {"county": "beilin", "school": "yt1", "enrolled": "3", "aided": "1", "sampled": "2", "entries": [1],
     "pupil@1": "王小明", "got_aid@1": "yes", "inspector": "我"},
    {"county": "yanta", "school": "yt1", "enrolled": "0", "aided": "0", "sampled": "2", "entries": [1, 2],
     "pupil@2": "李四"},
]


def test_python_and_javascript_agree_on_calculations_filters_pipes_and_counts(ctx: None,
                                                                              browser_instance: t.Any) -> None:
    path = DATA / "features_checklist.md"
    version, _ = checklist_services.import_checklist(path.read_bytes(), filename=path.name, actor=None)
    items = {i.name: i for i in version.items}
    samples = items["samples"].id
    texts = [(items["school"].label["zh"], None), (items["summary"].label["en"], None),
             (items["got_aid"].label["zh"], 101), (items["aided"].hint["en"], None)]

    python, javascript_input = [], []
    for scenario in FEATURE_SCENARIOS:
        entries = [100 + n for n in scenario.get("entries", [])]
        answers: dict[tuple[int, int | None], str | None] = {}
        for key, value in scenario.items():
            if key == "entries":
                continue
            name, _, entry = key.partition("@")
            answers[(items[name].id, 100 + int(entry) if entry else None)] = value
        state = evaluate_form(version, answers, today=TODAY.isoformat(), entries={samples: entries})
        python.append({
            "states": {f"{i}|{e if e is not None else ''}": [s.relevant, s.error, s.value, s.choices, s.count]
                       for (i, e), s in state.states.items()},
            "texts": [state.pipe(text, entry) for text, entry in texts],
        })
        javascript_input.append({
            "answers": {f"{i}|{e if e is not None else ''}": v or "" for (i, e), v in answers.items()},
            "entries": {str(samples): entries},
        })

    context = browser_instance.new_context()
    try:
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _serve)
        page.goto(f"{ORIGIN}/")
        javascript = page.evaluate(FEATURES_RUN, {"model": form_model(version), "scenarios": javascript_input,
                                                  "today": TODAY.isoformat(), "texts": texts})
    finally:
        context.close()

    for number, (py, js) in enumerate(zip(python, javascript, strict=True)):
        assert js == py, number
    ratio, school, other, samples_key = (f"{items[n].id}|" for n in ("ratio", "school", "paid_card_other", "samples"))
    assert python[1]["states"][ratio][2] == "25"  # recomputed, not the 99 sent
    assert python[1]["states"][school][3] == ["yt1", "yt2"] and python[1]["states"][school][1] is None
    assert python[1]["states"][other][0] is True
    assert python[1]["texts"][:2] == ["yanta 的学校", "yt2: 50 aided, 25%"]
    assert python[2]["states"][school][1] == "choice"  # a Beilin county, a Yanta school
    assert python[2]["states"][f"{items['inspector'].id}|"][2] == "市资助中心"  # readonly: the default stands
    assert python[2]["texts"][2] == "王小明 已领取资助"
    assert python[3]["states"][samples_key][1:] == [None, "", None, 2]
    assert python[2]["states"][samples_key][1] == "count"
    assert python[3]["states"][ratio][2] == "NaN"
