// The tablet's own store (IndexedDB): each visit's last known server state, an outbox of what was
// entered and not yet synced, and the photos and signatures themselves (as bytes, not Blobs, which
// Safari has lost in IndexedDB). Everything is keyed by the user, so a shared tablet never sends one
// inspector's work under another's session.
//
// outbox record: { seq, user, visit, kind: "open" | "op" | "media" | "submit", state: "queued" | "sending",
//                  batch (the Idempotency-Key once sent), op | media (uuid) | key (submit) | record (open) }
import { openDB } from "../vendor/idb-8.0.4/index.js";
import { uuid } from "./uuid.js";

const NAME = "inspect-field";

let opened = null;

export function db() {
  if (!opened) {
    opened = openDB(NAME, 1, {
      upgrade(database) {
        database.createObjectStore("meta", { keyPath: "key" });
        database.createObjectStore("visits", { keyPath: "uuid" });
        const outbox = database.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        outbox.createIndex("user", "user");
        const media = database.createObjectStore("media", { keyPath: "uuid" });
        media.createIndex("visit", "visit");
      },
    });
  }
  return opened;
}

// The device's id, made once: the server tells this tablet's own successive edits from parallel ones.
export async function clientId() {
  const database = await db();
  const row = await database.get("meta", "client");
  if (row) return row.value;
  const value = uuid();
  await database.put("meta", { key: "client", value });
  return value;
}

export async function getVisit(key) {
  return (await db()).get("visits", key);
}

export async function saveVisit(record) {
  await (await db()).put("visits", record);
}

// The visit as the server last showed it: answers by "item|entry" with their revisions.
export async function setSnapshot(key, user, state) {
  const database = await db();
  const tx = database.transaction("visits", "readwrite");
  const current = (await tx.store.get(key)) || { uuid: key };
  const answers = {};
  for (const a of state.answers) answers[`${a.item_id}|${a.entry ?? ""}`] = { value: a.value, note: a.note, rev: a.rev };
  await tx.store.put({ ...current, user, state, answers, fetched: new Date().toISOString() });
  await tx.done;
}

export async function outbox(user) {
  const rows = await (await db()).getAllFromIndex("outbox", "user", user);
  return rows.sort((a, b) => a.seq - b.seq);
}

export async function pending(user, visit) {
  const rows = await outbox(user);
  const mine = visit ? rows.filter((r) => r.visit === visit) : rows;
  return { total: mine.length, media: mine.filter((r) => r.kind === "media").length, rows: mine };
}

// Queue an operation. An answer still waiting to be sent is replaced by a newer one for the same
// question (the older one never reached the server); one already sent stays as it is.
export async function enqueueOp(user, visit, op) {
  const database = await db();
  const tx = database.transaction("outbox", "readwrite");
  if (op.type === "answer") {
    const rows = await tx.store.index("user").getAll(user);
    const older = rows.filter((r) => r.kind === "op" && r.state === "queued" && r.visit === visit
      && r.op.type === "answer" && r.op.item_id === op.item_id && (r.op.entry || null) === (op.entry || null));
    const last = older[older.length - 1];
    const later = last && rows.some((r) => r.seq > last.seq && r.visit === visit && r.kind === "op"
      && ["entry_add", "entry_remove"].includes(r.op.type));
    if (last && !later) {
      last.op = { ...op, op_id: last.op.op_id };
      await tx.store.put(last);
      await tx.done;
      return last;
    }
  }
  const record = { user, visit, kind: "op", state: "queued", op, created: new Date().toISOString() };
  record.seq = await tx.store.add(record);
  await tx.done;
  return record;
}

export async function enqueue(user, visit, kind, fields) {
  const database = await db();
  const record = { user, visit, kind, state: "queued", created: new Date().toISOString(), ...fields };
  record.seq = await database.add("outbox", record);
  return record;
}

// Keep a photo or signature and queue its upload, in one transaction.
export async function addMedia(user, visit, media) {
  const database = await db();
  const tx = database.transaction(["media", "outbox"], "readwrite");
  await tx.objectStore("media").put({ ...media, user, visit });
  const record = { user, visit, kind: "media", state: "queued", media: media.uuid, created: new Date().toISOString() };
  record.seq = await tx.objectStore("outbox").add(record);
  await tx.done;
  return record;
}

export async function mediaOf(visit) {
  return (await db()).getAllFromIndex("media", "visit", visit);
}

export async function getMedia(key) {
  return (await db()).get("media", key);
}

// Forget a photo never sent (taken and deleted offline): its bytes and its upload.
export async function dropMedia(key) {
  const database = await db();
  const tx = database.transaction(["media", "outbox"], "readwrite");
  await tx.objectStore("media").delete(key);
  const outboxStore = tx.objectStore("outbox");
  for (const row of await outboxStore.getAll()) {
    if (row.kind === "media" && row.media === key) await outboxStore.delete(row.seq);
  }
  await tx.done;
}

export async function markSending(records, batch) {
  const database = await db();
  const tx = database.transaction("outbox", "readwrite");
  for (const record of records) {
    record.state = "sending";
    if (batch) record.batch = batch;
    await tx.store.put(record);
  }
  await tx.done;
}

// Done with records: remove them, and update the visit's known answers with the server's revisions.
export async function complete(records, { visit, answers, media, notes } = {}) {
  const database = await db();
  const tx = database.transaction(["outbox", "visits", "media"], "readwrite");
  for (const record of records) await tx.objectStore("outbox").delete(record.seq);
  if (media) await tx.objectStore("media").delete(media);
  if (visit && (answers || notes)) {
    const row = (await tx.objectStore("visits").get(visit)) || { uuid: visit };
    row.answers = { ...(row.answers || {}), ...(answers || {}) };
    if (notes && notes.length) row.notes = [...(row.notes || []), ...notes].slice(-50);
    await tx.objectStore("visits").put(row);
  }
  await tx.done;
}

// A small record of the page's own (what the face-to-face questionnaires taken here were), by key.
export async function getMeta(key) {
  const row = await (await db()).get("meta", key);
  return row ? row.value : undefined;
}

export async function putMeta(key, value) {
  await (await db()).put("meta", { key, value });
}
