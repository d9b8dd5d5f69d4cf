// Trends: read the data island, draw with the locally served ECharts. No inline scripts (strict CSP).
(function () {
  "use strict";
  function read(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function draw(id, option) {
    const el = document.getElementById(id);
    if (!el || !window.echarts) return;
    const chart = window.echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", () => chart.resize());
  }
  function init() {
    const data = read("trends-data");
    const labels = read("trends-labels") || {};
    if (!data) return;
    const base = {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", minInterval: 1 },
    };
    draw("chart-arrivals", Object.assign({}, base, {
      legend: { type: "scroll", top: 0 },
      series: data.arrivals_by_port.map((p) => ({ name: p.name, type: "bar", stack: "arrivals", data: p.data })),
    }));
    draw("chart-in-loop", Object.assign({}, base, {
      series: [{ name: labels.in_loop, type: "line", connectNulls: false, data: data.in_loop }],
    }));
    draw("chart-alerts", Object.assign({}, base, {
      legend: { top: 0 },
      series: [
        { name: labels.opened, type: "bar", data: data.alerts_opened },
        { name: labels.closed, type: "bar", data: data.alerts_closed },
      ],
    }));
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
