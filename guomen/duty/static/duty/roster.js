// The roster on a phone: the month opens at the week of today and moves a week at a time, with
// the two buttons or a swipe that comes to rest at the start of a week (duty.css). No inline code.
(() => {
  const phone = window.matchMedia("(max-width: 759px)");
  const postWidth = (wrap) => wrap.querySelector("th.post")?.offsetWidth || 0;
  const weeks = (wrap) => [...wrap.querySelectorAll("th.week")];
  const leftOf = (wrap, th) => th.offsetLeft - postWidth(wrap);

  function shown(wrap) {
    // The week whose start is nearest the left edge (right of the post names), also while a
    // scroll is still moving there.
    let k = 0;
    let best = Infinity;
    weeks(wrap).forEach((th, i) => {
      const d = Math.abs(leftOf(wrap, th) - wrap.scrollLeft);
      if (d < best) [k, best] = [i, d];
    });
    return k;
  }

  function setup() {
    const wrap = document.getElementById("roster-wrap");
    if (!wrap) return;
    wrap.style.scrollPaddingLeft = `${postWidth(wrap)}px`;
    const nav = document.getElementById("roster-weeks");
    if (nav) nav.hidden = !phone.matches;
    const today = wrap.querySelector("th.today");
    if (!phone.matches || !today) return;
    let start = weeks(wrap)[0];
    for (const th of weeks(wrap)) if (th.offsetLeft <= today.offsetLeft) start = th;
    wrap.scrollLeft = leftOf(wrap, start);
  }

  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-roster-week]");
    const wrap = document.getElementById("roster-wrap");
    if (!button || !wrap) return;
    const all = weeks(wrap);
    const k = Math.max(0, Math.min(all.length - 1, shown(wrap) + Number(button.dataset.rosterWeek)));
    wrap.scrollTo({ left: leftOf(wrap, all[k]), behavior: "smooth" });
  });
  document.addEventListener("DOMContentLoaded", setup);
  document.addEventListener("htmx:afterSettle", setup);
  phone.addEventListener("change", setup);
})();
