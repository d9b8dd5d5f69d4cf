// Fill the arrival form from the passport reader (people/_mrz_form.html) once htmx has swapped
// in the parsed fields. No inline script (strict CSP); typing by hand always works too.
(function () {
  "use strict";
  const MAP = {
    name_latin: "id_name_latin",
    sex: "id_sex",
    birth_date: "id_birth_date",
    nationality: "id_nationality",
    kind: "id_doc_kind",
    number: "id_doc_number",
    issuing_country: "id_doc_country",
    valid_until: "id_doc_valid_until",
  };
  function fill(box) {
    const reader = box.closest("form[data-fill]");
    if (!reader) return;
    const target = document.getElementById(reader.dataset.fill);
    if (!target) return;
    let filled = 0;
    Object.keys(MAP).forEach(function (name) {
      const src = box.querySelector('[name="' + name + '"]');
      const dst = document.getElementById(MAP[name]);
      if (src && dst && src.value) {
        dst.value = src.value;
        dst.dispatchEvent(new Event("change", { bubbles: true }));
        filled += 1;
      }
    });
    const nativeName = document.getElementById("id_name_native");
    const latin = document.getElementById("id_name_latin");
    if (nativeName && latin && !nativeName.value && latin.value) nativeName.value = latin.value;
    if (filled) {
      target.classList.add("filled");
      const first = document.getElementById("id_name_native");
      if (first) first.focus();
    }
  }
  document.addEventListener("htmx:afterSwap", function (ev) {
    const box = document.getElementById("mrz-box");
    if (box && (ev.target === box || ev.target.contains(box) || box.contains(ev.target))) fill(box);
  });
  document.addEventListener("htmx:afterSettle", function () {
    const box = document.getElementById("mrz-box");
    if (box && box.querySelector('[name="number"]') && !box.dataset.filled) {
      box.dataset.filled = "1";
      fill(box);
    }
  });
})();
