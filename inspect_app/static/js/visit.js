// The visit page: every answer, note and photo is saved as it is entered, and the checklist's
// logic (shown when…, required, constraints) is applied while filling. The logic itself lives in
// formlogic.js and expressions.js; this module only reads the page and writes to it.
//
// A form with data-sandbox (the preview of a draft checklist) runs the same logic but saves nothing.
import { CONSTRAINT, MISSING, evaluateForm, keyOf } from "./formlogic.js";

const form = document.getElementById("visit-form");

if (form) {
  const sandbox = "sandbox" in form.dataset;
  const csrfInput = form.querySelector("input[name=csrf_token]");
  const csrf = csrfInput ? csrfInput.value : "";
  const msg = form.dataset;
  const pageState = document.getElementById("page-state");
  const pending = new Set();
  const timers = new Map();
  const touched = new Set();
  let showAll = false;
  let retryTimer = null;
  let localEntries = 0;

  const urlFor = (template, id) => template.replace(/\/0(\/|$)/, `/${id}$1`);
  const isQuestion = (el) => el && el.matches("[data-name]");
  const questionOf = (el) => el.closest("[data-name]");
  const entryOf = (el) => el.dataset.entry || null;
  const own = (el, selector) => [...el.querySelectorAll(selector)].filter((x) => questionOf(x) === el);
  const suffix = (el) => (entryOf(el) ? `-${entryOf(el)}` : "");

  function show(el, text, cls) {
    if (!el) return;
    el.textContent = text;
    el.classList.remove("ok", "bad");
    if (cls) el.classList.add(cls);
  }

  function updatePageState() {
    if (pending.size) show(pageState, `${msg.msgFailed} (${pending.size})`, "bad");
    else show(pageState, msg.msgSaved, "ok");
  }

  // --- reading the page --------------------------------------------------------------------------

  function valueOf(el) {
    const fields = document.getElementsByName(`value-${el.dataset.item}${suffix(el)}`);
    if (!fields.length) return null;
    const first = fields[0];
    if (first.type === "radio") {
      const checked = [...fields].find((f) => f.checked);
      return checked ? checked.value : "";
    }
    if (first.type === "checkbox") {
      return [...fields].filter((f) => f.checked).map((f) => f.value).join(" ");
    }
    return first.value.trim();
  }

  function noteOf(el) {
    const note = own(el, "textarea[data-note]")[0];
    return note ? note.value : null;
  }

  function photoCount(el) {
    return own(el, "[data-thumbs] .thumb").length;
  }

  function questions() {
    return [...form.querySelectorAll("[data-name]")];
  }

  function model() {
    const items = new Map();
    const sections = {};
    const elements = new Map();
    for (const el of questions()) {
      const id = el.dataset.item;
      elements.set(keyOf(id, entryOf(el)), el);
      if (items.has(id)) continue;
      const repeat = el.dataset.entry ? el.closest(".repeat[data-item]") : null;
      const section = el.closest("[data-section]");
      if (section && !(section.dataset.section in sections)) {
        sections[section.dataset.section] = section.dataset.logic ? JSON.parse(section.dataset.logic) : null;
      }
      items.set(id, {
        id,
        name: el.dataset.name,
        type: el.dataset.type,
        position: Number(el.dataset.position),
        repeat: repeat ? repeat.dataset.item : null,
        section: section ? section.dataset.section : null,
        required: "required" in el.dataset,
        logic: el.dataset.logic ? JSON.parse(el.dataset.logic) : null,
      });
    }
    return { form: { items: [...items.values()], sections }, elements };
  }

  // --- applying the logic ------------------------------------------------------------------------

  function fails(el, value) {
    const fail = (el.dataset.fail || "").split(" ").filter(Boolean);
    return value != null && value.split(" ").some((v) => fail.includes(v));
  }

  function refresh() {
    const { form: definition, elements } = model();
    const result = evaluateForm(definition, {
      today: form.dataset.today,
      value: (item, entry) => {
        const el = elements.get(keyOf(item.id, entry));
        return el ? valueOf(el) || "" : "";
      },
      photos: (item, entry) => {
        const el = elements.get(keyOf(item.id, entry));
        return el ? photoCount(el) : 0;
      },
      entries: (item) => {
        const el = elements.get(keyOf(item.id, null));
        return el ? [...el.querySelectorAll(":scope > [data-entries] > .entry")].map((e) => e.dataset.entry) : [];
      },
    });
    const problems = [];
    for (const [key, state] of result.states) {
      const el = elements.get(key);
      if (!el) continue;
      el.hidden = !state.relevant;
      let message = "";
      if (state.error === MISSING) {
        message = el.dataset.msgRequired || (state.item.type === "image" ? msg.msgPhotoRequired : msg.msgRequired);
      } else if (state.error === CONSTRAINT) {
        message = el.dataset.msgConstraint || msg.msgConstraint;
      } else if (state.relevant && "implicitNote" in el.dataset && fails(el, state.value) && !noteOf(el)) {
        message = msg.msgNote;
      }
      if (state.relevant && el.dataset.fail) el.classList.toggle("failing", fails(el, state.value));
      const visible = message && (showAll || touched.has(key) || state.error === CONSTRAINT);
      const box = own(el, ".qerror")[0];
      if (box) {
        box.textContent = visible ? message : "";
        box.hidden = !visible;
      }
      el.classList.toggle("invalid", Boolean(visible));
      if (message) problems.push({ el, message });
    }
    for (const section of form.querySelectorAll("[data-section]")) {
      const shown = result.sections.get(section.dataset.section);
      const hidden = shown === false;
      section.hidden = hidden;
      const link = document.querySelector(`[data-nav-section="${section.dataset.section}"]`);
      if (link) link.hidden = hidden;
    }
    return problems;
  }

  // --- saving ------------------------------------------------------------------------------------

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
      keepalive: body instanceof URLSearchParams,
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401) window.location.reload();
    return { response, data };
  }

  function updateScore(html) {
    const card = document.getElementById("score");
    if (card && html) card.outerHTML = html;
  }

  async function save(el) {
    const key = keyOf(el.dataset.item, entryOf(el));
    const state = own(el, ".savestate").pop();
    const value = valueOf(el);
    const note = noteOf(el);
    if (sandbox) return;
    const body = new URLSearchParams();
    if (value !== null) body.set("value", value);
    if (note !== null) body.set("note", note);
    if (entryOf(el)) body.set("entry", entryOf(el));
    show(state, msg.msgSaving);
    try {
      const { response, data } = await post(urlFor(msg.answerUrl, el.dataset.item), body);
      if (!response.ok) {
        // A refusal (bad value, visit locked) is final: show it, do not retry.
        pending.delete(key);
        show(state, data.error || msg.msgFailed, "bad");
        updatePageState();
        return;
      }
      pending.delete(key);
      show(state, msg.msgSaved, "ok");
      updateScore(data.score_html);
    } catch (err) {
      pending.add(key);
      show(state, msg.msgFailed, "bad");
      scheduleRetry();
    }
    updatePageState();
  }

  function elementFor(key) {
    const [id, entry] = key.split("|");
    return entry
      ? form.querySelector(`[data-item="${id}"][data-entry="${entry}"]`)
      : form.querySelector(`[data-item="${id}"]:not([data-entry])`);
  }

  function retryPending() {
    for (const key of [...pending]) {
      const el = elementFor(key);
      if (el) save(el);
    }
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      retryPending();
    }, 15000);
  }

  function saveSoon(el, delay) {
    const key = keyOf(el.dataset.item, entryOf(el));
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      save(el);
    }, delay));
  }

  function flushTimers() {
    for (const [key, timer] of timers) {
      clearTimeout(timer);
      const el = elementFor(key);
      if (el) save(el);
    }
    timers.clear();
  }

  form.addEventListener("change", (event) => {
    const target = event.target;
    const el = questionOf(target);
    if (!isQuestion(el)) return;
    touched.add(keyOf(el.dataset.item, entryOf(el)));
    if (target.matches("input[data-photo]")) {
      uploadPhotos(el, target);
      return;
    }
    refresh();
    saveSoon(el, 0);
  });

  form.addEventListener("input", (event) => {
    const target = event.target;
    const el = questionOf(target);
    if (!isQuestion(el) || target.matches("input[data-photo]")) return;
    refresh();
    if (target.tagName === "TEXTAREA" || target.type === "number" || target.type === "text") saveSoon(el, 900);
  });

  // --- photos ------------------------------------------------------------------------------------

  function thumbnail(url, thumb, deleteUrl) {
    const figure = document.createElement("figure");
    figure.className = "thumb";
    const link = document.createElement("a");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = document.createElement("img");
    img.src = thumb;
    img.alt = "";
    link.append(img);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "thumbx";
    remove.textContent = "×";
    if (deleteUrl) remove.dataset.deleteUrl = deleteUrl;
    else remove.dataset.localPhoto = "";
    figure.append(link, remove);
    return figure;
  }

  async function uploadPhotos(el, input) {
    const state = own(el, ".photobuttons .savestate")[0];
    const thumbs = own(el, "[data-thumbs]")[0];
    for (const file of [...input.files]) {
      if (sandbox) {
        const url = URL.createObjectURL(file);
        thumbs.append(thumbnail(url, url, null));
        continue;
      }
      show(state, msg.msgUploading);
      const body = new FormData();
      body.append("photo", file, file.name);
      if (entryOf(el)) body.append("entry", entryOf(el));
      try {
        const { response, data } = await post(urlFor(msg.photoUrl, el.dataset.item), body);
        if (!response.ok) {
          show(state, data.error || msg.msgFailed, "bad");
          continue;
        }
        thumbs.append(thumbnail(data.url, data.thumb, data.delete));
        show(state, msg.msgSaved, "ok");
      } catch (err) {
        show(state, msg.msgFailed, "bad");
      }
    }
    input.value = "";
    refresh();
  }

  // Thumbnails added by this script delete through fetch; server-rendered ones use their own form.
  form.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-delete-url], button[data-local-photo]");
    if (!button) return;
    event.preventDefault();
    if ("localPhoto" in button.dataset) {
      button.closest(".thumb").remove();
      refresh();
      return;
    }
    const { response } = await post(button.dataset.deleteUrl, new URLSearchParams());
    if (response.ok) {
      button.closest(".thumb").remove();
      refresh();
    }
  });

  // --- entries of a repeat -----------------------------------------------------------------------

  function renumber(repeat) {
    const label = repeat.querySelector("[data-add-entry]").dataset.entryLabel;
    repeat.querySelectorAll(":scope > [data-entries] > .entry").forEach((entry, index) => {
      const number = entry.querySelector("[data-entry-number]");
      if (number) number.textContent = label.replace("0", String(index + 1));
    });
  }

  form.addEventListener("click", async (event) => {
    const add = event.target.closest("button[data-add-entry]");
    const remove = event.target.closest("button[data-remove-entry]");
    if (!add && !remove) return;
    event.preventDefault();
    const repeat = (add || remove).closest(".repeat[data-item]");
    if (add) {
      let key;
      if (sandbox) {
        localEntries += 1;
        key = `preview-${localEntries}`;
      } else {
        try {
          const { response, data } = await post(urlFor(msg.entryUrl, repeat.dataset.item), new URLSearchParams());
          if (!response.ok) {
            show(pageState, data.error || msg.msgFailed, "bad");
            return;
          }
          key = data.key;
          updateScore(data.score_html);
        } catch (err) {
          show(pageState, msg.msgFailed, "bad");
          return;
        }
      }
      const template = repeat.querySelector(":scope > template[data-entry-template]");
      const holder = document.createElement("div");
      holder.innerHTML = template.innerHTML.replaceAll("__ENTRY__", key);
      const entry = holder.firstElementChild;
      repeat.querySelector(":scope > [data-entries]").append(entry);
      renumber(repeat);
      refresh();
      const first = entry.querySelector("input, textarea, select");
      if (first) first.focus();
      return;
    }
    const entry = remove.closest(".entry");
    if (!window.confirm(msg.msgConfirmRemove)) return;
    if (!sandbox) {
      try {
        const url = msg.removeEntryUrl.replace("__ENTRY__", encodeURIComponent(entry.dataset.entry));
        const { response, data } = await post(url, new URLSearchParams());
        if (!response.ok) {
          show(pageState, data.error || msg.msgFailed, "bad");
          return;
        }
        updateScore(data.score_html);
      } catch (err) {
        show(pageState, msg.msgFailed, "bad");
        return;
      }
    }
    entry.remove();
    renumber(repeat);
    refresh();
  });

  // --- submitting --------------------------------------------------------------------------------

  const submitForm = document.querySelector("form[data-submit-visit]");
  if (submitForm) {
    submitForm.addEventListener("submit", (event) => {
      flushTimers();
      showAll = true;
      const problems = refresh();
      const box = document.querySelector("[data-problems]");
      if (!problems.length) {
        if (box) box.hidden = true;
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      const list = box.querySelector("ul");
      list.replaceChildren(...problems.map(({ el, message }) => {
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = `#${el.id}`;
        const title = el.querySelector(":scope > .itemhead h3, :scope > .detaillabel");
        const label = title ? title.firstChild.textContent.trim() : el.dataset.name;
        const owner = el.classList.contains("detail") ? el.parentElement.closest("[data-name]") : el;
        const number = owner && owner.dataset.fail && !owner.dataset.entry ? `${owner.dataset.name} ` : "";
        link.textContent = msg.msgProblem.replace("%(item)s", number + label).replace("%(message)s", message);
        li.append(link);
        return li;
      }));
      box.hidden = false;
      box.scrollIntoView({ block: "center" });
    });
  }

  // --- location, connection, leaving -------------------------------------------------------------

  if ("geolocation" in navigator) {
    for (const button of form.querySelectorAll("button[data-locate]")) {
      button.hidden = false;
      button.addEventListener("click", () => {
        const input = button.parentElement.querySelector("input");
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            button.disabled = false;
            const c = pos.coords;
            input.value = [c.latitude.toFixed(6), c.longitude.toFixed(6), (c.altitude || 0).toFixed(1),
              c.accuracy.toFixed(1)].join(" ");
            input.dispatchEvent(new Event("change", { bubbles: true }));
          },
          () => {
            button.disabled = false;
            show(pageState, msg.msgFailed, "bad");
          },
          { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 },
        );
      });
    }
  }

  window.addEventListener("online", retryPending);

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushTimers();
  });

  window.addEventListener("beforeunload", (event) => {
    flushTimers();
    if (pending.size) event.preventDefault();
  });

  const checkin = document.querySelector("[data-checkin]");
  if (checkin && "geolocation" in navigator && !sandbox) {
    checkin.hidden = false;
    checkin.addEventListener("click", () => {
      checkin.disabled = true;
      navigator.geolocation.getCurrentPosition(
        async (pos) => {
          const body = new URLSearchParams({
            latitude: pos.coords.latitude.toFixed(6),
            longitude: pos.coords.longitude.toFixed(6),
            accuracy: pos.coords.accuracy.toFixed(1),
          });
          const { response } = await post(checkin.dataset.checkin, body);
          checkin.disabled = false;
          if (response.ok) window.location.reload();
        },
        () => {
          checkin.disabled = false;
          show(pageState, msg.msgFailed, "bad");
        },
        { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 },
      );
    });
  }

  refresh();
}
