// guomen's own script: small, no inline handlers (strict CSP).
document.addEventListener("change", (ev) => {
  const el = ev.target;
  if (el instanceof HTMLSelectElement && el.classList.contains("autosubmit") && el.form) {
    el.form.submit();
  }
});
document.addEventListener("click", (ev) => {
  const el = ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    ev.preventDefault();
  }
  const copy = ev.target.closest("[data-copy]");
  if (copy) {
    const src = document.getElementById(copy.dataset.copy);
    if (src && navigator.clipboard) navigator.clipboard.writeText(src.textContent.trim());
  }
  const print = ev.target.closest("[data-print]");
  if (print) window.print();
});
// A unit picker holds the unit's code; the name beside it follows what is typed or picked.
document.addEventListener("input", (ev) => {
  const el = ev.target;
  if (!(el instanceof HTMLInputElement) || !el.list) return;
  const shown = el.nextElementSibling;
  if (!shown || !shown.classList.contains("unit-picked")) return;
  const option = Array.from(el.list.options).find((o) => o.value === el.value.trim());
  shown.textContent = option ? option.label : "";
});
