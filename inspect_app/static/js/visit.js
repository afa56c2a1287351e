// The visit page: every answer, note and photo is saved as it is entered.
const form = document.getElementById("visit-form");

if (form) {
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const answerUrl = (id) => form.dataset.answerUrl.replace(/\/0$/, `/${id}`);
  const photoUrl = (id) => form.dataset.photoUrl.replace(/\/0$/, `/${id}`);
  const pageState = document.getElementById("page-state");
  const pending = new Set();
  const timers = new Map();
  let retryTimer = null;

  const itemOf = (el) => el.closest(".item[data-item]");

  function show(el, text, cls) {
    if (!el) return;
    el.textContent = text;
    el.classList.remove("ok", "bad");
    if (cls) el.classList.add(cls);
  }

  function updatePageState() {
    if (pending.size) {
      show(pageState, `${form.dataset.msgFailed} (${pending.size})`, "bad");
    } else {
      show(pageState, form.dataset.msgSaved, "ok");
    }
  }

  function valueOf(item) {
    const id = item.dataset.item;
    const fields = form.querySelectorAll(`[name="value-${id}"]`);
    if (!fields.length) return null;
    const first = fields[0];
    if (first.type === "radio") {
      const checked = [...fields].find((f) => f.checked);
      return checked ? checked.value : "";
    }
    if (first.type === "checkbox") {
      return [...fields].filter((f) => f.checked).map((f) => f.value).join(" ");
    }
    return first.value;
  }

  function markFailing(item, value) {
    const fail = (item.dataset.fail || "").split(" ").filter(Boolean);
    const failing = value != null && value.split(" ").some((v) => fail.includes(v));
    item.classList.toggle("failing", failing);
  }

  async function save(item) {
    const id = item.dataset.item;
    const state = item.querySelector(".savestate");
    const value = valueOf(item);
    const note = form.querySelector(`[name="note-${id}"]`);
    const body = new URLSearchParams();
    if (value !== null) body.set("value", value);
    if (note) body.set("note", note.value);
    markFailing(item, value);
    show(state, form.dataset.msgSaving);
    try {
      const response = await fetch(answerUrl(id), {
        method: "POST",
        body,
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
        keepalive: true,
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        if (response.status === 401) {
          window.location.reload();
          return;
        }
        // A refusal (bad value, visit locked) is final: show it, do not retry.
        pending.delete(id);
        show(state, data.error || form.dataset.msgFailed, "bad");
        updatePageState();
        return;
      }
      pending.delete(id);
      item.classList.toggle("failing", Boolean(data.fails));
      show(state, form.dataset.msgSaved, "ok");
    } catch (err) {
      pending.add(id);
      show(state, form.dataset.msgFailed, "bad");
      scheduleRetry();
    }
    updatePageState();
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      for (const id of [...pending]) {
        const item = form.querySelector(`.item[data-item="${id}"]`);
        if (item) save(item);
      }
    }, 15000);
  }

  function saveSoon(item, delay) {
    const id = item.dataset.item;
    clearTimeout(timers.get(id));
    timers.set(id, setTimeout(() => {
      timers.delete(id);
      save(item);
    }, delay));
  }

  form.addEventListener("change", (event) => {
    const el = event.target;
    const item = itemOf(el);
    if (!item) return;
    if (el.matches("input[data-photo]")) {
      uploadPhotos(item, el);
      return;
    }
    saveSoon(item, 0);
  });

  form.addEventListener("input", (event) => {
    const el = event.target;
    const item = itemOf(el);
    if (item && (el.tagName === "TEXTAREA" || el.type === "number")) saveSoon(item, 900);
  });

  async function uploadPhotos(item, input) {
    const id = item.dataset.item;
    const state = item.querySelector(".photobuttons .savestate");
    const thumbs = item.querySelector("[data-thumbs]");
    for (const file of [...input.files]) {
      show(state, form.dataset.msgUploading);
      const body = new FormData();
      body.append("photo", file, file.name);
      try {
        const response = await fetch(photoUrl(id), {
          method: "POST",
          body,
          headers: { "X-CSRFToken": csrf, Accept: "application/json" },
          credentials: "same-origin",
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) {
          show(state, data.error || form.dataset.msgFailed, "bad");
          continue;
        }
        thumbs.append(thumbnail(data));
        show(state, form.dataset.msgSaved, "ok");
      } catch (err) {
        show(state, form.dataset.msgFailed, "bad");
      }
    }
    input.value = "";
  }

  function thumbnail(data) {
    const figure = document.createElement("figure");
    figure.className = "thumb";
    const link = document.createElement("a");
    link.href = data.url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = document.createElement("img");
    img.src = data.thumb;
    img.alt = "";
    link.append(img);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "thumbx";
    remove.textContent = "×";
    remove.dataset.deleteUrl = data.delete;
    figure.append(link, remove);
    return figure;
  }

  // Thumbnails added by this script delete through fetch; server-rendered ones use their own form.
  form.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-delete-url]");
    if (!button) return;
    event.preventDefault();
    const response = await fetch(button.dataset.deleteUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.ok) button.closest(".thumb").remove();
  });

  window.addEventListener("online", () => {
    for (const id of [...pending]) {
      const item = form.querySelector(`.item[data-item="${id}"]`);
      if (item) save(item);
    }
  });

  function flushTimers() {
    for (const [id, timer] of timers) {
      clearTimeout(timer);
      const item = form.querySelector(`.item[data-item="${id}"]`);
      if (item) save(item);
    }
    timers.clear();
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushTimers();
  });

  window.addEventListener("beforeunload", (event) => {
    flushTimers();
    if (pending.size) event.preventDefault();
  });

  const checkin = document.querySelector("[data-checkin]");
  if (checkin && "geolocation" in navigator) {
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
          const response = await fetch(checkin.dataset.checkin, {
            method: "POST",
            body,
            headers: { "X-CSRFToken": csrf, Accept: "application/json" },
            credentials: "same-origin",
          });
          checkin.disabled = false;
          if (response.ok) window.location.reload();
        },
        () => {
          checkin.disabled = false;
          show(pageState, form.dataset.msgFailed, "bad");
        },
        { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 },
      );
    });
  }
}
