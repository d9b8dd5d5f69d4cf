// The busload desk: the scan box keeps the focus, so the next scan needs no mouse (a scanner types
// the code and Enter); in the temperature grid, Enter moves down a row.
(function () {
  "use strict";
  function init() {
    const box = document.getElementById("id_scan");
    if (!box) return;
    const grid = document.getElementById("grid-form");
    const typing = grid && grid.contains(document.activeElement);
    if (!typing) {
      box.focus();
      if (box.value) box.select();
    }
  }
  // In the grid, Enter goes to the next row's temperature; on the last row it records them all.
  document.addEventListener("keydown", function (ev) {
    const input = ev.target;
    if (ev.key !== "Enter" || !input.matches || !input.matches("#grid-form input[inputmode=decimal]")) return;
    const rows = Array.from(document.querySelectorAll("#grid-form input[inputmode=decimal]"));
    const next = rows[rows.indexOf(input) + 1];
    if (next) {
      ev.preventDefault();
      next.focus();
    }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  window.addEventListener("load", init);
})();
