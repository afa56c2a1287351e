// A filled checklist's logic in the browser: which questions are shown, required, missing or out
// of bounds. The twin of inspect_app/checklists/logic.py, by the same rules (see its docstring):
// questions in form order; a hidden question counts as blank for those after it; inside a repeat,
// ${name} of a question of the same repeat is the same entry's answer. No DOM here: the page (or
// an offline store) supplies the form and the answers.
//
// form = {
//   items: [{ id, name, type, position, repeat: repeatItemId|null, section: sectionId|null,
//             required: bool, logic: {relevant?, constraint?, required?}|null }],
//   sections: { [sectionId]: { relevant?: tree } | null },
// }
// data = { value(item, entry) -> string, entries(repeatItem) -> [entryKey],
//          photos(item, entry) -> number, today: "YYYY-MM-DD" }

import { isTrue } from "./expressions.js";

export const MISSING = "required";
export const CONSTRAINT = "constraint";
const NO_ANSWER = new Set(["note", "repeat"]);

export function keyOf(itemId, entry) {
  return `${itemId}|${entry ?? ""}`;
}

function holds(tree, ctx) {
  return tree ? isTrue(tree, ctx) : true;
}

function takesAnswer(item) {
  return !NO_ANSWER.has(item.type);
}

export function evaluateForm(form, data) {
  const items = [...form.items].sort((a, b) => a.position - b.position);
  const top = items.filter((i) => i.repeat == null);
  const children = new Map();
  for (const item of items) {
    if (item.repeat != null) {
      if (!children.has(item.repeat)) children.set(item.repeat, []);
      children.get(item.repeat).push(item);
    }
  }
  const states = new Map();
  const sections = new Map();
  const values = new Map();
  for (const item of top) {
    if (takesAnswer(item)) values.set(item.name, data.value(item, null) || "");
  }
  const ctx = {
    today: data.today,
    current: "",
    lookup: (name) => values.get(name) || "",
  };

  function question(item, entry, parentShown, context) {
    const logic = item.logic || {};
    const value = takesAnswer(item) ? data.value(item, entry) || "" : "";
    context.current = value;
    const shown = parentShown && holds(logic.relevant, context);
    const state = { item, entry, value, relevant: shown, required: false, error: null };
    states.set(keyOf(item.id, entry), state);
    if (!shown || !takesAnswer(item)) return state;
    state.required = Boolean(item.required) || (logic.required ? holds(logic.required, context) : false);
    let empty;
    if (item.type === "image") empty = !data.photos(item, entry);
    else if (item.type === "acknowledge") empty = value !== "OK";
    else empty = value === "";
    if (state.required && empty) state.error = MISSING;
    else if (!empty && logic.constraint && !holds(logic.constraint, context)) state.error = CONSTRAINT;
    return state;
  }

  for (const item of top) {
    let sectionShown = true;
    if (item.section != null) {
      if (!sections.has(item.section)) {
        const logic = form.sections[item.section];
        sections.set(item.section, holds(logic && logic.relevant, ctx));
      }
      sectionShown = sections.get(item.section);
    }
    const state = question(item, null, sectionShown, ctx);
    if (takesAnswer(item)) values.set(item.name, state.relevant ? state.value : "");
    if (item.type === "repeat") {
      const kids = children.get(item.id) || [];
      const names = new Set(kids.map((k) => k.name));
      for (const entry of data.entries(item)) {
        const own = new Map();
        for (const kid of kids) if (takesAnswer(kid)) own.set(kid.name, data.value(kid, entry) || "");
        const entryCtx = {
          today: data.today,
          current: "",
          lookup: (name) => (names.has(name) ? own.get(name) || "" : values.get(name) || ""),
        };
        for (const kid of kids) {
          const kidState = question(kid, entry, state.relevant, entryCtx);
          if (takesAnswer(kid) && !kidState.relevant) own.set(kid.name, "");
        }
      }
    }
  }
  return { states, sections };
}
