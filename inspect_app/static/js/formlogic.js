// A filled checklist's logic in the browser: which questions are shown, required, missing or out
// of bounds. The twin of inspect_app/checklists/logic.py, by the same rules (see its docstring):
// questions in form order; a hidden question counts as blank for those after it; inside a repeat,
// ${name} of a question of the same repeat is the same entry's answer. No DOM here: the page (or
// an offline store) supplies the form and the answers.
//
// form = {
//   items: [{ id, name, type, position, repeat: repeatItemId|null, section: sectionId|null,
//             required: bool, default?: string, choices?: [{name, ...columns}] (with a choice_filter),
//             logic: {relevant?, constraint?, required?, calculate?, readonly?, choice_filter?, count?}|null }],
//   sections: { [sectionId]: { relevant?: tree } | null },
// }
// data = { value(item, entry) -> string, entries(repeatItem) -> [entryKey],
//          photos(item, entry) -> number, today: "YYYY-MM-DD" }

import { evaluate, isTrue, toNumber, toString } from "./expressions.js";

export const MISSING = "required";
export const CONSTRAINT = "constraint";
export const CHOICE = "choice";
export const COUNT = "count";
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
  // The value ${name} has: keyOf(name, null) outside repeats, keyOf(name, entry) inside one.
  const named = new Map();
  // A calculation's saved value is never read; a hidden or readonly question's value is its default.
  function raw(item, entry) {
    const logic = item.logic || {};
    if (!takesAnswer(item) || logic.calculate) return "";
    if (item.type === "hidden" || logic.readonly) return item.default || "";
    return data.value(item, entry) || "";
  }
  for (const item of top) {
    if (takesAnswer(item)) values.set(item.name, raw(item, null));
  }
  const ctx = {
    today: data.today,
    current: "",
    lookup: (name) => values.get(name) || "",
  };

  function question(item, entry, parentShown, context) {
    const logic = item.logic || {};
    let value = raw(item, entry);
    context.current = value;
    const shown = parentShown && holds(logic.relevant, context);
    if (shown && logic.calculate) {
      context.current = "";
      value = toString(evaluate(logic.calculate, context));
      context.current = value;
    }
    const state = { item, entry, value, relevant: shown, required: false, error: null, choices: null, count: null };
    states.set(keyOf(item.id, entry), state);
    if (!shown || !takesAnswer(item)) return state;
    if (logic.choice_filter) {
      state.choices = [];
      for (const choice of item.choices || []) {
        context.column = (name) => (choice[name] == null ? "" : String(choice[name]));
        if (holds(logic.choice_filter, context)) state.choices.push(String(choice.name));
      }
      context.column = undefined;
    }
    state.required = Boolean(item.required) || (logic.required ? holds(logic.required, context) : false);
    let empty;
    if (item.type === "image") empty = !data.photos(item, entry);
    else if (item.type === "acknowledge") empty = value !== "OK";
    else empty = value === "";
    if (state.required && empty) state.error = MISSING;
    else if (!empty && state.choices && value.split(/\s+/).some((v) => v && !state.choices.includes(v))) {
      state.error = CHOICE;
    } else if (!empty && logic.constraint && !holds(logic.constraint, context)) state.error = CONSTRAINT;
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
    if (takesAnswer(item)) {
      values.set(item.name, state.relevant ? state.value : "");
      named.set(keyOf(item.name, null), values.get(item.name));
    }
    if (item.type === "repeat") {
      const kids = children.get(item.id) || [];
      const names = new Set(kids.map((k) => k.name));
      const entries = data.entries(item);
      const logic = item.logic || {};
      if (state.relevant && logic.count) {
        ctx.current = "";
        const wanted = toNumber(evaluate(logic.count, ctx));
        if (wanted >= 0 && Number.isInteger(wanted) && wanted < 10000) {
          state.count = wanted;
          if (entries.length !== wanted) state.error = COUNT;
        }
      }
      for (const entry of entries) {
        const own = new Map();
        for (const kid of kids) if (takesAnswer(kid)) own.set(kid.name, raw(kid, entry));
        const entryCtx = {
          today: data.today,
          current: "",
          lookup: (name) => (names.has(name) ? own.get(name) || "" : values.get(name) || ""),
        };
        for (const kid of kids) {
          const kidState = question(kid, entry, state.relevant, entryCtx);
          if (takesAnswer(kid)) {
            own.set(kid.name, kidState.relevant ? kidState.value : "");
            named.set(keyOf(kid.name, entry), own.get(kid.name));
          }
        }
      }
    }
  }
  // A label or hint with each ${name} replaced by the answer it names (the entry's own first).
  function pipe(text, entry) {
    return text.replace(/\$\{([^}]*)\}/g, (_, name) => {
      if (entry != null && named.has(keyOf(name, entry))) return named.get(keyOf(name, entry));
      return named.get(keyOf(name, null)) || "";
    });
  }
  return { states, sections, pipe };
}
