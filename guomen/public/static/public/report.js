// The report form's offline map: the shipped country outlines, a tap sets the place (no tiles, no inline script).
(function () {
  "use strict";
  function init() {
    const el = document.getElementById("pick-map");
    if (!el || typeof L === "undefined") return;
    const d = el.dataset;
    L.Icon.Default.mergeOptions({ iconUrl: d.iconUrl, iconRetinaUrl: d.icon2xUrl, shadowUrl: d.shadowUrl });
    L.Icon.Default.imagePath = "";
    const map = L.map(el, { attributionControl: true }).setView([23.9, 99.5], 7);
    el.gmMap = map; // lets a test (or another script) move the view
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    fetch(d.baseUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (data) L.geoJSON(data, { style: (f) => ({ weight: 1, color: "#8a8f98", fillColor: f.properties.ADM0_A3 === "CHN" ? "#f4efe6" : "#e6ebef", fillOpacity: 1 }), interactive: false }).addTo(map);
      })
      .catch(() => {});
    const lat = document.getElementById("id_lat");
    const lon = document.getElementById("id_lon");
    const picked = document.getElementById("picked");
    let marker = null;
    function show() {
      picked.textContent = lat.value ? d.picked || picked.dataset.picked : picked.dataset.none;
      if (lat.value) picked.textContent = picked.dataset.picked + " " + Number(lat.value).toFixed(5) + ", " + Number(lon.value).toFixed(5);
    }
    function set(ll) {
      lat.value = ll.lat.toFixed(6);
      lon.value = ll.lng.toFixed(6);
      if (marker) marker.setLatLng(ll);
      else marker = L.marker(ll).addTo(map);
      show();
    }
    if (lat.value && lon.value) set(L.latLng(Number(lat.value), Number(lon.value)));
    map.on("click", (e) => set(e.latlng));
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
