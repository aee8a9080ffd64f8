// An entry's inclusion proof, checked here in the browser rather than taken from the server:
// the leaf hash is recomputed from the entry (RFC 9162 §2.1.1: SHA-256(0x00 || leaf), the leaf
// being the entry's RFC 8785 canonical JSON), the root from the audit path (RFC 9162
// §2.1.3.2), and the root compared with the signed checkpoint's. The checkpoint's Ed25519
// signature by the log's key is checked too where the browser's WebCrypto has Ed25519.
"use strict";

(function () {
  const API = "/api/v1/log";
  const box = document.getElementById("proof");
  if (!box) return;
  const status = box.querySelector(".proof-status");
  const steps = box.querySelector(".proof-steps");
  const msg = (name) => box.dataset["msg" + name[0].toUpperCase() + name.slice(1)];

  function fromB64(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  const toB64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  // RFC 8785: keys sorted by UTF-16 code units; strings and numbers as ECMAScript writes them.
  function canonical(value) {
    if (value === null || typeof value !== "object") return JSON.stringify(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    return "{" + Object.keys(value).sort()
      .map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }

  function step(text, ok) {
    const li = document.createElement("li");
    li.textContent = (ok === false ? "✗ " : ok === undefined ? "• " : "✓ ") + text;
    li.className = ok === false ? "fails" : "holds";
    steps.appendChild(li);
  }

  function parseNote(text) {
    const cut = text.indexOf("\n\n");
    const body = text.slice(0, cut + 1);
    const [origin, size, root] = body.split("\n");
    const signatures = text.slice(cut + 2).split("\n").filter((l) => l.startsWith("— "))
      .map((l) => { const [name, sig] = l.slice(2).split(" "); return { name, sig: fromB64(sig) }; });
    return { body, origin, size: Number(size), root: fromB64(root), signatures };
  }

  // RFC 9162 §2.1.3.2, step by step.
  async function rootFromPath(index, size, leafHash, path) {
    if (index >= size) throw new Error(`index ${index} is not below the tree size ${size}`);
    let fn = index, sn = size - 1, r = leafHash;
    const node = (left, right) => sha256(concat(new Uint8Array([1]), left, right));
    for (const p of path) {
      if (sn === 0) throw new Error("the path is longer than the tree is deep");
      if (fn % 2 === 1 || fn === sn) {
        r = await node(p, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await node(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    if (sn !== 0) throw new Error("the path is shorter than the tree is deep");
    return r;
  }

  // C2SP signed-note: key id = SHA-256(name || 0x0A || 0x01 || key)[:4]; signature over the body.
  async function checkSignature(note, vkey) {
    // <name>+<hex key id>+<base64 key>: the base64 may itself hold "+", the name may not.
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    const name = vkey.slice(0, first);
    const raw = fromB64(vkey.slice(second + 1));
    if (first < 1 || raw[0] !== 1 || raw.length !== 33) throw new Error("not an Ed25519 verifier key");
    const id = (await sha256(concat(new TextEncoder().encode(name + "\n"), raw))).slice(0, 4);
    const hex = Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("");
    if (vkey.slice(first + 1, second) !== hex) throw new Error(`key id: computed ${hex}, the key says ${vkey.slice(first + 1, second)}`);
    const line = note.signatures.find((s) => s.name === name && equal(s.sig.slice(0, 4), id));
    if (!line) throw new Error(`no signature by ${name}`);
    let key;
    try {
      key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    } catch (e) {
      return null;
    }
    return crypto.subtle.verify({ name: "Ed25519" }, key, line.sig.slice(4), new TextEncoder().encode(note.body));
  }

  async function check() {
    steps.textContent = "";
    status.textContent = msg("checking");
    box.className = "proof";
    const index = Number(box.dataset.index);
    try {
      const note = parseNote(await (await fetch(`${API}/checkpoint`, { cache: "no-store" })).text());
      step(`checkpoint: ${note.origin}, ${note.size}, ${toB64(note.root)}`, true);
      const signed = await checkSignature(note, box.dataset.logVkey);
      if (signed === false) throw new Error("the checkpoint's signature does not verify");
      step(signed ? msg("signature") : msg("nosignature"), signed === null ? undefined : true);
      const entry = await (await fetch(`${API}/entries/${index}`)).json();
      const leaf = new TextEncoder().encode(canonical(entry.envelope));
      const leafHash = await sha256(concat(new Uint8Array([0]), leaf));
      if (!equal(leafHash, fromB64(entry.leaf_hash))) {
        throw new Error(`leaf hash: computed ${toB64(leafHash)}, the server says ${entry.leaf_hash}`);
      }
      step(`leaf hash SHA-256(0x00 ‖ entry ${index}) = ${toB64(leafHash)}`, true);
      const response = await fetch(`${API}/proof/inclusion?index=${index}&size=${note.size}`);
      if (!response.ok) throw new Error(`proof: HTTP ${response.status}`);
      const proof = await response.json();
      const root = await rootFromPath(index, note.size, leafHash, proof.proof.map(fromB64));
      step(`root from ${proof.proof.length} hashes of the audit path = ${toB64(root)}`, true);
      if (!equal(root, note.root)) {
        status.textContent = `${msg("mismatch")}: ${toB64(root)} ≠ ${toB64(note.root)}`;
        box.className = "proof mismatch";
        return;
      }
      status.textContent = `${msg("verified")} ✓`;
      box.className = "proof verified";
    } catch (error) {
      step(String(error.message || error), false);
      status.textContent = `${msg("failed")}: ${error.message || error}`;
      box.className = "proof mismatch";
    }
  }

  document.getElementById("recheck")?.addEventListener("click", check);
  check();
})();
