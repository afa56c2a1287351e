// Sends the outbox to the server, in the order it was filled, each thing exactly once:
// visits opened, batches of operations (under an Idempotency-Key kept with them until answered),
// photos and signatures (PUT under their own UUIDs), submissions. Runs under a Web Lock, so two
// tabs never send at once; the server deduplicates anyway.
//
// A network failure or a server error stops the round and retries later (backing off to 5 minutes, or
// after the seconds of a Retry-After header: a busy database answers 503 with one);
// a 401 stops it and asks for the password (onLogin), after which it resumes; nothing queued is lost.
import * as store from "./store.js";
import { uuid } from "./uuid.js";

const API = "/api/v1";
const MAX_BATCH = 100;
const MAX_BACKOFF = 5 * 60 * 1000;

export class AuthRequired extends Error {}
class Offline extends Error {
  // retryAfter: the seconds the server asked to wait (a busy database answers 503 with Retry-After).
  constructor(message, retryAfter = null) {
    super(message);
    this.retryAfter = retryAfter;
  }
}

function retryAfterSeconds(response) {
  const value = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return Number.isFinite(value) && value >= 0 ? Math.min(value, 3600) : null;
}

export function createSync({ user, onChange = () => {}, onLogin = async () => false, onResult = () => {} }) {
  let timer = null;
  let backoff = 5000;
  let running = null;
  let client = null;
  let lastSync = null;
  let state = "idle";

  function setState(next, detail) {
    state = next;
    onChange({ state, lastSync, detail });
  }

  async function request(method, url, { body, headers = {}, csrf } = {}) {
    let response;
    try {
      response = await fetch(url, {
        method,
        body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Client-Id": client, ...(csrf ? { "X-CSRFToken": csrf } : {}), ...headers },
      });
    } catch (err) {
      throw new Offline(String(err));
    }
    if (response.status === 401) throw new AuthRequired();
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw new Offline(`HTTP ${response.status}`, retryAfterSeconds(response));
    }
    const data = await response.json().catch(() => ({}));
    return { status: response.status, data };
  }

  async function csrfToken() {
    const { status, data } = await request("GET", `${API}/csrf`);
    if (status !== 200) throw new Offline("no CSRF token");
    return data.csrf_token;
  }

  // One request for the first record(s) of the outbox; returns false when the outbox is empty.
  async function step(csrf) {
    const rows = await store.outbox(user);
    if (!rows.length) return false;
    const first = rows[0];
    if (first.kind === "op") {
      let batch = first.batch ? rows.filter((r) => r.batch === first.batch) : [];
      if (!batch.length) {
        batch = [];
        for (const row of rows) {
          if (row.kind !== "op" || row.visit !== first.visit || row.batch || batch.length >= MAX_BATCH) break;
          batch.push(row);
        }
        await store.markSending(batch, uuid());
      }
      await sendOps(first.visit, batch, csrf);
    } else if (first.kind === "open") {
      const { status, data } = await request("PUT", `${API}/visits/${first.visit}`, {
        body: JSON.stringify(first.record), headers: { "Content-Type": "application/json" }, csrf,
      });
      const note = status === 409 ? [{ kind: "open", message: data.error }] : [];
      if (status >= 400 && status !== 409) note.push({ kind: "open", message: data.error || `HTTP ${status}` });
      await store.complete([first], { visit: first.visit, notes: note });
    } else if (first.kind === "media") {
      await sendMedia(first, csrf);
    } else if (first.kind === "submit") {
      const { status, data } = await request("POST", `${API}/visits/${first.visit}/submit`, {
        headers: { "Idempotency-Key": first.key }, csrf,
      });
      await store.complete([first]);
      onResult({ kind: "submit", visit: first.visit, status, data });
    }
    return true;
  }

  async function sendOps(visit, batch, csrf) {
    const { status, data } = await request("POST", `${API}/visits/${visit}/ops`, {
      body: JSON.stringify({ ops: batch.map((r) => r.op) }),
      headers: { "Content-Type": "application/json", "Idempotency-Key": batch[0].batch },
      csrf,
    });
    const answers = {};
    const notes = [];
    if (status === 200) {
      const byId = new Map(batch.map((r) => [r.op.op_id, r.op]));
      for (const result of data.results) {
        const op = byId.get(result.op_id);
        if (!op) continue;
        if (op.type === "answer" && result.rev != null && result.status !== "refused") {
          answers[`${op.item_id}|${op.entry ?? ""}`] = { value: op.value, note: op.note, rev: result.rev };
        }
        if (result.status === "refused" || result.status === "conflict") {
          notes.push({ kind: result.status, item: op.item_id, entry: op.entry || null, message: result.message,
            survey: op.type === "survey_response" || undefined });
        }
      }
    } else {
      // The batch as a whole was refused (the visit is gone from this inspector, a bad request):
      // retrying cannot help, so it is reported and dropped from the queue.
      notes.push({ kind: "refused", message: data.error || `HTTP ${status}` });
    }
    await store.complete(batch, { visit, answers, notes });
    onResult({ kind: "ops", visit, status, data, answers, notes });
  }

  async function sendMedia(record, csrf) {
    const media = await store.getMedia(record.media);
    if (!media) {
      await store.complete([record]);
      return;
    }
    const query = new URLSearchParams({ visit: record.visit, kind: media.kind });
    for (const name of ["item", "entry", "signer", "signer_name", "taken_at", "latitude", "longitude", "accuracy_m", "filename"]) {
      if (media[name] != null && media[name] !== "") query.set(name, media[name]);
    }
    const { status, data } = await request("PUT", `${API}/media/${media.uuid}?${query}`, {
      body: new Blob([media.bytes], { type: media.type }),
      headers: { "Content-Type": media.type, "X-Content-SHA256": media.sha256 },
      csrf,
    });
    const notes = status === 200 || status === 201 ? [] : [{ kind: "refused", item: media.item || null,
      entry: media.entry || null, media: media.uuid, filename: media.filename || null, message: data.error || `HTTP ${status}` }];
    await store.complete([record], { visit: record.visit, media: media.uuid, notes });
    onResult({ kind: "media", visit: record.visit, status, data, media });
  }

  async function round() {
    client = client || (await store.clientId());
    setState("syncing");
    try {
      const csrf = await csrfToken();
      // eslint-disable-next-line no-await-in-loop
      while (await step(csrf)) setState("syncing");
      backoff = 5000;
      lastSync = new Date();
      setState("synced");
    } catch (err) {
      if (err instanceof AuthRequired) {
        setState("login");
        if (await onLogin()) return round();
        return undefined;
      }
      setState("offline", String(err.message || err));
      if (err.retryAfter != null) {
        // The server said when to come back: then, without growing the backoff of a lost network.
        schedule(err.retryAfter * 1000);
      } else {
        schedule(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF);
      }
    }
    return undefined;
  }

  function flush() {
    if (running) return running;
    clearTimeout(timer);
    timer = null;
    const run = () => round();
    running = (navigator.locks ? navigator.locks.request("inspect-sync", run) : run()).finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  // Flush on load, when the connection returns, when the page is shown again, and on demand.
  window.addEventListener("online", () => flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") flush();
  });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "sync") flush();
    });
    // Background Sync where the browser has it (Chromium): the worker wakes the page when online.
    navigator.serviceWorker.ready.then((registration) => {
      if (registration.sync) registration.sync.register("inspect-outbox").catch(() => {});
    }).catch(() => {});
  }

  return { flush, soon: () => schedule(400), get state() { return state; } };
}
