// The patrol page's map: the patrol's segments, the stretches the track covered, and the track. Offline.
(function () {
  "use strict";
  function init() {
    const dataEl = document.getElementById("track-map-data");
    const host = document.getElementById("track-map");
    if (!dataEl || !host || !window.L) return;
    const d = JSON.parse(dataEl.textContent);
    const L = window.L;
    const map = L.map(host, { attributionControl: false });
    const layers = [];
    layers.push(L.geoJSON(d.segments, { style: () => ({ className: "gm-track-segment", color: "#8a8f98", weight: 7, opacity: 0.8 }) }).addTo(map));
    layers.push(L.geoJSON(d.covered, { style: () => ({ className: "gm-track-covered", color: "#2a9d8f", weight: 7, opacity: 0.95 }) }).addTo(map));
    if (d.track) layers.push(L.geoJSON(d.track, { style: () => ({ className: "gm-track", color: "#b3261e", weight: 2.5, dashArray: "5 4" }) }).addTo(map));
    d.points.forEach(([lon, lat]) => layers.push(L.circleMarker([lat, lon], { className: "gm-track", radius: 5, color: "#b3261e" }).addTo(map)));
    const b = L.featureGroup(layers).getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16] });
    else map.setView([23.5, 100.5], 6);
    host.classList.add("gm-loaded");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
