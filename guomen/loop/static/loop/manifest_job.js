// A manifest imported in the background: poll its progress until it is finished.
(function () {
  "use strict";
  const box = document.getElementById("manifest-job");
  if (!box || box.dataset.finished === "1") return;
  const set = (id, v) => { const el = document.getElementById(id); if (el) el.textContent = v; };
  async function tick() {
    let p;
    try {
      const r = await fetch(box.dataset.progress, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!r.ok) throw new Error(String(r.status));
      p = await r.json();
    } catch (e) {
      setTimeout(tick, 5000);
      return;
    }
    document.getElementById("job-bar").value = p.percent;
    set("job-status", p.status_label);
    set("job-read", p.rows_read);
    set("job-total", p.rows_total === null ? "…" : p.rows_total);
    set("job-taken", p.taken);
    set("job-unchanged", p.unchanged);
    set("job-refused", p.refused);
    set("job-left", p.time_left);
    if (p.error) { set("job-error", p.error); document.getElementById("job-error").hidden = false; }
    if (p.finished) {
      box.dataset.finished = "1";
      document.getElementById("job-downloads").hidden = !p.refused;
      return;
    }
    setTimeout(tick, 1500);
  }
  setTimeout(tick, 1000);
})();
