// The command map: Natural Earth base (no tiles), figures per county and per port from the scoped GeoJSON.
(function () {
  "use strict";
  function init() {
    const cfgEl = document.getElementById("map-config");
    const el = document.getElementById("command-map");
    if (!cfgEl || !el || !window.L) return;
    const cfg = JSON.parse(cfgEl.textContent);
    const L = window.L;
    const map = L.map(el, { zoomControl: true, attributionControl: true }).setView([23.5, 100.5], 6);
    map.attributionControl.addAttribution("Natural Earth");
    const get = (url) => fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
    get(cfg.countries).then((g) => {
      if (g) L.geoJSON(g, { style: () => ({ color: "#8a96a3", weight: 1, fillColor: "#fdfdfb", fillOpacity: 1 }) }).addTo(map).bringToBack();
    });
    get(cfg.border).then((g) => {
      if (g) L.geoJSON(g, { style: () => ({ color: "#b3261e", weight: 2, dashArray: "4 3" }) }).addTo(map);
    });
    get(cfg.figures).then((g) => {
      if (!g) return;
      const lab = cfg.labels;
      const layer = L.geoJSON(g, {
        pointToLayer: (f, latlng) => {
          const p = f.properties;
          const port = p.kind === "port";
          const m = L.circleMarker(latlng, {
            radius: port ? 6 : 8,
            color: port ? "#0b5cad" : "#b3261e",
            fillOpacity: 0.7,
          });
          const n = port ? p.arrivals_today : p.open;
          m.bindTooltip(`${p.name}: ${n}`, { permanent: true, direction: "right", className: "map-label" + (port ? " port" : "") });
          const lines = port
            ? [[lab.arrivals_today, p.arrivals_today], [lab.at_gate, p.at_gate]]
            : [[lab.open, p.open], [lab.in_facility, p.in_facility], [lab.handover_offered, p.handover_offered], [lab.alerts_open, p.alerts_open]];
          const box = document.createElement("div");
          const title = document.createElement(port ? "strong" : "a");
          title.textContent = p.name;
          if (!port) title.href = `${cfg.dashboard}?j=${encodeURIComponent(p.code)}`;
          box.appendChild(title);
          for (const [k, v] of lines) {
            const row = document.createElement("div");
            row.textContent = `${k}: ${v}`;
            box.appendChild(row);
          }
          m.bindPopup(box);
          return m;
        },
      }).addTo(map);
      const b = layer.getBounds();
      if (b.isValid()) map.fitBounds(b.pad(0.2));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
