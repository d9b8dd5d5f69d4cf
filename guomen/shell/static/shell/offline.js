// Work without a network: the queue of records made offline (IndexedDB), the sync bar, the data
// the user's role keeps, and the service worker's registration. Plain JS, no inline handlers.
// Where the platform has WebCrypto (a secure context), what is kept is sealed at rest: each record
// encrypted with AES-GCM under the user's own key, a non-extractable CryptoKey that lives in the
// same IndexedDB and is deleted with the data at sign-out (see the README for what this protects).
(function () {
  "use strict";
  const DB_NAME = "guomen-field";
  const DB_VERSION = 2;
  const BATCH = 200;
  const bar = document.getElementById("syncbar");
  const user = bar ? bar.dataset.user : "";
  let syncing = false;
  let sent = 0;
  let offlineNote = false;
  let problem = "";

  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "key" });
        if (!db.objectStoreNames.contains("kept")) db.createObjectStore("kept", { keyPath: "name" });
        if (!db.objectStoreNames.contains("keys")) db.createObjectStore("keys", { keyPath: "user" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function run(store, mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const out = fn(tx.objectStore(store));
      tx.oncomplete = () => { db.close(); resolve(out && "result" in out ? out.result : out); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  function newKey() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // --- sealed at rest ------------------------------------------------------------------------
  const subtle = self.isSecureContext && self.crypto && crypto.subtle ? crypto.subtle : null;
  const utf8 = new TextEncoder();
  let keyFor = null;

  async function userKey() {  // made once per user and device; the browser never lets it out
    if (!subtle || !user) return null;
    if (!keyFor) {
      keyFor = (async () => {
        const row = await run("keys", "readonly", (s) => s.get(user));
        if (row) return row.key;
        const key = await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
        try {
          await run("keys", "readwrite", (s) => s.add({ user: user, key: key }));
          return key;
        } catch (e) {  // another tab made it first: use that one
          return (await run("keys", "readonly", (s) => s.get(user))).key;
        }
      })();
      keyFor.catch(() => { keyFor = null; });
    }
    return keyFor;
  }

  // The record's name and user are bound to its ciphertext, so a sealed record cannot be moved
  // to another name or user.
  async function seal(id, value) {
    const key = await userKey();
    if (!key) return { plain: value };
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await subtle.encrypt({ name: "AES-GCM", iv: iv, additionalData: utf8.encode(user + "\n" + id) }, key, utf8.encode(JSON.stringify(value)));
    return { iv: iv, ct: ct };
  }

  async function unseal(id, box) {
    if (!box) return null;
    if ("plain" in box) return box.plain;
    const key = await userKey();
    if (!key) return null;
    try {
      const pt = await subtle.decrypt({ name: "AES-GCM", iv: box.iv, additionalData: utf8.encode(user + "\n" + id) }, key, box.ct);
      return JSON.parse(new TextDecoder().decode(pt));
    } catch (e) {
      return null;  // sealed under a key that is gone, or altered: unreadable, never shown
    }
  }

  // --- the queue -----------------------------------------------------------------------------
  const OPEN = ["key", "user", "made", "n", "status"];  // what the store sees; the rest is sealed

  async function stored(item) {
    const rec = {};
    const inner = {};
    for (const [k, v] of Object.entries(item)) (OPEN.includes(k) ? rec : inner)[k] = v;
    rec.sealed = await seal("queue:" + item.key, inner);
    return rec;
  }

  async function items() {
    const all = (await run("queue", "readonly", (s) => s.getAll())).filter((i) => i.user === user);
    const out = [];
    for (const rec of all) {
      if (!rec.sealed) { out.push(rec); continue; }  // kept before sealing existed
      const inner = await unseal("queue:" + rec.key, rec.sealed);
      if (inner) out.push(Object.assign(inner, { key: rec.key, user: rec.user, made: rec.made, n: rec.n, status: rec.status }));
    }
    return out.sort((a, b) => a.made - b.made || a.n - b.n);
  }

  let counter = 0;
  async function enqueue(kind, payload, label) {
    const item = {
      key: newKey(), kind: kind, payload: payload, label: label || kind, user: user,
      occurred_at: new Date().toISOString(), made: Date.now(), n: counter++, status: "waiting",
    };
    const rec = await stored(item);
    await run("queue", "readwrite", (s) => s.put(rec));
    await render();
    if (navigator.onLine) sync();
    return item;
  }

  async function put(item) {  // a raw item (a replay from another device, or a test)
    const rec = await stored(item);
    await run("queue", "readwrite", (s) => s.put(rec));
    await render();
  }

  async function dismiss(key) {
    await run("queue", "readwrite", (s) => s.delete(key));
    await render();
  }

  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  let again = false;
  async function sync() {
    if (!user) return;
    if (syncing) { again = true; return; }  // a record queued while a batch was on its way: one more round after it
    syncing = true;
    again = false;
    try {
      for (;;) {
        const waiting = (await items()).filter((i) => i.status === "waiting").slice(0, BATCH);
        if (!waiting.length) break;
        setState(word("sending"));
        let res;
        try {
          res = await fetch("/api/sync", {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
            body: JSON.stringify({ items: waiting.map((i) => ({ key: i.key, kind: i.kind, occurred_at: i.occurred_at, payload: i.payload })) }),
          });
        } catch (e) {
          offlineNote = true;
          break;  // no network: everything stays waiting
        }
        offlineNote = false;
        problem = "";
        if (!res.ok) {
          problem = res.status === 401 || res.status === 403 ? word("signin") : word("failed");
          again = false;
          break;  // kept, shown, and tried again at the next chance
        }
        const body = await res.json();
        for (const out of body.items) {
          if (out.outcome === "applied" || out.outcome === "duplicate") {
            await run("queue", "readwrite", (s) => s.delete(out.key));
            sent += 1;
          } else {
            const item = waiting.find((i) => i.key === out.key);
            if (item) await put(Object.assign(item, { status: "refused", code: out.code, message: out.message }));
          }
        }
        document.dispatchEvent(new CustomEvent("guomen:synced", { detail: body }));
      }
    } finally {
      syncing = false;
      await render();
    }
    if (again && navigator.onLine) sync();
  }

  // --- what the role keeps -------------------------------------------------------------------
  async function kept(name) {
    const row = await run("kept", "readonly", (s) => s.get(name));
    return row && row.user === user ? unseal("kept:" + name, row.sealed) : null;
  }

  // Once sign-out has begun nothing more is kept: a pack still on its way (a refresh after the
  // last sync, or when the network came back) must not land after the data was deleted.
  let forgetting = false;

  async function keep(name, data) {
    if (forgetting) return;
    const box = await seal("kept:" + name, data);
    if (forgetting) return;
    await run("kept", "readwrite", (s) => s.put({ name: name, user: user, at: Date.now(), sealed: box }));
  }

  async function refreshPack() {
    if (!navigator.onLine || !user) return kept("pack");
    try {
      const res = await fetch("/api/sync/pack", { credentials: "same-origin", headers: { "Accept": "application/json" } });
      if (res.ok) await keep("pack", await res.json());
    } catch (e) { /* offline: keep what we have */ }
    return kept("pack");
  }

  // Sign-out: the role's data, the cached pages and the keys go. Records still waiting stay (sealed,
  // by user) with their user's key, to be sent at that user's next sign-in; nothing else is kept.
  async function forget() {
    forgetting = true;
    if (navigator.onLine) await sync();
    await run("kept", "readwrite", (s) => s.clear());
    const waiting = new Set((await run("queue", "readonly", (s) => s.getAll())).map((i) => i.user));
    const keys = await run("keys", "readonly", (s) => s.getAllKeys());
    await run("keys", "readwrite", (s) => keys.filter((u) => !waiting.has(u)).forEach((u) => s.delete(u)));
    keyFor = null;
    if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("forget-pages");
  }

  // --- the sync bar --------------------------------------------------------------------------
  function word(name, n) {
    const w = (bar && bar.dataset[name]) || name;
    return n === undefined ? w : w.replace("{n}", String(n));
  }

  function setState(text) {
    if (!bar) return;
    bar.querySelector(".sync-state").textContent = text;
  }

  async function render() {
    if (!bar) return;
    const all = await items();
    const waiting = all.filter((i) => i.status === "waiting");
    const refused = all.filter((i) => i.status === "refused");
    const parts = [];
    if (waiting.length) parts.push(word("waiting", waiting.length));
    if (sent) parts.push(word("sent", sent));
    if (refused.length) parts.push(word("refused", refused.length));
    if (!navigator.onLine || offlineNote) parts.unshift(word("offline"));
    if (problem && waiting.length) parts.push(problem);
    bar.hidden = parts.length === 0;
    bar.dataset.waitingCount = String(waiting.length);
    bar.dataset.sentCount = String(sent);
    setState(parts.join(" · "));
    bar.querySelector(".sync-now").hidden = !(waiting.length && navigator.onLine);
    const list = bar.querySelector(".sync-refused");
    list.replaceChildren();
    for (const item of refused) {
      const li = document.createElement("li");
      li.dataset.key = item.key;
      li.dataset.code = item.code || "";
      const what = document.createElement("strong");
      what.textContent = item.label + " (" + new Date(item.occurred_at).toLocaleString() + ")";
      const why = document.createElement("span");
      why.textContent = " — " + (item.message || item.code);
      const ok = document.createElement("button");
      ok.type = "button";
      ok.className = "link sync-dismiss";
      ok.textContent = word("dismiss");
      li.append(what, why, " ", ok);
      list.append(li);
    }
  }

  if (bar) {
    bar.addEventListener("click", (ev) => {
      if (ev.target.closest(".sync-now")) sync();
      const d = ev.target.closest(".sync-dismiss");
      if (d) dismiss(d.closest("li").dataset.key);
    });
    window.addEventListener("online", () => { render(); sync(); });
    window.addEventListener("offline", () => render());
    render().then(() => { if (navigator.onLine) sync(); });
  }

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!form.matches("form[data-offline-signout]") || form.dataset.cleared) return;
    ev.preventDefault();
    forget().finally(() => { form.dataset.cleared = "1"; form.submit(); });
  });

  if ("serviceWorker" in navigator && bar) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }

  window.guomenOffline = { enqueue, put, items, sync, dismiss, kept, refreshPack, render, word, sealed: () => Boolean(subtle) };
})();
