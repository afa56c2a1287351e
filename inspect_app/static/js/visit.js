// The visit page. Everything the inspector enters — answers, notes, entries of lists, photos,
// signatures, the check-in — is kept first on the tablet (store.js) under its own UUID, then sent by
// sync.js whenever there is a connection; the page always says how many changes are not yet synced.
// The checklist's logic (shown when…, required, constraints) runs here as on the server
// (formlogic.js, expressions.js), online or not.
//
// A form with data-sandbox (the preview of a draft checklist) runs the same logic but keeps nothing.
import { CHOICE, CONSTRAINT, COUNT, MISSING, evaluateForm, keyOf } from "./formlogic.js";
import * as store from "./store.js";
import { createSync } from "./sync.js";
import { NotAPhoto, currentPosition, preparePhoto } from "./photos.js";
import { signatureBytes, signaturePad } from "./signatures.js";
import { FAR, distanceMetres, formatDistance, locate } from "./checkin.js";
import { sha256Hex, uuid } from "./uuid.js";
import { faceSurvey } from "./facesurvey.js";

const form = document.getElementById("visit-form");

if (form) {
  const sandbox = "sandbox" in form.dataset;
  const msg = form.dataset;
  const visitKey = form.dataset.visit;
  const user = Number(document.body.dataset.user || 0);
  const timers = new Map();
  const editing = new Set();
  const touched = new Set();
  const objectUrls = new Map();
  let showAll = false;
  let localEntries = 0;
  let known = { answers: {}, state: null };
  let sync = null;
  let face = null;

  const isQuestion = (el) => el && el.matches("[data-name]");
  const questionOf = (el) => el.closest("[data-name]");
  const entryOf = (el) => el.dataset.entry || null;
  const own = (el, selector) => [...el.querySelectorAll(selector)].filter((x) => questionOf(x) === el);
  const suffix = (el) => (entryOf(el) ? `-${entryOf(el)}` : "");
  const fill = (text, values) => Object.entries(values).reduce((t, [k, v]) => t.replaceAll(`%(${k})s`, v)
    .replaceAll(`%(${k})d`, v), text || "");

  function show(el, text, cls) {
    if (!el) return;
    el.textContent = text;
    el.classList.remove("ok", "bad");
    if (cls) el.classList.add(cls);
  }

  // --- reading and writing the page --------------------------------------------------------------

  function fieldsOf(el) {
    return document.getElementsByName(`value-${el.dataset.item}${suffix(el)}`);
  }

  function valueOf(el) {
    const fields = fieldsOf(el);
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

  function setValue(el, value, note) {
    const fields = [...fieldsOf(el)];
    const text = value ?? "";
    for (const field of fields) {
      if (field.type === "radio") field.checked = field.value === text;
      else if (field.type === "checkbox") field.checked = text.split(" ").includes(field.value);
      else if (field !== document.activeElement) field.value = text;
    }
    const box = own(el, "textarea[data-note]")[0];
    if (box && box !== document.activeElement && note !== undefined) box.value = note ?? "";
  }

  function photoCount(el) {
    return own(el, "[data-thumbs] .thumb").length;
  }

  function questions() {
    return [...form.querySelectorAll("[data-name]")];
  }

  function elementFor(itemId, entry) {
    return entry
      ? form.querySelector(`[data-item="${itemId}"][data-entry="${entry}"]`)
      : form.querySelector(`[data-item="${itemId}"]:not([data-entry])`);
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
        default: el.dataset.default,
        choices: el.dataset.choices ? JSON.parse(el.dataset.choices) : undefined,
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

  function entriesOf(repeat) {
    return [...repeat.querySelectorAll(":scope > [data-entries] > .entry")];
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
        return el ? entriesOf(el).map((e) => e.dataset.entry) : [];
      },
    });
    const problems = [];
    for (const [key, state] of result.states) {
      const el = elements.get(key);
      if (!el) continue;
      // A calculated or hidden value is never shown.
      el.hidden = !state.relevant || el.classList.contains("formvalue");
      for (const span of own(el, "[data-pipe]")) span.textContent = result.pipe(span.dataset.pipe, state.entry);
      if (state.choices) {
        for (const field of fieldsOf(el)) {
          const label = field.closest("label");
          if (label) label.hidden = !state.choices.includes(field.value) && !field.checked;
        }
      }
      const pipe = (text) => (text && text.includes("${") ? result.pipe(text, state.entry) : text);
      let message = "";
      if (state.error === MISSING) {
        message = pipe(el.dataset.msgRequired) || (state.item.type === "image" ? msg.msgPhotoRequired : msg.msgRequired);
      } else if (state.error === CHOICE) {
        message = msg.msgChoice;
      } else if (state.error === COUNT) {
        message = fill(own(el, "[data-count-msg]")[0]?.dataset.msgCount, { n: state.count });
      } else if (state.error === CONSTRAINT) {
        message = pipe(el.dataset.msgConstraint) || msg.msgConstraint;
      } else if (state.relevant && "implicitNote" in el.dataset && fails(el, state.value) && !noteOf(el)) {
        message = msg.msgNote;
      }
      if (state.relevant && el.dataset.fail) el.classList.toggle("failing", fails(el, state.value));
      const visible = message && (showAll || touched.has(key) || [CONSTRAINT, CHOICE, COUNT].includes(state.error));
      const box = own(el, ".qerror, [data-count-msg]")[0];
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
    sectionProgress(result.states, elements);
    return problems;
  }

  // Each section's progress in the section bar: of the questions shown and requiring an answer (as the
  // task list counts them, visits/progress.py), how many are answered, and how many answers fail.
  function sectionProgress(states, elements) {
    const counts = new Map();
    for (const [key, state] of states) {
      const el = elements.get(key);
      const section = el && el.closest("section.section");
      if (!section) continue;
      if (!counts.has(section.id)) counts.set(section.id, { asked: 0, answered: 0, failing: 0 });
      const count = counts.get(section.id);
      if (state.relevant && state.required) {
        count.asked += 1;
        if (state.error !== MISSING) count.answered += 1;
      }
      if (state.relevant && el.dataset.fail && fails(el, state.value)) count.failing += 1;
    }
    for (const link of document.querySelectorAll(".sectionnav a")) {
      const count = counts.get(link.hash.slice(1)) || { asked: 0, answered: 0, failing: 0 };
      const progress = link.querySelector("[data-section-progress]");
      const failing = link.querySelector("[data-section-failing]");
      if (progress) progress.textContent = count.asked ? `${count.answered}/${count.asked}` : "";
      link.classList.toggle("complete", count.asked > 0 && count.answered === count.asked);
      if (failing) {
        failing.hidden = !count.failing;
        failing.textContent = count.failing ? fill(link.parentElement.dataset.msgFailing, { n: count.failing }) : "";
      }
    }
  }

  // "Next section" goes to the next section the form's logic shows.
  document.addEventListener("click", (event) => {
    const next = event.target.closest("a[data-next-section]");
    if (!next) return;
    const current = next.closest("section.section");
    let target = current && current.nextElementSibling;
    while (target && (target.hidden || !target.matches("section.section"))) target = target.nextElementSibling;
    if (!target) return;
    event.preventDefault();
    target.scrollIntoView({ block: "start" });
    history.replaceState(null, "", `#${target.id}`);
  });

  // --- the sync bar ------------------------------------------------------------------------------

  const bar = document.querySelector("[data-sync]");
  const barState = bar && bar.querySelector("[data-sync-state]");
  const barLast = bar && bar.querySelector("[data-sync-last]");
  const notesBox = document.querySelector("[data-sync-notes]");
  let syncState = { state: navigator.onLine ? "idle" : "offline" };

  async function updateBar() {
    if (!bar || sandbox) return;
    const { total } = await store.pending(user, visitKey);
    bar.dataset.pending = String(total);
    bar.classList.toggle("haspending", total > 0);
    let text;
    if (syncState.state === "login") text = msg.msgLogin;
    else if (total === 0) text = msg.msgSynced;
    else if (syncState.state === "syncing") text = fill(msg.msgSyncing, { n: total });
    else if (syncState.state === "offline" || !navigator.onLine) text = fill(msg.msgOffline, { n: total });
    else text = fill(msg.msgPending, { n: total });
    show(barState, text, total ? "bad" : "ok");
    if (barLast && syncState.lastSync) barLast.textContent = fill(msg.msgLastSync, { time: syncState.lastSync.toLocaleTimeString() });
    const record = await store.getVisit(visitKey);
    showNotes((record && record.notes) || []);
    if (face) await face.update();
  }

  function describe(note) {
    const el = note.item ? elementFor(note.item, note.entry) : null;
    const title = el && el.querySelector(".itemhead h3, .detaillabel");
    const label = title ? title.firstChild.textContent.trim() : "";
    const template = note.kind === "conflict" ? msg.msgConflict : msg.msgRefused;
    return fill(template, { item: label || (note.survey ? msg.msgQuestionnaire : "—"), message: note.message || "" });
  }

  // A photo's error beside its own item, in words, until the inspector picks again (a refusal at pick
  // time) or clears the sync notes (a refusal by the server of a photo kept on the tablet).
  function photoErrors(el) {
    return own(el, "[data-photo-errors]")[0] || null;
  }

  function addPhotoError(el, text, fromServer) {
    const list = photoErrors(el);
    if (!list) return;
    const li = document.createElement("li");
    li.textContent = text;
    if (fromServer) li.dataset.fromServer = "";
    list.append(li);
    list.hidden = false;
    const state = own(el, ".photobuttons .savestate")[0];
    if (state && state.classList.contains("ok")) show(state, "");
  }

  function clearPhotoErrors(el, fromServer) {
    const list = photoErrors(el);
    if (!list) return;
    for (const li of [...list.children]) if (("fromServer" in li.dataset) === fromServer) li.remove();
    list.hidden = !list.children.length;
  }

  function showPhotoRefusals(notes) {
    for (const el of questions()) clearPhotoErrors(el, true);
    for (const note of notes) {
      if (!note.media || !note.item) continue;
      const el = elementFor(note.item, note.entry);
      if (el) addPhotoError(el, fill(msg.msgPhotoRefused, { name: note.filename || "—", message: note.message || "" }), true);
    }
  }

  function showNotes(notes) {
    showPhotoRefusals(notes);
    if (!notesBox) return;
    notesBox.hidden = !notes.length;
    notesBox.querySelector("ul").replaceChildren(...notes.map((note) => {
      const li = document.createElement("li");
      li.textContent = describe(note);
      return li;
    }));
  }

  if (notesBox) {
    notesBox.querySelector("[data-notes-clear]").addEventListener("click", async () => {
      const record = await store.getVisit(visitKey);
      if (record) await store.saveVisit({ ...record, notes: [] });
      updateBar();
    });
  }

  // --- the known server state, and what is still queued --------------------------------------------

  async function queuedOps() {
    const { rows } = await store.pending(user, visitKey);
    return rows;
  }

  function baseRev(itemId, entry) {
    const key = `${itemId}|${entry ?? ""}`;
    if (known.answers[key]) return known.answers[key].rev;
    const el = elementFor(itemId, entry);
    return el ? Number(el.dataset.rev || 0) : 0;
  }

  function addEntryElement(repeat, key) {
    if (repeat.querySelector(`:scope > [data-entries] > .entry[data-entry="${key}"]`)) return null;
    const template = repeat.querySelector(":scope > template[data-entry-template]");
    const holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replaceAll("__ENTRY__", key);
    const entry = holder.firstElementChild;
    repeat.querySelector(":scope > [data-entries]").append(entry);
    return entry;
  }

  function renumber(repeat) {
    const label = repeat.querySelector("[data-add-entry]").dataset.entryLabel;
    entriesOf(repeat).forEach((entry, index) => {
      const number = entry.querySelector("[data-entry-number]");
      if (number) number.textContent = label.replace("0", String(index + 1));
    });
  }

  function thumbnail({ url, thumb, media, local, status, reason }) {
    const figure = document.createElement("figure");
    figure.className = "thumb";
    figure.dataset.media = media;
    if (local) figure.classList.add("local");
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
    remove.setAttribute("aria-label", msg.msgDeletePhoto);
    remove.dataset.removePhoto = media;
    figure.append(link, remove);
    // The server decodes a photo after accepting it: it says so until the photo is ready (watchProcessing).
    if (status === "processing" || status === "refused") {
      const caption = document.createElement("figcaption");
      if (status === "processing") {
        caption.className = "muted";
        caption.dataset.processing = "";
        caption.textContent = msg.msgProcessing;
      } else {
        caption.className = "refused";
        caption.dataset.refused = "";
        caption.textContent = fill(msg.msgDecodeRefused, { reason: reason || msg.msgUndecodable });
      }
      figure.append(caption);
    }
    return figure;
  }

  function localUrl(record) {
    if (!objectUrls.has(record.uuid)) {
      objectUrls.set(record.uuid, URL.createObjectURL(new Blob([record.bytes], { type: record.type })));
    }
    return objectUrls.get(record.uuid);
  }

  // Put the server's state (as last known) and then everything still queued onto the page.
  async function render() {
    const record = await store.getVisit(visitKey);
    if (record && record.answers) known = record;
    const state = known.state;
    const ops = await queuedOps();
    const removedEntries = new Set(ops.filter((r) => r.kind === "op" && r.op.type === "entry_remove").map((r) => r.op.entry));
    const removedPhotos = new Set(ops.filter((r) => r.kind === "op" && r.op.type === "photo_remove").map((r) => r.op.media));
    if (state) {
      for (const entry of state.entries) {
        const repeat = form.querySelector(`.repeat[data-item="${entry.item_id}"]`);
        if (!repeat) continue;
        const existing = repeat.querySelector(`:scope > [data-entries] > .entry[data-entry="${entry.uuid}"]`);
        if (entry.removed && existing) existing.remove();
        if (!entry.removed) addEntryElement(repeat, entry.uuid);
      }
    }
    for (const row of ops) {
      if (row.kind === "op" && row.op.type === "entry_add") {
        const repeat = form.querySelector(`.repeat[data-item="${row.op.item_id}"]`);
        if (repeat) addEntryElement(repeat, row.op.entry);
      }
    }
    for (const key of removedEntries) {
      const el = form.querySelector(`.entry[data-entry="${key}"]`);
      if (el) el.remove();
    }
    form.querySelectorAll(".repeat[data-item]").forEach(renumber);

    const pendingAnswers = new Map();
    for (const row of ops) {
      if (row.kind === "op" && row.op.type === "answer") pendingAnswers.set(`${row.op.item_id}|${row.op.entry ?? ""}`, row.op);
    }
    for (const [key, answer] of Object.entries(known.answers || {})) {
      if (pendingAnswers.has(key) || editing.has(key)) continue;
      const [item, entry] = key.split("|");
      const el = elementFor(item, entry || null);
      if (el) {
        setValue(el, answer.value, answer.note);
        el.dataset.rev = String(answer.rev);
      }
    }
    for (const op of pendingAnswers.values()) {
      const el = elementFor(op.item_id, op.entry);
      if (el) setValue(el, op.value, op.note);
    }

    // Thumbnails: the server's photos (as last known) less those removed here, and those not yet sent.
    const kept = (await store.mediaOf(visitKey)).filter((m) => m.user === user);
    const local = kept.filter((m) => m.kind === "photo");
    const groups = new Map();
    const add = (itemId, entry, thumb) => {
      const key = keyOf(String(itemId), entry || null);
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(thumb);
    };
    if (state) {
      for (const m of state.media) {
        if (m.kind !== "photo" || removedPhotos.has(m.uuid)) continue;
        add(m.item_id, m.entry, { media: m.uuid, url: `/media/${m.file_id}`, thumb: `/media/${m.file_id}?thumb=1`,
          status: m.status, reason: m.refused_reason });
      }
    } else {
      for (const fig of form.querySelectorAll("[data-thumbs] .thumb[data-media]:not(.local)")) {
        const el = questionOf(fig);
        if (!removedPhotos.has(fig.dataset.media)) {
          const caption = fig.querySelector("figcaption");
          add(el.dataset.item, entryOf(el), { media: fig.dataset.media, url: fig.querySelector("a").href,
            thumb: fig.querySelector("img").src, status: fig.dataset.status,
            reason: caption && fig.dataset.status === "refused" ? caption.dataset.reason : null });
        }
      }
    }
    for (const m of local) add(m.item, m.entry, { media: m.uuid, url: localUrl(m), thumb: localUrl(m), local: true });
    watchProcessing(Boolean(state && state.media.some((m) => m.kind === "photo" && m.status === "processing")));
    for (const el of questions()) {
      const box = own(el, "[data-thumbs]")[0];
      if (!box) continue;
      box.replaceChildren(...(groups.get(keyOf(el.dataset.item, entryOf(el))) || []).map(thumbnail));
    }
    renderSignatures(state, kept);
    // A check-in kept on the tablet and not yet synced shows with its accuracy, after a reload too.
    const queuedCheckin = ops.filter((r) => r.kind === "op" && r.op.type === "checkin").pop();
    const checkinBox = document.querySelector("[data-checkin-state]");
    if (queuedCheckin && checkinBox && !checkinBox.textContent) {
      show(checkinBox, fill(msg.msgCheckedIn, { m: Math.round(Number(queuedCheckin.op.accuracy_m)) }), "ok");
    }
    refresh();
    updateBar();
  }

  // --- recording changes -------------------------------------------------------------------------

  let opening = null;

  // The first change made here opens the visit on the server (PUT /api/v1/visits/UUID), once.
  function ensureOpened() {
    if (!opening) {
      opening = (async () => {
        const record = (await store.getVisit(visitKey)) || { uuid: visitKey, answers: {} };
        if (record.opened || form.dataset.started) return;
        const { rows } = await store.pending(user, visitKey);
        if (!rows.some((r) => r.kind === "open")) {
          await store.enqueue(user, visitKey, "open", {
            record: { school_id: Number(form.dataset.school), checklist_version_id: Number(form.dataset.version),
              started_at: new Date().toISOString() },
          });
        }
        await store.saveVisit({ ...((await store.getVisit(visitKey)) || record), opened: true });
      })();
    }
    return opening;
  }

  async function queueOp(op) {
    await ensureOpened();
    await store.enqueueOp(user, visitKey, { op_id: uuid(), client_ts: new Date().toISOString(), ...op });
    await updateBar();
    if (sync) sync.soon();
  }

  async function recordAnswer(el) {
    if (sandbox) return;
    const state = own(el, ".savestate").pop();
    const value = valueOf(el);
    const note = noteOf(el);
    const entry = entryOf(el);
    await queueOp({ type: "answer", item_id: Number(el.dataset.item), entry, value: value === "" ? null : value,
      note: note === null ? null : (note.trim() || null), base_rev: baseRev(el.dataset.item, entry) });
    if (!timers.has(keyOf(el.dataset.item, entry))) editing.delete(keyOf(el.dataset.item, entry));
    show(state, msg.msgSaved, "ok");
  }

  function saveSoon(el, delay) {
    const key = keyOf(el.dataset.item, entryOf(el));
    editing.add(key);
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      recordAnswer(el);
    }, delay));
  }

  function flushTimers() {
    for (const [key, timer] of timers) {
      clearTimeout(timer);
      const [id, entry] = key.split("|");
      const el = elementFor(id, entry || null);
      if (el) recordAnswer(el);
    }
    timers.clear();
  }

  form.addEventListener("change", (event) => {
    const target = event.target;
    const el = questionOf(target);
    if (!isQuestion(el)) return;
    touched.add(keyOf(el.dataset.item, entryOf(el)));
    if (target.matches("input[data-photo]")) {
      addPhotos(el, target);
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
    if (target.tagName === "TEXTAREA" || target.type === "number" || target.type === "text") saveSoon(el, 700);
  });

  // --- photos ------------------------------------------------------------------------------------

  async function addPhotos(el, input) {
    const state = own(el, ".photobuttons .savestate")[0];
    const files = [...input.files];
    input.value = "";
    clearPhotoErrors(el, false);
    for (const file of files) {
      if (sandbox) {
        const url = URL.createObjectURL(file);
        own(el, "[data-thumbs]")[0].append(thumbnail({ url, thumb: url, media: `preview-${(localEntries += 1)}`, local: true }));
        continue;
      }
      show(state, msg.msgPreparing);
      try {
        const photo = await preparePhoto(file);
        const position = photo.exifLatitude ? null : await currentPosition(4000);
        await ensureOpened();
        await store.addMedia(user, visitKey, {
          uuid: uuid(), kind: "photo", item: Number(el.dataset.item), entry: entryOf(el),
          bytes: photo.bytes, type: photo.type, sha256: await sha256Hex(photo.bytes),
          taken_at: photo.takenAt, filename: file.name || "photo.jpg", width: photo.width, height: photo.height,
          latitude: photo.exifLatitude || (position ? position.latitude.toFixed(6) : null),
          longitude: photo.exifLongitude || (position ? position.longitude.toFixed(6) : null),
          accuracy_m: position ? position.accuracy.toFixed(1) : null,
        });
        show(state, msg.msgSaved, "ok");
      } catch (err) {
        show(state, "");
        addPhotoError(el, err instanceof NotAPhoto ? fill(msg.msgNotAPhoto, { name: file.name || "—" })
          : msg.msgPhotoFailed, false);
      }
    }
    await render();
    if (sync) sync.soon();
  }

  form.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-remove-photo]");
    if (!button) return;
    event.preventDefault();
    const key = button.dataset.removePhoto;
    if (sandbox) {
      button.closest(".thumb").remove();
      refresh();
      return;
    }
    if (await store.getMedia(key)) await store.dropMedia(key);
    else await queueOp({ type: "photo_remove", media: key });
    await render();
  });

  // --- entries of a repeat -----------------------------------------------------------------------

  form.addEventListener("click", async (event) => {
    const addButton = event.target.closest("button[data-add-entry]");
    const removeButton = event.target.closest("button[data-remove-entry]");
    if (!addButton && !removeButton) return;
    event.preventDefault();
    const repeat = (addButton || removeButton).closest(".repeat[data-item]");
    if (addButton) {
      const key = sandbox ? `preview-${(localEntries += 1)}` : uuid();
      if (!sandbox) await queueOp({ type: "entry_add", item_id: Number(repeat.dataset.item), entry: key });
      const entry = addEntryElement(repeat, key);
      renumber(repeat);
      refresh();
      const first = entry && entry.querySelector("input, textarea, select");
      if (first) first.focus();
      return;
    }
    const entry = removeButton.closest(".entry");
    if (!window.confirm(msg.msgConfirmRemove)) return;
    if (!sandbox) await queueOp({ type: "entry_remove", entry: entry.dataset.entry });
    entry.remove();
    renumber(repeat);
    refresh();
  });

  // --- signatures --------------------------------------------------------------------------------

  const pads = new Map();

  function renderSignatures(state, local) {
    for (const box of document.querySelectorAll("[data-signature]")) {
      const signer = box.dataset.signature;
      const mine = local.filter((m) => m.kind === "signature" && m.signer === signer).pop();
      const server = state ? state.media.filter((m) => m.kind === "signature" && m.signer === signer).pop() : null;
      const img = box.querySelector("[data-signature-image]");
      const name = box.querySelector("[data-signature-name]");
      if (mine) {
        img.src = localUrl(mine);
        img.hidden = false;
        if (name) name.textContent = mine.signer_name || "";
      } else if (server) {
        img.src = `/media/${server.file_id}`;
        img.hidden = false;
        if (name) name.textContent = server.signer_name || "";
      }
      box.classList.toggle("signed", Boolean(mine || server || !img.hidden));
    }
  }

  for (const box of document.querySelectorAll("[data-signature]")) {
    if (sandbox) break;
    const canvas = box.querySelector("canvas");
    const openButton = box.querySelector("[data-sign]");
    const pad = box.querySelector(".signpad");
    openButton.addEventListener("click", () => {
      pad.hidden = false;
      openButton.hidden = true;
      if (!pads.has(box)) pads.set(box, signaturePad(canvas));
      pads.get(box).clear();
    });
    box.querySelector("[data-sign-clear]").addEventListener("click", () => pads.get(box).clear());
    box.querySelector("[data-sign-save]").addEventListener("click", async () => {
      const drawn = pads.get(box);
      const nameInput = box.querySelector("input[name=signer_name]");
      const status = box.querySelector(".savestate");
      if (drawn.isEmpty()) {
        show(status, msg.msgSignFirst, "bad");
        return;
      }
      if (nameInput && !nameInput.value.trim()) {
        show(status, msg.msgSignerName, "bad");
        nameInput.focus();
        return;
      }
      const { bytes, type } = await signatureBytes(drawn);
      await ensureOpened();
      await store.addMedia(user, visitKey, {
        uuid: uuid(), kind: "signature", signer: box.dataset.signature,
        signer_name: nameInput ? nameInput.value.trim() : null, bytes, type, sha256: await sha256Hex(bytes),
        filename: `signature-${box.dataset.signature}.png`,
      });
      pad.hidden = true;
      openButton.hidden = false;
      show(status, msg.msgSaved, "ok");
      await render();
      if (sync) sync.soon();
    });
  }

  // --- check-in ----------------------------------------------------------------------------------

  const checkin = document.querySelector("[data-checkin]");
  const checkinState = document.querySelector("[data-checkin-state]");
  if (checkin && "geolocation" in navigator && !sandbox) {
    checkin.hidden = false;
    checkin.addEventListener("click", async () => {
      checkin.disabled = true;
      show(checkinState, msg.msgLocating);
      try {
        const { coords } = await locate();
        await queueOp({ type: "checkin", latitude: coords.latitude.toFixed(6), longitude: coords.longitude.toFixed(6),
          accuracy_m: coords.accuracy.toFixed(1), at: new Date().toISOString() });
        let text = fill(msg.msgCheckedIn, { m: Math.round(coords.accuracy) });
        let bad = false;
        if (form.dataset.schoolLat && form.dataset.schoolLon) {
          const metres = distanceMetres(coords.latitude, coords.longitude, form.dataset.schoolLat, form.dataset.schoolLon);
          if (metres > FAR) {
            text += ` ${fill(msg.msgFar, { distance: formatDistance(metres) })}`;
            bad = true;
          }
        }
        show(checkinState, text, bad ? "bad" : "ok");
      } catch (err) {
        show(checkinState, msg.msgNoPosition, "bad");
      }
      checkin.disabled = false;
    });
  }

  // --- locating a geopoint question --------------------------------------------------------------

  if ("geolocation" in navigator) {
    for (const button of form.querySelectorAll("button[data-locate]")) {
      button.hidden = false;
      button.addEventListener("click", async () => {
        const input = button.parentElement.querySelector("input");
        button.disabled = true;
        try {
          const { coords: c } = await locate();
          input.value = [c.latitude.toFixed(6), c.longitude.toFixed(6), (c.altitude || 0).toFixed(1),
            c.accuracy.toFixed(1)].join(" ");
          input.dispatchEvent(new Event("change", { bubbles: true }));
        } catch (err) {
          show(checkinState, msg.msgNoPosition, "bad");
        }
        button.disabled = false;
      });
    }
  }

  // --- submitting --------------------------------------------------------------------------------

  const submitForm = document.querySelector("form[data-submit-visit]");
  const problemsBox = document.querySelector("[data-problems]");

  function listProblems(items) {
    problemsBox.querySelector("ul").replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      if (item.el) {
        const link = document.createElement("a");
        link.href = `#${item.el.id}`;
        const title = item.el.querySelector(":scope > .itemhead h3, :scope > .detaillabel");
        const label = title ? title.firstChild.textContent.trim() : item.el.dataset.name;
        const owner = item.el.classList.contains("detail") ? item.el.parentElement.closest("[data-name]") : item.el;
        const number = owner && owner.dataset.fail && !owner.dataset.entry ? `${owner.dataset.name} ` : "";
        link.textContent = msg.msgProblem.replace("%(item)s", number + label).replace("%(message)s", item.message);
        li.append(link);
      } else {
        li.textContent = item.message;
      }
      return li;
    }));
    problemsBox.hidden = false;
    problemsBox.scrollIntoView({ block: "center" });
  }

  if (submitForm && !sandbox) {
    submitForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      flushTimers();
      showAll = true;
      const problems = refresh();
      if (problems.length) {
        listProblems(problems);
        return;
      }
      problemsBox.hidden = true;
      // Asked once, here, once the page has nothing left to fix (app.js leaves a prevented submission alone).
      if (!window.confirm(submitForm.dataset.confirm)) return;
      await store.enqueue(user, visitKey, "submit", { key: uuid() });
      show(document.querySelector("[data-submit-state]"), msg.msgSubmitQueued);
      await updateBar();
      if (sync) sync.flush();
    });
  }

  function onResult(result) {
    if (face && result.kind === "ops") face.onResult(result);
    if (result.kind !== "submit" || result.visit !== visitKey) return;
    if (result.status === 200 || result.status === 201) {
      const raised = Number((result.data && result.data.findings_raised) || 0);
      window.location.assign(`${msg.doneUrl}?submitted=${raised}`);
    } else {
      const details = result.data.details || [];
      listProblems([{ message: result.data.error || "" }, ...details.map((message) => ({ message }))]);
      show(document.querySelector("[data-submit-state]"), "");
    }
  }

  // --- logging in again --------------------------------------------------------------------------

  const dialog = document.getElementById("login-dialog");

  function askPassword() {
    return new Promise((resolve) => {
      if (!dialog) {
        resolve(false);
        return;
      }
      const loginForm = dialog.querySelector("form");
      const error = dialog.querySelector("[data-login-error]");
      error.hidden = true;
      dialog.showModal();
      loginForm.password.value = "";
      loginForm.password.focus();
      const cancel = () => {
        cleanup();
        dialog.close();
        resolve(false);
      };
      const submit = async (event) => {
        event.preventDefault();
        try {
          const token = await (await fetch("/api/v1/csrf", { credentials: "same-origin" })).json();
          const response = await fetch("/api/v1/session", {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": token.csrf_token, Accept: "application/json" },
            body: JSON.stringify({ username: loginForm.username.value, password: loginForm.password.value }),
          });
          if (response.ok) {
            cleanup();
            dialog.close();
            resolve(true);
            return;
          }
          const data = await response.json().catch(() => ({}));
          error.textContent = data.error || msg.msgLoginFailed;
        } catch (err) {
          error.textContent = msg.msgLoginOffline;
        }
        error.hidden = false;
      };
      function cleanup() {
        loginForm.removeEventListener("submit", submit);
        dialog.querySelector("[data-login-cancel]").removeEventListener("click", cancel);
      }
      loginForm.addEventListener("submit", submit);
      dialog.querySelector("[data-login-cancel]").addEventListener("click", cancel);
    });
  }

  // --- starting ----------------------------------------------------------------------------------

  async function refreshScore() {
    const card = document.getElementById("score");
    if (!card || !msg.scoreUrl) return;
    const response = await fetch(msg.scoreUrl, { credentials: "same-origin" });
    if (response.ok) card.outerHTML = await response.text();
  }

  // While a photo is being processed on the server, ask for the visit again every few seconds, so that
  // its thumbnail (or its refusal) shows without opening the page again. Offline, the next sync does it.
  let processingTimer = null;
  function watchProcessing(processing) {
    if (!processing || processingTimer !== null || sandbox || !visitKey || !user) return;
    processingTimer = window.setTimeout(() => {
      processingTimer = null;
      fetchState();
    }, 3000);
  }

  async function fetchState() {
    try {
      const response = await fetch(`/api/v1/visits/${visitKey}`, { credentials: "same-origin",
        headers: { Accept: "application/json" } });
      if (!response.ok) return;
      await store.setSnapshot(visitKey, user, await response.json());
      await render();
      await refreshScore();
    } catch (err) {
      // Offline: the page goes on with what the tablet knows.
    }
  }

  window.addEventListener("beforeunload", flushTimers);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushTimers();
  });

  refresh();
  if (!sandbox && visitKey && user) {
    face = faceSurvey({ user, visitKey, queueOp });
    sync = createSync({
      user,
      onChange: (state) => {
        syncState = state;
        if (state.state === "synced") fetchState();
        updateBar();
      },
      onLogin: askPassword,
      onResult,
    });
    const now = bar && bar.querySelector("[data-sync-now]");
    if (now) now.addEventListener("click", () => sync.flush());
    render().then(() => {
      // The tablet's answers are on the page: what is tapped from now on is kept.
      form.dataset.ready = "1";
      sync.flush();
    });
  }
}
