// 满意度测评 on the visit page: one respondent's answers at a time, in a new blank questionnaire each time,
// queued in the outbox as an operation "survey_response" and sent with the visit's other operations.
// The page says, for each questionnaire, how many were taken on this tablet, synced and still waiting;
// which were taken is kept in IndexedDB ("meta"), what still waits is read from the outbox.
import * as store from "./store.js";
import { uuid } from "./uuid.js";

const MAX_TEXT = 500;
const INTEGER = /^-?\d{1,9}$/;

export function faceSurvey({ user, visitKey, queueOp }) {
  const panel = document.querySelector("[data-face-survey]");
  if (!panel) return { update: async () => {}, onResult: async () => {} };
  const msg = panel.dataset;
  const metaKey = `face:${user}:${visitKey}`;
  const fill = (text, values) => Object.entries(values).reduce((t, [k, v]) => t.replaceAll(`%(${k})s`, v), text || "");

  // { op_id: { form: "round-audience", refused: bool } } for every questionnaire taken here.
  async function taken() {
    return (await store.getMeta(metaKey)) || {};
  }

  async function update() {
    const all = await taken();
    const { rows } = await store.pending(user, visitKey);
    const waiting = new Set(rows.filter((r) => r.kind === "op" && r.op.type === "survey_response").map((r) => r.op.op_id));
    for (const box of panel.querySelectorAll("[data-face-count]")) {
      const mine = Object.entries(all).filter(([, v]) => v.form === box.dataset.faceCount);
      const wait = mine.filter(([id]) => waiting.has(id)).length;
      const refused = mine.filter(([id, v]) => v.refused && !waiting.has(id)).length;
      let text = fill(msg.msgCounts, { taken: mine.length, synced: mine.length - wait - refused, waiting: wait });
      if (refused) text += ` · ${fill(msg.msgRefusedCount, { n: refused })}`;
      box.textContent = text;
      box.classList.toggle("bad", wait > 0 || refused > 0);
    }
  }

  function question(fieldset) {
    const type = fieldset.dataset.type;
    const inputs = [...fieldset.querySelectorAll("input, textarea")];
    if (type === "select_multiple") return inputs.filter((i) => i.checked).map((i) => i.value);
    if (type === "select_one") return (inputs.find((i) => i.checked) || { value: "" }).value;
    return inputs[0].value.trim();
  }

  function check(fieldset, value) {
    const empty = Array.isArray(value) ? !value.length : !value;
    if (empty) return "required" in fieldset.dataset ? msg.msgRequired : "";
    if (fieldset.dataset.type === "integer" && !INTEGER.test(value)) return msg.msgNumber;
    if (fieldset.dataset.type === "text" && value.length > MAX_TEXT) return msg.msgLong;
    return "";
  }

  function open(form) {
    for (const other of panel.querySelectorAll("[data-face-form]")) other.hidden = other !== form;
    form.hidden = false;
    form.scrollIntoView({ block: "start" });
  }

  function clear(form) {
    form.reset();
    for (const fieldset of form.querySelectorAll("[data-q]")) {
      fieldset.classList.remove("invalid");
      const error = fieldset.querySelector(".qerror");
      error.hidden = true;
      error.textContent = "";
    }
  }

  panel.addEventListener("click", (event) => {
    const start = event.target.closest("[data-face-new]");
    if (start) {
      const form = panel.querySelector(`[data-face-form="${start.dataset.faceNew}"]`);
      clear(form);
      form.querySelector("[data-face-state]").textContent = "";
      open(form);
      return;
    }
    const close = event.target.closest("[data-face-close]");
    if (close) {
      close.closest("form").hidden = true;
      panel.scrollIntoView({ block: "start" });
    }
  });

  // A question marked as missing is cleared as soon as it is answered.
  panel.addEventListener("change", (event) => {
    const fieldset = event.target.closest("[data-face-form] [data-q]");
    if (!fieldset || !fieldset.classList.contains("invalid")) return;
    const problem = check(fieldset, question(fieldset));
    const error = fieldset.querySelector(".qerror");
    error.textContent = problem;
    error.hidden = !problem;
    fieldset.classList.toggle("invalid", Boolean(problem));
  });

  panel.addEventListener("submit", async (event) => {
    const form = event.target.closest("[data-face-form]");
    if (!form) return;
    event.preventDefault();
    const answers = {};
    let first = null;
    for (const fieldset of form.querySelectorAll("[data-q]")) {
      const value = question(fieldset);
      const problem = check(fieldset, value);
      const error = fieldset.querySelector(".qerror");
      error.textContent = problem;
      error.hidden = !problem;
      fieldset.classList.toggle("invalid", Boolean(problem));
      if (problem && !first) first = fieldset;
      if (!problem && (Array.isArray(value) ? value.length : value)) answers[fieldset.dataset.q] = value;
    }
    const state = form.querySelector("[data-face-state]");
    if (first) {
      state.textContent = msg.msgMissing;
      state.className = "savestate bad";
      first.scrollIntoView({ block: "center" });
      return;
    }
    const opId = uuid();
    await queueOp({ op_id: opId, type: "survey_response", round_id: Number(form.dataset.round),
      audience: form.dataset.audience, version_id: Number(form.dataset.version), answers });
    const all = await taken();
    all[opId] = { form: form.dataset.faceForm, refused: false };
    await store.putMeta(metaKey, all);
    const count = Object.values(all).filter((v) => v.form === form.dataset.faceForm).length;
    clear(form);
    state.textContent = fill(msg.msgSaved, { n: count });
    state.className = "savestate ok";
    form.scrollIntoView({ block: "start" });
    await update();
  });

  // A batch's results: the questionnaires the server refused are counted as such (the reason is in the sync notes).
  async function onResult(result) {
    if (result.kind !== "ops" || result.visit !== visitKey || !result.data || !result.data.results) return;
    const all = await taken();
    let changed = false;
    for (const r of result.data.results) {
      if (all[r.op_id]) {
        all[r.op_id].refused = r.status === "refused";
        changed = true;
      }
    }
    if (changed) await store.putMeta(metaKey, all);
    await update();
  }

  update();
  return { update, onResult };
}
