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
    const target = chart("trend");
    if (!data.trend.some(function (w) { return w.new_pairs || w.contacts; })) {
      empty(target, labels);
      return;
    }
    target.setOption({
      tooltip: { trigger: "axis", formatter: function (points) {
        return [labels.week + " " + points[0].axisValue].concat(points.map(function (p) {
          return p.marker + p.seriesName + ": " + p.value;
        })).join("<br>");
      } },
      legend: { data: [labels.new_pairs, labels.contacts] },
      grid: { left: 8, right: 8, bottom: 8, top: 60, containLabel: true },
      xAxis: { type: "category", data: data.trend.map(function (w) { return w.week; }),
               axisLabel: { formatter: function (v) { return v.slice(5); } } },
      yAxis: [{ type: "value", minInterval: 1, name: labels.unit_pairs },
              { type: "value", minInterval: 1, name: labels.unit_contacts }],
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
      tooltip: { trigger: "item", formatter: "{b}: {c} " + labels.unit_children_short + " ({d}%)" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["40%", "70%"], data: shown,
                 label: { formatter: "{b}: {c} " + labels.unit_children_short } }]
    });
  }

  function showFigures(box, attribute, county) {
    box.querySelectorAll("[" + attribute + "]").forEach(function (el) {
      const key = el.getAttribute(attribute);
      const value = county[key];
      el.textContent = key === "coverage" ? (value === null ? "–" : Math.round(value * 100) + "%")
        : String(value);
    });
  }

  function drawCoverage(data) {
    const labels = data.labels;
    const counties = data.counties.filter(function (c) { return c.registered > 0; });
    const target = chart("coverage");
    if (!counties.length) { empty(target, labels); return; }
    if (counties.length === 1) {  // one county: its figures, not one bar
      const box = root.querySelector("[data-coverage-figures]");
      target.getDom().hidden = true;
      box.hidden = false;
      showFigures(box, "data-coverage-figure", counties[0]);
      return;
    }
    // As many counties at a time as the width gives every name room (8 on a phone, 20
    // on a desktop); the slider moves on to the others.
    const shown = Math.max(6, Math.min(20, Math.floor(target.getWidth() / 40)));
    target.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [labels.paired, labels.waiting, labels.coverage] },
      grid: { left: 8, right: 8, bottom: 40, top: 60, containLabel: true },
      dataZoom: counties.length > shown
        ? [{ type: "slider", bottom: 0, startValue: 0, endValue: shown - 1 }] : [],
      xAxis: { type: "category", data: counties.map(function (c) { return c.name; }),
               axisLabel: { rotate: 40, interval: 0 } },
      yAxis: [{ type: "value", minInterval: 1, name: labels.unit_children },
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

  /* The county map: boundaries of the user's city or province (static/maps, keyed by
     county code), each county filled with the colour of its class from the server. */
  function drawMap(data, openCounty) {
    const target = chart("map");
    const info = data.map;
    if (!target) { return; }
    if (!info.area) { empty(target, data.labels); return; }
    const byCode = {};
    data.counties.forEach(function (c) { byCode[c.code] = c; });
    const metricPicker = root.querySelector("[data-map-metric]");
    Promise.all(info.area.files.map(getJSON)).then(function (collections) {
      const features = [].concat.apply([], collections.map(function (c) { return c.features; }));
      const names = {};
      features.forEach(function (f) { names[f.id] = f.properties.label; });
      echarts.registerMap("area-" + info.area.code,
                          { type: "FeatureCollection", UTF8Encoding: true, features: features });
      function paint() {
        const metric = metricPicker ? metricPicker.value : "waiting";
        const layer = info.layers[metric];
        const covered = info.covered ? new Set(info.covered) : null;
        const items = features.map(function (f) {
          if (covered && !covered.has(f.id)) {
            return { name: f.id, value: null, outside: true,
                     itemStyle: { areaColor: info.outside_colour } };
          }
          const known = Object.prototype.hasOwnProperty.call(layer.values, f.id);
          const value = known ? layer.values[f.id] : (metric === "compliance" ? null : 0);
          const band = known ? layer.classes[f.id] : (metric === "compliance" ? null : 0);
          return { name: f.id, value: value, band: band,
                   itemStyle: { areaColor: band === null ? info.no_value_colour || "#e9ecef" : layer.bands[band].colour } };
        });
        target.setOption({
          title: { text: info.area.name + " · " + layer.label, left: "center", top: 0,
                   textStyle: { fontSize: 14 } },
          tooltip: { trigger: "item", formatter: function (p) {
            const v = p.data && p.data.value;
            if (p.data && p.data.outside) { return (names[p.name] || p.name) + ": " + info.outside; }
            return (names[p.name] || p.name) + ": " + (v === null || v === undefined ? info.no_value
              : v + (layer.unit === "%" ? "%" : " " + layer.unit));
          } },
          series: [{ type: "map", map: "area-" + info.area.code, roam: true, selectedMode: false,
                     top: 30, bottom: 10, data: items,
                     label: { show: info.area.level === "city", fontSize: 11,
                              formatter: function (p) { return names[p.name] || p.name; } },
                     emphasis: { label: { show: true, formatter: function (p) { return names[p.name] || p.name; } },
                                 itemStyle: { areaColor: "#ffe69c" } } }]
        }, true);
        const legend = root.querySelector("[data-map-legend]");
        legend.innerHTML = "";
        layer.bands.concat(metric === "compliance" ? [{ text: info.no_value, colour: "#e9ecef" }] : [])
          .concat(info.covered ? [{ text: info.outside, colour: info.outside_colour }] : [])
          .forEach(function (band) {
            const item = document.createElement("span");
            const swatch = document.createElement("span");
            swatch.className = "map-swatch";
            swatch.style.background = band.colour;
            item.appendChild(swatch);
            item.appendChild(document.createTextNode(band.text + (band.lo !== undefined && layer.unit === "%" ? "%" : "")));
            legend.appendChild(item);
          });
        target.getDom().dataset.mapMetric = metric;
        target.getDom().dataset.mapDrawn = info.area.code;
      }
      if (metricPicker) { metricPicker.addEventListener("change", paint); }
      paint();
      target.on("click", function (p) {
        if (!(p.data && p.data.outside)) { openCounty(p.name, names[p.name]); }
      });
    });
  }

  getJSON(root.dataset.url).then(function (data) {
    drawTrend(data);
    drawWaiting(data);
    drawCoverage(data);
    const picker = document.querySelector("[data-county-picker]");
    const card = root.querySelector("[data-county-card]");
    function openCounty(code, name) {
      const county = data.counties.find(function (c) { return c.code === code; }) ||
        { code: code, registered: 0, paired: 0, waiting: 0, coverage: null,
          vetted_volunteers: 0, overdue_pairs: 0 };
      card.hidden = false;
      card.dataset.county = code;
      card.querySelector("[data-county-name]").textContent = name || county.name;
      showFigures(card, "data-county-figure", county);
      if (picker && picker.querySelector("option[value='" + code + "']")) {
        picker.value = code;
      }
      loadScatter(code);
    }
    drawMap(data, openCounty);
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
