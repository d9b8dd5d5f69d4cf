// The offline map: Natural Earth base layers and the five controls' layers, no tiles.
// Everything comes from data- attributes on #map (strict CSP: no inline script).
(function () {
  "use strict";
  const STATUS_COLOUR = { open: "#2a9d8f", restricted: "#e9a23b", closed: "#d62828" };
  const RISK_COLOUR = { low: "#2a9d8f", medium: "#e9a23b", high: "#d62828" };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function link(url, text) {
    return url ? '<a href="' + esc(url) + '">' + esc(text) + "</a>" : esc(text);
  }
  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!r.ok) throw new Error(url + " → " + r.status);
    return r.json();
  }

  function init() {
    const el = document.getElementById("map");
    if (!el || typeof L === "undefined") return;
    const d = el.dataset;
    // Leaflet's default marker images, from {% static %} (it cannot guess them behind a hashed storage).
    L.Icon.Default.mergeOptions({ iconUrl: d.iconUrl, iconRetinaUrl: d.icon2xUrl, shadowUrl: d.shadowUrl });
    L.Icon.Default.imagePath = "";

    const map = L.map(el, { preferCanvas: false, zoomControl: true, attributionControl: true }).setView([23.8, 101.0], 6);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    const renderer = L.svg();

    const base = {
      countries: L.geoJSON(null, {
        renderer,
        style: (f) => ({ className: "gm-country", weight: 1, color: "#8a8f98", fillColor: f.properties.ADM0_A3 === "CHN" ? "#f4efe6" : "#e6ebef", fillOpacity: 1 }),
        interactive: false,
      }),
      lines: L.geoJSON(null, {
        renderer,
        style: (f) => ({ className: "gm-boundary", weight: f.properties.china_border ? 2 : 1, color: "#555", dashArray: f.properties.china_border ? null : "4 4" }),
        interactive: false,
      }),
    };
    const layers = {
      ports: L.geoJSON(null, {
        pointToLayer: (f, ll) => L.marker(ll, { icon: new L.Icon.Default({ className: "gm-port gm-status-" + f.properties.status }), title: f.properties.name }),
        onEachFeature: passagePopup,
      }),
      passages: L.geoJSON(null, {
        renderer,
        pointToLayer: (f, ll) => L.circleMarker(ll, { renderer, radius: 6, className: "gm-passage gm-status-" + f.properties.status }),
        style: (f) => ({ className: "gm-passage gm-status-" + f.properties.status, color: STATUS_COLOUR[f.properties.status] || "#333", fillColor: STATUS_COLOUR[f.properties.status] || "#333", weight: 4, fillOpacity: 0.9 }),
        onEachFeature: passagePopup,
      }),
      segments: L.geoJSON(null, {
        renderer,
        style: (f) => ({
          className: "gm-segment gm-risk-" + f.properties.risk + (f.properties.owned ? " gm-owned" : " gm-unowned"),
          color: f.properties.owned ? RISK_COLOUR[f.properties.risk] : "#111",
          weight: f.properties.owned ? 5 : 6,
          dashArray: f.properties.owned ? null : "6 6",
          opacity: 0.85,
        }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          layer.bindPopup(
            "<strong>" + link(p.url, p.code) + "</strong><br>" + esc(p.county_name) + " · " + esc(d.tLength) + " " + esc(p.length_km) +
              "<br>" + esc(d.tRisk) + ": " + esc(p.risk_label) + "<br>" + esc(d.tOwner) + ": " + (p.owned ? esc(p.person_name) + " · " + esc(p.unit_name) : "<em>" + esc(d.tNone) + "</em>"),
          );
        },
      }),
      villages: L.geoJSON(null, {
        renderer,
        pointToLayer: (f, ll) => L.circleMarker(ll, { renderer, radius: 4, className: "gm-village" + (f.properties.grids_without_worker ? " gm-unowned" : ""), color: "#264653", weight: 1, fillColor: f.properties.grids_without_worker ? "#e76f51" : "#457b9d", fillOpacity: 0.9 }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          layer.bindPopup("<strong>" + link(p.url, p.name) + "</strong><br>" + esc(d.tGrids) + ": " + esc(p.grids) + (p.grids_without_worker ? " · " + esc(p.grids_without_worker) + " " + esc(d.tUnnamed) : ""));
        },
      }),
      facilities: L.geoJSON(null, {
        renderer,
        pointToLayer: (f, ll) => L.circleMarker(ll, { renderer, radius: 7, className: "gm-facility", color: "#6a0572", weight: 2, fillColor: "#c77dff", fillOpacity: 0.9 }),
        onEachFeature: (f, layer) => {
          const p = f.properties;
          layer.bindPopup("<strong>" + link(p.url, p.name) + "</strong><br>" + esc(d.tCapacity) + ": " + esc(p.capacity == null ? "—" : p.capacity));
        },
      }),
    };

    function passagePopup(f, layer) {
      const p = f.properties;
      layer.bindPopup("<strong>" + link(p.url, p.name) + "</strong><br>" + esc(p.kind_label) + "<br>" + esc(d.tStatus) + ": " + esc(p.status_label) + (p.status_reason ? "<br><small>" + esc(p.status_reason) + "</small>" : ""));
    }

    base.countries.addTo(map);
    base.lines.addTo(map);
    ["segments", "passages", "villages", "facilities", "ports"].forEach((k) => layers[k].addTo(map));
    const overlays = {};
    overlays[d.lCountries] = base.countries;
    overlays[d.lLines] = base.lines;
    overlays[d.lSegments] = layers.segments;
    overlays[d.lPorts] = layers.ports;
    overlays[d.lPassages] = layers.passages;
    overlays[d.lVillages] = layers.villages;
    overlays[d.lFacilities] = layers.facilities;
    // Point layers other apps add (public: approved notices), each linking to its page; drawn above the rest.
    const extra = [...document.querySelectorAll("#map-extra-layers li")].map((li) => {
      const key = li.dataset.key;
      const layer = L.geoJSON(null, {
        renderer,
        pointToLayer: (f, ll) => L.circleMarker(ll, { renderer, radius: 8, className: "gm-extra gm-" + key, color: "#1d3557", weight: 2, fillColor: "#ffb703", fillOpacity: 0.95 }),
        onEachFeature: (f, l) => l.bindPopup("<strong>" + link(f.properties.url, f.properties.title) + "</strong>"),
      });
      layer.addTo(map);
      overlays[li.dataset.label] = layer;
      return { key, layer, url: li.dataset.url };
    });
    L.control.layers(null, overlays, { collapsed: true }).addTo(map);

    function fill(layer, data, kind) {
      layer.clearLayers();
      layer.addData(data);
      el.dataset["drawn" + kind] = String(layer.getLayers().length);
    }

    async function loadPassages(date) {
      const data = await getJSON(d.passagesUrl + "?links=true&date=" + encodeURIComponent(date));
      const ports = { type: "FeatureCollection", features: data.features.filter((f) => f.properties.is_port) };
      const others = { type: "FeatureCollection", features: data.features.filter((f) => !f.properties.is_port) };
      fill(layers.ports, ports, "Ports");
      fill(layers.passages, others, "Passages");
    }

    getJSON(d.countriesUrl).then((g) => { base.countries.addData(g); base.countries.bringToBack(); }).catch(console.warn);
    getJSON(d.linesUrl).then((g) => base.lines.addData(g)).catch(console.warn);
    Promise.all([
      getJSON(d.segmentsUrl + "?links=true").then((g) => fill(layers.segments, g, "Segments")),
      loadPassages(d.date),
      getJSON(d.villagesUrl).then((g) => fill(layers.villages, g, "Villages")),
      getJSON(d.facilitiesUrl).then((g) => fill(layers.facilities, g, "Facilities")),
      ...extra.map((x) => getJSON(x.url).then((g) => { fill(x.layer, g, x.key.charAt(0).toUpperCase() + x.key.slice(1)); x.layer.bringToFront(); })),
    ])
      .then(() => {
        const group = L.featureGroup(Object.values(layers).filter((l) => l.getLayers().length));
        const b = group.getBounds();
        if (b.isValid()) map.fitBounds(b, { padding: [20, 20], maxZoom: 10 });
        el.classList.add("gm-loaded");
      })
      .catch((e) => { el.classList.add("gm-failed"); console.warn(e); });

    const dateInput = document.getElementById("map-date");
    if (dateInput) {
      dateInput.addEventListener("change", () => {
        if (!dateInput.value) return;
        el.classList.remove("gm-loaded");
        loadPassages(dateInput.value).then(() => el.classList.add("gm-loaded"));
        const url = new URL(window.location.href);
        url.searchParams.set("date", dateInput.value);
        window.history.replaceState(null, "", url);
      });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
