// The field page: drawn from what the role keeps on the phone (IndexedDB), every record queued
// with its own key and time and sent by offline.js. Nothing here needs the network.
// Deferred scripts run in order and field.js comes first in the page's head: start once all ran.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  const off = window.guomenOffline;
  const words = document.getElementById("field-words");
  if (!off || !words) return;

  function w(name, vars) {
    let s = words.dataset[name] || name;
    for (const [k, v] of Object.entries(vars || {})) s = s.replace("{" + k + "}", v);
    return s;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "";
  }

  function done(text) {
    const p = document.getElementById("field-done");
    p.textContent = text;
    p.hidden = false;
  }

  // Rows are kept and updated in place: a redraw (the pack refreshed after a sync or when the
  // network returns) never wipes a temperature the user is typing.
  // People accepted on this phone and not yet sent are listed too, in the state the accept puts
  // them in: a transfer team can hand over at arrival, a facility can do the first check, offline.
  function drawPeople(pack, taken, handed) {
    const list = document.getElementById("people-list");
    const tpl = document.getElementById("person-row");
    const kept = new Map([...list.children].map((li) => [li.dataset.code, li]));
    const rows = [];
    const held = new Set((pack.custody || []).map((r) => r.code));
    const all = (pack.custody || []).concat(taken.filter((r) => !held.has(r.code)));
    for (const row of all) {
      const li = kept.get(row.code) || tpl.content.firstElementChild.cloneNode(true);
      li.dataset.code = row.code;
      li.querySelector(".name").textContent = row.name;
      li.querySelector(".code").textContent = row.code;
      const due = li.querySelector(".due");
      due.textContent = "";
      due.classList.remove("overdue");
      if (row.pending) due.textContent = w("pendingAccept");
      if (row.due_at) {
        const late = new Date(row.due_at) < new Date();
        due.textContent = w(late ? "overdue" : "due", { time: when(row.due_at) });
        due.classList.toggle("overdue", late);
      }
      const form = li.querySelector(".check-form");
      form.dataset.code = row.code;
      form.dataset.name = row.name;
      form.hidden = !["in_facility", "home_monitoring"].includes(row.state);
      // A transfer team at arrival hands the person over to where the transfer is going.
      const hand = li.querySelector(".handover-form");
      const dest = row.state === "in_transit" ? row.destination : null;
      hand.hidden = !dest || handed.has(row.code);  // one handover per person, even before it is sent
      hand.dataset.code = row.code;
      hand.dataset.name = row.name;
      hand.dataset.unit = dest ? dest.code : "";
      hand.dataset.unitName = dest ? dest.name : "";
      hand.querySelector(".to").textContent = dest ? dest.name : "";
      rows.push(li);
    }
    rows.forEach((li, i) => {
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    while (list.children.length > rows.length) list.lastElementChild.remove();
    document.getElementById("people").hidden = !all.length;
  }

  function drawReturnee(pack) {
    const villages = pack.villages || [];
    const select = document.querySelector("#returnee-form select[name=village]");
    const chosen = select.value;
    select.replaceChildren(...villages.map((v) => new Option(v.name, v.code)));
    if (villages.some((v) => v.code === chosen)) select.value = chosen;
    document.getElementById("returnee").hidden = !villages.length;
  }

  function drawAccept(pack) {
    const list = document.getElementById("offered-list");
    list.replaceChildren(...(pack.offered || []).map((r) => {
      const li = document.createElement("li");
      li.textContent = [r.name, r.code, r.from_unit, r.expected_at ? w("expected", { time: when(r.expected_at) }) : ""].filter(Boolean).join(" · ");
      return li;
    }));
    document.getElementById("accept").hidden = !("custody" in pack);
    const form = document.getElementById("accept-form");
    form.toggleAttribute("data-needs-room", Boolean(pack.needs_room));  // the scanner waits for the room
    document.getElementById("room-field").hidden = !pack.needs_room;
    form.elements.room.required = Boolean(pack.needs_room);
  }

  function options(select, rows) {
    const chosen = select.value;
    select.replaceChildren(...rows.map((r) => new Option(r.name, r.code)));
    if (rows.some((r) => r.code === chosen)) select.value = chosen;
  }

  function drawReport(pack) {
    const units = pack.duty_units || [];
    for (const select of document.querySelectorAll("#report select[name=unit]")) options(select, units);
    options(document.querySelector("#incident-form select[name=kind]"), pack.incident_kinds || []);
    document.getElementById("report").hidden = !units.length;
  }

  // The patrol chosen for check-ins, when it belongs to the reporting unit: the report is linked to it.
  function patrolOf(unit) {
    const pack = lastPack || {};
    const id = document.querySelector("#checkin-form select[name=patrol]").value;
    const p = (pack.patrols || []).find((x) => x.id === id && x.team === unit);
    return p ? p.id : null;
  }

  function drawPatrol(pack) {
    const patrols = pack.patrols || [];
    const select = document.querySelector("#checkin-form select[name=patrol]");
    const chosen = select.value;  // a redraw after a sync keeps the user's choice
    select.replaceChildren(...patrols.map((p) => new Option(p.segments.map((s) => s.code).join(", ") + " · " + when(p.window_start), p.id)));
    if (patrols.some((p) => p.id === chosen)) select.value = chosen;
    document.getElementById("patrol").hidden = !patrols.length;
  }

  let lastPack = null;
  async function draw(pack) {
    lastPack = pack;
    const note = document.getElementById("pack-note");
    if (!pack) {
      note.textContent = note.dataset.none;
      return;
    }
    note.textContent = note.dataset.kept.replace("{time}", when(pack.generated_at));
    const waiting = (await off.items()).filter((i) => i.status === "waiting");
    const accepted = new Set(waiting.filter((i) => i.kind === "handover_accept").map((i) => i.payload.code));
    const handed = new Set(waiting.filter((i) => i.kind === "handover_offer").map((i) => i.payload.journey));
    const taken = (pack.offered || []).filter((r) => accepted.has(r.code) && r.to_state)
      .map((r) => Object.assign({}, r, { state: r.to_state, due_at: null, pending: true }));
    drawPeople(pack, taken, handed);
    drawReturnee(pack);
    drawAccept(pack);
    drawPatrol(pack);
    drawReport(pack);
  }

  document.getElementById("add-person").addEventListener("click", () => {
    const rows = document.querySelectorAll("#intercepted .intercepted-person");
    if (rows.length >= 50) return;
    const row = rows[0].cloneNode(true);
    row.querySelectorAll("input").forEach((i) => { i.value = ""; });
    row.querySelectorAll("select").forEach((s) => { s.selectedIndex = 0; });
    document.getElementById("intercepted").append(row);
    row.querySelector("input").focus();
  });

  // Where the report is made, when the form asks for it and the phone can tell within a few
  // seconds; a report is never held back for want of a fix.
  function position(form) {
    const box = form.elements.here;
    if (!box || !box.checked || !navigator.geolocation) return Promise.resolve({});
    return new Promise((resolve) => {
      const give = (v) => { clearTimeout(timer); resolve(v); };
      const timer = setTimeout(() => give({}), 10000);
      navigator.geolocation.getCurrentPosition(
        (pos) => give({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
        () => give({}),
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 },
      );
    });
  }

  function clearPersons() {
    document.querySelectorAll("#intercepted .intercepted-person").forEach((row, i) => { if (i) row.remove(); });
  }

  document.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (form.classList.contains("check-form")) {
      ev.preventDefault();
      const t = parseFloat(form.elements.temperature.value);
      const payload = { journey: form.dataset.code, temperature: t, symptoms: form.elements.cough.checked ? ["cough"] : [] };
      const label = w("check", { name: form.dataset.name });
      await off.enqueue("health_check", payload, label);
      form.reset();
      done(w("queued", { name: label }));
    } else if (form.id === "returnee-form") {
      ev.preventDefault();
      const f = form.elements;
      const payload = {
        village: f.village.value, name: f.name.value.trim(), phone: f.phone.value.trim(),
        came_from_country: f.came_from_country.value, came_from: f.came_from.value.trim(),
      };
      const label = w("returnee", { name: payload.name });
      await off.enqueue("returnee", payload, label);
      form.reset();
      done(w("queued", { name: label }));
    } else if (form.id === "accept-form") {
      ev.preventDefault();
      const code = form.elements.code.value.replace(/\s+/g, "").toUpperCase();
      const label = w("accept", { name: code });
      await off.enqueue("handover_accept", { code: code, room: form.elements.room.value.trim() }, label);
      form.reset();
      done(w("queued", { name: label }));
      off.kept("pack").then(draw);
    } else if (form.classList.contains("handover-form")) {
      ev.preventDefault();
      const label = w("handover", { name: form.dataset.name, unit: form.dataset.unitName });
      await off.enqueue("handover_offer", { journey: form.dataset.code, to_unit: form.dataset.unit }, label);
      form.hidden = true;  // shown again only if the pack, refreshed, still has the person in transit
      done(w("queued", { name: label }));
    } else if (form.id === "interception-form") {
      ev.preventDefault();
      const f = form.elements;
      const persons = [...form.querySelectorAll(".intercepted-person")].map((row) => ({
        name_native: row.querySelector("[name=person_name]").value.trim(),
        nationality: row.querySelector("[name=person_nationality]").value,
        sex: row.querySelector("[name=person_sex]").value,
      })).filter((p) => p.name_native);
      const payload = Object.assign({ unit: f.unit.value, place: f.place.value.trim(), description: f.description.value.trim(), persons: persons, patrol: patrolOf(f.unit.value) }, await position(form));
      const label = w("interception", { name: persons.map((p) => p.name_native).join(", ") });
      await off.enqueue("interception", payload, label);
      form.reset();
      clearPersons();
      done(w("queued", { name: label }));
    } else if (form.id === "incident-form") {
      ev.preventDefault();
      const f = form.elements;
      const payload = Object.assign({ unit: f.unit.value, kind: f.kind.value, place: f.place.value.trim(), description: f.description.value.trim(), patrol: patrolOf(f.unit.value) }, await position(form));
      const label = w("incident", { name: f.kind.selectedOptions[0].textContent });
      await off.enqueue("incident", payload, label);
      form.reset();
      done(w("queued", { name: label }));
    } else if (form.id === "checkin-form") {
      ev.preventDefault();
      const patrol = form.elements.patrol.value;
      const label = w("checkin", { name: form.elements.patrol.selectedOptions[0].textContent });
      navigator.geolocation.getCurrentPosition(async (pos) => {
        document.getElementById("gps-note").hidden = true;
        const c = pos.coords;
        await off.enqueue("patrol_checkin", { patrol: patrol, lat: c.latitude, lon: c.longitude, accuracy: c.accuracy }, label);
        done(w("queued", { name: label }));
      }, () => { document.getElementById("gps-note").hidden = false; }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });  // where the patrol is now, never an older fix
    }
  });

  off.kept("pack").then(draw);
  off.refreshPack().then(draw);
  window.addEventListener("online", () => off.refreshPack().then(draw));
  document.addEventListener("guomen:synced", () => off.refreshPack().then(draw));
});
