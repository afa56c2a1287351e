"""Everything a finger taps on the main pages is at least 44×44 CSS pixels at 1024×768.

A control is measured with what takes the tap for it: a checkbox or radio inside its label is tapped
through the label. A link inside running text (a sentence of a paragraph, a list item or a table cell
that says more than the link) is left out: it sits in a line of text, as in any document, and the
line height is what it can have; its neighbours are words, not other targets.
"""

from __future__ import annotations

import typing as t

import pytest

from .conftest import login
from .conftest import shot

pytestmark = pytest.mark.browser

MIN = 44

MEASURE = """
(min) => {
  const seen = new Set();
  const small = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && style.visibility !== "hidden"
      && !el.closest("[hidden], template, dialog:not([open])");
  };
  const inRunningText = (el) => {
    if (el.tagName !== "A") return false;
    const block = el.closest("p, li, td, dd, figcaption, small");
    if (!block) return false;
    const own = (el.textContent || "").trim().length;
    const all = (block.textContent || "").trim().length;
    return all > own + 1 && getComputedStyle(el).display === "inline";
  };
  const selector = "a[href], button, input[type=checkbox], input[type=radio], summary, select, input[type=file]";
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest("svg")) continue;
    const target = el.matches("input") ? (el.closest("label") || el) : el;
    if (seen.has(target) || !visible(target)) continue;
    if (el.matches("input") && el.classList.contains("visually-hidden") && target === el) continue;
    seen.add(target);
    if (inRunningText(target)) continue;
    const r = target.getBoundingClientRect();
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const text = (target.textContent || target.getAttribute("aria-label") || target.name || target.type || "")
        .trim().slice(0, 30);
      const name = `${target.tagName.toLowerCase()}.${[...target.classList].join(".")}`;
      small.push(`${name} "${text}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return small;
}
"""


@pytest.mark.parametrize(("username", "paths"), [
    ("city", ["/overview", "/overview/regions", "/campaigns/", "/campaigns/{campaign}", "/findings/",
              "/rectification/", "/schools/", "/checklists/", "/audit/", "/visits/{visit}"]),
    ("root", ["/schools/regions", "/auth/users/new"]),
    ("insp", ["/visits/mine", "/visits/{visit}"]),
    ("school1", ["/rectification/mine"]),
])
def test_every_tappable_thing_is_44_pixels_square(world, make_rects, live_server: str, tablet: t.Any,
                                                   username: str, paths: list[str]) -> None:
    from inspect_app.extensions import db

    make_rects(world.school, world.supervisor, items=("S1_1", "S1_2"), due_in=5)
    db.session.commit()
    page = tablet
    login(page, live_server, username)
    found = {}
    for path in paths:
        page.goto(live_server + path.format(campaign=world.campaign.id, visit=world.visit.id))
        page.wait_for_load_state("networkidle")
        small = page.evaluate(MEASURE, MIN)
        shot(page, "touch-" + username + path.replace("/", "-").replace("{", "").replace("}", "").rstrip("-"))
        if small:
            found[path] = small
    assert not found, "\n".join(f"{path}: {small}" for path, small in found.items())
