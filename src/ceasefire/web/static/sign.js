// Signing in the browser: the user's Ed25519 key signs every event here, never on the server.
//
// The key is the actor's key file (the Go note private-key text `ceasefire actors` wrote,
// "PRIVATE+KEY+<actor>+<hash>+<base64>"). It is read from the file the user picks, imported into
// WebCrypto as a non-extractable key and kept in this browser's IndexedDB, so neither this page's
// scripts nor the server can read it back; "Forget the key" deletes it.
//
// An event is signed as `ceasefire-event/v1\n` || RFC 8785 canonical JSON of the envelope without
// `sig` (log/envelope.py), then posted to the same API the command line uses
// (POST /api/v1/events), authenticated by the session cookie and the X-Ceasefire-Web header.
// A confidential body is sealed here too: the log gets only its salted commitment.
"use strict";

const CeasefireSign = (function () {
  const DB = "ceasefire-keys";
  const STORE = "keys";
  const PREFIX = "ceasefire-event/v1\n";
  const COMMITMENT = "ceasefire-commitment/v1\n";
  const PKCS8_ED25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
    0x04, 0x22, 0x04, 0x20];
  const WEB = { "X-Ceasefire-Web": "1" };
  const encoder = new TextEncoder();

  function fromB64(text) {
    const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  const toB64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };

  // RFC 8785: keys sorted by UTF-16 code units; strings and numbers as ECMAScript writes them.
  function canonical(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    return "{" + Object.keys(value).sort()
      .map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }

  // The log's time form: RFC 3339 UTC, milliseconds only when there are some.
  const logTime = (date) => date.toISOString().replace(".000Z", "Z");

  function parseKeyFile(text) {
    // The key's base64 may hold "+" too: the name and the hash are the fields before it.
    const found = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
    if (!found) throw new Error("not a key file: expected PRIVATE+KEY+<actor>+<hash>+<key>");
    const raw = fromB64(found[3]);
    if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 key file");
    return { actor: found[1], seed: raw.slice(1) };
  }

  function database() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }

  async function transact(mode, act) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error);
    });
  }

  // Import the key file's key, keep it non-extractable; returns {actor, publicKey (base64)}.
  async function loadKeyFile(text) {
    const { actor, seed } = parseKeyFile(text);
    const pkcs8 = concat(new Uint8Array(PKCS8_ED25519), seed);
    const open = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", open);
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
    const record = { actor, publicKey: toB64(fromB64(jwk.x)), key };
    await transact("readwrite", (s) => s.put(record, actor));
    return { actor, publicKey: record.publicKey };
  }

  const keyOf = (actor) => transact("readonly", (s) => s.get(actor));
  const forget = (actor) => transact("readwrite", (s) => s.delete(actor));

  async function seal(body) {
    const salt = crypto.getRandomValues(new Uint8Array(32));
    const digest = await crypto.subtle.digest(
      "SHA-256", concat(encoder.encode(COMMITMENT), salt, encoder.encode(canonical(body))));
    return { salt: toB64(salt), commitment: "sha256:" + hex(new Uint8Array(digest)) };
  }

  // Sign {type, body} as `actor` for the log `origin`: the envelope and, if sealed, its secret.
  // `time` (the log's form) is the moment a draft was made for; default now.
  async function signEvent(actor, origin, type, body, confidential, time) {
    const record = await keyOf(actor);
    if (!record) throw new Error("no signing key for " + actor + " in this browser");
    const unsigned = {
      v: 1, id: hex(crypto.getRandomValues(new Uint8Array(16))), log: origin, type,
      actor, key: record.publicKey, time: time || logTime(new Date()),
    };
    let sealed = null;
    if (confidential) {
      const { salt, commitment } = await seal(body);
      unsigned.commitment = commitment;
      sealed = { salt, body };
    } else {
      unsigned.body = body;
    }
    const message = encoder.encode(PREFIX + canonical(unsigned));
    const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, record.key, message));
    return { envelope: { ...unsigned, sig: toB64(sig) }, sealed };
  }

  async function answer(response) {
    const type = response.headers.get("content-type") || "";
    const doc = type.includes("json") ? await response.json() : { detail: await response.text() };
    if (!response.ok) {
      const error = new Error(doc.detail || response.statusText);
      error.field = doc.field || null;
      error.status = response.status;
      throw error;
    }
    return doc;
  }

  // Post a signed event; the answer is the log's receipt.
  async function post(signed) {
    const payload = { envelope: signed.envelope };
    if (signed.sealed) payload.sealed = signed.sealed;
    const response = await fetch("/api/v1/events", {
      method: "POST", credentials: "same-origin",
      headers: { ...WEB, "Content-Type": "application/json",
        "Idempotency-Key": signed.envelope.id },
      body: JSON.stringify(payload),
    });
    return answer(response);
  }

  // The body the page's form describes, drafted by the server (nothing signed there).
  async function draft(action, fields) {
    const response = await fetch("/web/drafts/" + action, {
      method: "POST", credentials: "same-origin",
      headers: { ...WEB, "Content-Type": "application/json" },
      body: JSON.stringify(fields),
    });
    return answer(response);
  }

  // A file into the evidence locker (step one); the answer holds the body to sign.
  async function upload(file, report) {
    const query = new URLSearchParams({ name: file.name });
    if (report) query.set("report", report);
    const response = await fetch("/api/v1/evidence/files?" + query, {
      method: "POST", credentials: "same-origin",
      headers: { ...WEB, "Content-Type": file.type || "application/octet-stream" },
      body: file,
    });
    return answer(response);
  }

  return { canonical, loadKeyFile, keyOf, forget, signEvent, post, draft, upload, logTime };
})();

// The key panel (#signing-key) and every form with data-draft="<action>" on the page.
(function () {
  const page = document.body.dataset;
  const actor = page.actor;
  const origin = page.log;
  const panel = document.getElementById("signing-key");
  if (!actor || !origin) return;
  const text = (name) => (panel ? panel.dataset["msg" + name] : name);

  async function showKey() {
    if (!panel) return;
    const record = await CeasefireSign.keyOf(actor);
    const state = panel.querySelector(".key-state");
    state.textContent = record ? text("Loaded") + " " + record.publicKey.slice(0, 12) + "…"
      : text("Missing");
    panel.classList.toggle("has-key", Boolean(record));
  }

  if (panel) {
    panel.querySelector("input[type=file]").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      const error = panel.querySelector(".key-error");
      error.textContent = "";
      try {
        const loaded = await CeasefireSign.loadKeyFile(await file.text());
        if (loaded.actor !== actor) {
          await CeasefireSign.forget(loaded.actor);
          throw new Error(text("Wrong") + " " + loaded.actor);
        }
      } catch (e) {
        error.textContent = e.message;
      }
      event.target.value = "";
      showKey();
    });
    panel.querySelector(".forget").addEventListener("click", async () => {
      await CeasefireSign.forget(actor);
      showKey();
    });
    showKey();
  }

  // A form's fields as the drafts endpoint reads them: text as typed, checkboxes as booleans,
  // data-list inputs as arrays (one item per line or comma), data-number inputs as numbers.
  function fieldsOf(form) {
    const fields = {};
    for (const input of form.elements) {
      if (!input.name || input.type === "file" || input.type === "submit") continue;
      if (input.type === "checkbox") { fields[input.name] = input.checked; continue; }
      if (input.type === "radio" && !input.checked) continue;
      const value = input.value.trim();
      if (input.dataset.list !== undefined) {
        fields[input.name] = value ? value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean) : [];
      } else if (input.dataset.number !== undefined && value !== "") {
        fields[input.name] = Number(value);
      } else {
        fields[input.name] = value;
      }
    }
    return fields;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach((e) => { e.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  }

  // The message goes next to the field it names, else to the form's own message line.
  function showError(form, error) {
    form.querySelector(".form-status").textContent = "";
    const name = error.field ? error.field.split(/[.[]/)[0] : null;
    const slot = (name && form.querySelector(`[data-error-for="${name}"]`))
      || form.querySelector(".form-status");
    slot.textContent = error.message;
    const input = name && form.elements[name];
    if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }

  function receiptLine(form, what, receipt) {
    const list = form.querySelector(".receipts") || form.parentElement.querySelector(".receipts");
    if (!list) return;
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "/log?index=" + receipt.index;
    link.textContent = "#" + receipt.index;
    item.append(what + " ", link, " · " + receipt.event_id);
    const note = document.createElement("pre");
    note.className = "receipt-note";
    note.textContent = receipt.receipt;
    item.append(note);
    list.append(item);
  }

  // What the record says of the place of a report just recorded (a town named far from the
  // point picked): the report stands as it was said, and the submitter is told.
  function showNotes(form, notes) {
    form.querySelector(".form-notes")?.remove();
    if (!notes.length) return;
    const box = document.createElement("div");
    box.className = "form-notes";
    box.setAttribute("role", "status");
    const heading = document.createElement("p");
    heading.textContent = form.dataset.msgNotes || "";
    const list = document.createElement("ul");
    for (const note of notes) {
      const item = document.createElement("li");
      item.textContent = note;
      list.append(item);
    }
    box.append(heading, list);
    form.querySelector(".form-status").after(box);
  }

  async function submit(form) {
    clearErrors(form);
    form.querySelector(".form-notes")?.remove();
    const status = form.querySelector(".form-status");
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    status.textContent = form.dataset.msgWorking || "…";
    try {
      const fields = fieldsOf(form);
      const drafted = await CeasefireSign.draft(form.dataset.draft, fields);
      const confidential = Boolean(fields.confidential);
      const signed = await CeasefireSign.signEvent(actor, origin, drafted.type, drafted.body,
        confidential, drafted.time);
      const receipt = await CeasefireSign.post(signed);
      receiptLine(form, drafted.type, receipt);
      const file = form.querySelector("input[type=file][name=evidence]");
      for (const photo of file ? Array.from(file.files) : []) {
        const uploaded = await CeasefireSign.upload(photo, signed.envelope.id);
        const evidence = await CeasefireSign.signEvent(actor, origin, uploaded.event.type,
          uploaded.event.body, Boolean(uploaded.confidential));
        receiptLine(form, uploaded.event.type + " " + photo.name, await CeasefireSign.post(evidence));
      }
      status.textContent = form.dataset.msgDone || "✓";
      showNotes(form, drafted.notes || []);
      form.dataset.eventId = signed.envelope.id;
      form.dispatchEvent(new CustomEvent("signed", { detail: { id: signed.envelope.id, receipt } }));
      if (form.dataset.then) {
        setTimeout(() => { window.location = form.dataset.then.replace("{id}", signed.envelope.id); },
          600);
      }
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  }

  document.querySelectorAll("form[data-draft]").forEach((form) => {
    form.addEventListener("submit", (event) => { event.preventDefault(); submit(form); });
  });
})();
