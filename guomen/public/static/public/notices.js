// The public page's map of notices (ports opened or closed, village status): each point links to its bulletin.
(function () {
  "use strict";
  function init() {
    const el = document.getElementById("notices-map");
    if (!el || typeof L === "undefined") return;
    const d = el.dataset;
    L.Icon.Default.mergeOptions({ iconUrl: d.iconUrl, iconRetinaUrl: d.icon2xUrl, shadowUrl: d.shadowUrl });
    L.Icon.Default.imagePath = "";
    const map = L.map(el, { attributionControl: true }).setView([23.5, 100.5], 6);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    el.gmMap = map;
    const get = (url) => fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.json() : null));
    get(d.baseUrl).then((data) => {
      if (data) L.geoJSON(data, { style: (f) => ({ weight: 1, color: "#8a8f98", fillColor: f.properties.ADM0_A3 === "CHN" ? "#f4efe6" : "#e6ebef", fillOpacity: 1 }), interactive: false }).addTo(map).bringToBack();
    }).catch(() => {});
    get(d.noticesUrl).then((data) => {
      if (!data) return;
      L.geoJSON(data, {
        onEachFeature: (f, layer) => {
          const a = document.createElement("a");
          a.href = f.properties.url;
          a.textContent = f.properties.title;
          a.className = "notice-link";
          layer.bindPopup(a);
        },
      }).addTo(map);
    }).catch(() => {});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
