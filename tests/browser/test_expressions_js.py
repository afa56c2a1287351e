"""The JavaScript evaluator (static/js/expressions.js) in chromium, against the shared test vectors.

The trees come from the Python parser, as they do in the application; the module is served from
the package's static folder, so the browser runs exactly the file the visit page loads.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from inspect_app.checklists import expressions

from ..checklists.test_expressions import TODAY
from ..checklists.test_expressions import VECTORS

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "inspect_app" / "static"
ORIGIN = "http://vectors.test"

RUN = """async (cases) => {
  const { evaluate } = await import("/static/js/expressions.js");
  return cases.map(({ tree, values, current, today, choice }) => {
    const column = (name) => (choice || {})[name] || "";
    const v = evaluate(tree, { lookup: (name) => values[name] || "", current, today, column });
    if (typeof v === "number" && !Number.isFinite(v)) {
      return ["number", Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"];
    }
    return [typeof v, v];
  });
}"""


def _serve(route: t.Any) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path.startswith("/static/"):
        body = (STATIC / path.removeprefix("/static/")).read_bytes()
        route.fulfill(status=200, body=body, headers={"Content-Type": "text/javascript; charset=utf-8"})
    else:
        route.fulfill(status=200, body="<!doctype html><title>vectors</title>", content_type="text/html")


def test_javascript_evaluator_meets_every_vector(browser_instance: t.Any) -> None:
    cases = [{"tree": expressions.parse(v["expr"], columns=v.get("filter", False)), "values": v.get("values", {}),
              "current": v.get("current", ""), "today": v.get("today", TODAY), "choice": v.get("choice")}
             for v in VECTORS["evaluate"]]
    context = browser_instance.new_context()
    try:
        page = context.new_page()
        page.route(f"{ORIGIN}/**", _serve)
        page.goto(f"{ORIGIN}/")
        results = page.evaluate(RUN, json.loads(json.dumps(cases)))
    finally:
        context.close()

    mismatches = [
        f"{v['expr']!r} with {v.get('values', {})} and . = {v.get('current', '')!r}: "
        f"expected {v['type']} {v['value']!r}, got {kind} {value!r}"
        for v, (kind, value) in zip(VECTORS["evaluate"], results, strict=True)
        if (kind, value) != (v["type"], v["value"])
    ]
    assert not mismatches, "\n".join(mismatches)
    assert len(results) == len(VECTORS["evaluate"]) > 100
