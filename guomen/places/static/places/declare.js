// The public self-declaration: county → township → village with type-ahead. The county's
// townships and villages are fetched from this server (no third party); without script, the
// village name typed is matched on the server.
(function () {
  "use strict";
  function init() {
    const form = document.getElementById("declare-form");
    if (!form) return;
    const county = form.querySelector("[name=county]");
    const township = form.querySelector("[name=township]");
    const village = form.querySelector("[name=village]");
    const options = document.getElementById("village-options");
    if (!county || !township || !village || !options) return;
    let data = null;

    function option(value, text) {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      return o;
    }
    function fillVillages() {
      options.textContent = "";
      if (!data) return;
      const towns = data.townships.filter((t) => !township.value || t.code === township.value);
      towns.forEach((t) => t.villages.forEach((v) => {
        const o = option(v.name, t.name);
        o.dataset.code = v.code;
        options.appendChild(o);
      }));
      form.dataset.villages = String(options.children.length);
    }
    async function loadCounty(keepTownship) {
      data = null;
      const chosen = keepTownship ? township.value : "";
      township.textContent = "";
      township.appendChild(option("", county.value ? form.dataset.tLoading : "—"));
      options.textContent = "";
      if (!county.value) return;
      const r = await fetch(form.dataset.placesUrl + "?county=" + encodeURIComponent(county.value), { headers: { Accept: "application/json" } });
      if (!r.ok) return;
      data = await r.json();
      township.textContent = "";
      township.appendChild(option("", form.dataset.tAll));
      data.townships.forEach((t) => township.appendChild(option(t.code, t.name)));
      township.value = chosen;
      fillVillages();
      form.classList.add("gm-places-loaded");
    }
    county.addEventListener("change", () => {
      village.value = "";
      loadCounty(false);
    });
    township.addEventListener("change", () => {
      village.value = "";
      fillVillages();
    });
    // Picking a suggestion sends the village's code, so two villages of the same name cannot be confused.
    form.addEventListener("submit", () => {
      const hit = [...options.children].filter((o) => o.value === village.value);
      if (hit.length === 1) village.value = hit[0].dataset.code;
    });
    if (county.value) loadCounty(true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
