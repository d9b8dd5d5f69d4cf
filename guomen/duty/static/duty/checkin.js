// Check-in from the phone: the browser's position, POSTed with an id made on the device, so a retry
// (weak signal) never counts twice. Positions that could not be sent wait in localStorage.
(function () {
  const KEY = "guomen.duty.pending";
  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function pending() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(list) { localStorage.setItem(KEY, JSON.stringify(list)); }
  function say(el, text) { if (el) el.textContent = text; }
  async function send(item) {
    const res = await fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": item.body.client_id },
      body: JSON.stringify(item.body),
    });
    if (res.status >= 500) throw new Error(String(res.status));
    return res;
  }
  async function flush(statusEl) {
    const list = pending();
    const left = [];
    for (const item of list) {
      try {
        const res = await send(item);
        if (!res.ok) say(statusEl, (statusEl && statusEl.dataset.refused) || "refused");
      } catch (e) { left.push(item); }
    }
    save(left);
    return left.length;
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c-" + Date.now() + "-" + Math.random().toString(16).slice(2);
  }
  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("[data-checkin]");
    if (!btn) return;
    ev.preventDefault();
    const statusEl = document.getElementById(btn.dataset.status || "checkin-status");
    if (!navigator.geolocation) { say(statusEl, btn.dataset.nogeo || "no geolocation"); return; }
    say(statusEl, btn.dataset.locating || "…");
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const item = {
        url: btn.dataset.checkin,
        body: {
          client_id: newId(),
          lat: pos.coords.latitude,
          lon: pos.coords.longitude,
          accuracy: pos.coords.accuracy,
          at: new Date(pos.timestamp || Date.now()).toISOString(),
        },
      };
      save(pending().concat([item]));
      const left = await flush(statusEl);
      say(statusEl, left ? (btn.dataset.queued || "queued") : (btn.dataset.done || "ok"));
    }, () => say(statusEl, btn.dataset.denied || "denied"), { enableHighAccuracy: true, timeout: 20000, maximumAge: 10000 });
  });
  window.addEventListener("online", () => flush(null));
  document.addEventListener("DOMContentLoaded", () => { if (pending().length) flush(null); });
})();
