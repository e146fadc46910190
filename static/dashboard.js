/* The coordinator dashboard's charts (Apache ECharts, vendored). The page holds only the
   data URLs; the figures come as JSON from /dashboard/data and /dashboard/scatter.
   No inline code: the Content-Security-Policy allows scripts from this site only. */
(function () {
  "use strict";
  const root = document.getElementById("dashboard-charts");
  if (!root || typeof echarts === "undefined") { return; }
  const charts = {};
  const PRIORITY_COLOURS = { urgent: "#dc3545", high: "#fd7e14", normal: "#198754" };

  function chart(name) {
    const el = root.querySelector('[data-chart="' + name + '"]');
    if (!el) { return null; }
    if (!charts[name]) { charts[name] = echarts.init(el); }
    return charts[name];
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); });
  }

  function empty(target, labels) {
    target.setOption({ title: { text: labels.empty, left: "center", top: "middle",
      textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } } }, true);
  }

  function drawTrend(data) {
    const labels = data.labels;
    chart("trend").setOption({
      tooltip: { trigger: "axis", formatter: function (points) {
        return [labels.week + " " + points[0].axisValue].concat(points.map(function (p) {
          return p.marker + p.seriesName + ": " + p.value;
        })).join("<br>");
      } },
      legend: { data: [labels.new_pairs, labels.contacts] },
      grid: { left: 40, right: 40, bottom: 30, top: 40 },
      xAxis: { type: "category", data: data.trend.map(function (w) { return w.week; }),
               axisLabel: { formatter: function (v) { return v.slice(5); } } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", minInterval: 1 }],
      series: [
        { name: labels.new_pairs, type: "bar", data: data.trend.map(function (w) { return w.new_pairs; }) },
        { name: labels.contacts, type: "line", yAxisIndex: 1, smooth: true,
          data: data.trend.map(function (w) { return w.contacts; }) }
      ]
    });
  }

  function drawWaiting(data) {
    const labels = data.labels;
    const waiting = data.totals.children.waiting;
    const items = Object.keys(labels.priorities).map(function (code) {
      return { name: labels.priorities[code], value: waiting[code] || 0,
               itemStyle: { color: PRIORITY_COLOURS[code] } };
    });
    const target = chart("waiting");
    const shown = items.filter(function (i) { return i.value > 0; });
    if (!shown.length) { empty(target, labels); return; }
    target.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "70%"], data: shown,
                 label: { formatter: "{b}: {c}" } }]
    });
  }

  function drawCoverage(data) {
    const labels = data.labels;
    const counties = data.counties.filter(function (c) { return c.registered > 0; });
    const target = chart("coverage");
    if (!counties.length) { empty(target, labels); return; }
    target.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.paired, labels.waiting, labels.coverage] },
      grid: { left: 50, right: 50, bottom: 80, top: 40 },
      dataZoom: counties.length > 20 ? [{ type: "slider", bottom: 0 }] : [],
      xAxis: { type: "category", data: counties.map(function (c) { return c.name; }),
               axisLabel: { rotate: 40, interval: 0 } },
      yAxis: [{ type: "value", minInterval: 1 },
              { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: labels.paired, type: "bar", stack: "children", itemStyle: { color: "#198754" },
          data: counties.map(function (c) { return c.paired; }) },
        { name: labels.waiting, type: "bar", stack: "children", itemStyle: { color: "#fd7e14" },
          data: counties.map(function (c) { return c.waiting; }) },
        { name: labels.coverage, type: "line", yAxisIndex: 1,
          data: counties.map(function (c) {
            return c.coverage === null ? null : Math.round(c.coverage * 100);
          }) }
      ]
    });
  }

  function drawScatter(points, labels) {
    const target = chart("scatter");
    if (!points.children.length && !points.volunteers.length) { empty(target, labels); return; }
    function size(p) { return Math.min(40, 6 + 4 * Math.sqrt(p[2])); }
    const all = points.children.concat(points.volunteers);
    function bounds(index) {
      const values = all.map(function (p) { return p[index]; });
      const lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
      const pad = Math.max(0.05, (hi - lo) * 0.1);
      return { min: Math.floor((lo - pad) * 100) / 100, max: Math.ceil((hi + pad) * 100) / 100 };
    }
    const x = bounds(0), y = bounds(1);
    target.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        return p.seriesName + ": " + p.value[2] + " (" + p.value[1] + ", " + p.value[0] + ")";
      } },
      legend: { data: [labels.children, labels.volunteers] },
      grid: { left: 60, right: 30, bottom: 40, top: 40 },
      xAxis: { type: "value", min: x.min, max: x.max, name: "°E" },
      yAxis: { type: "value", min: y.min, max: y.max, name: "°N" },
      series: [
        { name: labels.children, type: "scatter", symbolSize: size, data: points.children,
          itemStyle: { color: "#0d6efd", opacity: 0.6 } },
        { name: labels.volunteers, type: "scatter", symbol: "diamond", symbolSize: size,
          data: points.volunteers, itemStyle: { color: "#198754", opacity: 0.7 } }
      ]
    }, true);
  }

  getJSON(root.dataset.url).then(function (data) {
    drawTrend(data);
    drawWaiting(data);
    drawCoverage(data);
    const picker = document.querySelector("[data-county-picker]");
    function loadScatter(code) {
      if (!code) { drawScatter({ children: [], volunteers: [] }, data.labels); return; }
      getJSON(root.dataset.scatterUrl + "?county=" + encodeURIComponent(code))
        .then(function (points) { drawScatter(points, data.labels); });
    }
    if (picker) {
      picker.addEventListener("change", function () { loadScatter(this.value); });
    }
    loadScatter(picker && picker.value ? picker.value : data.first_county);
  });

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
})();
