// Render every <div data-chart="id"> from the JSON in <script id="id" type="application/json">.
(function () {
  if (!window.echarts) { return; }
  function heatmap(el, spec) {
    if (!spec.rows.length) { el.textContent = "暂无党支部"; return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      textStyle: font,
      title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
      // Each point is [x, y, status value, the grid cell's text ("⚠ 2/6"), its note].
      tooltip: { formatter: function (p) { return echarts.format.encodeHTML(spec.rows[p.value[1]] + " · " + spec.labels[p.value[0]] + " " + (p.value[3] || "")) + "<br>" + echarts.format.encodeHTML(p.value[4] || spec.legend[p.value[2]]); } },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.labels, position: "top", axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "category", data: spec.rows, inverse: true, axisLabel: { interval: spec.rows.length > 60 ? "auto" : 0, fontSize: 11 } },
      visualMap: { show: false, type: "piecewise", dimension: 2, pieces: [{ value: 0, color: "#e03131" }, { value: 1, color: "#fab005" }, { value: 2, color: "#2f9e44" }] },
      series: [{ type: "heatmap", data: spec.data, itemStyle: { borderColor: "#fff", borderWidth: 1 }, progressive: 2000,
                 label: { show: spec.rows.length <= 60, fontSize: 11, formatter: function (p) { return p.value[3] || ""; } } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var palette = ["#b71c1c", "#d9480f", "#1864ab", "#2b8a3e", "#6c757d"];
  // Charts draw their text in the page's font (ECharts' default is a serif on many systems).
  var font = { fontFamily: getComputedStyle(document.body).fontFamily };
  function message(el, title, text) {
    el.innerHTML = '<div class="h-100 d-flex flex-column justify-content-center text-center text-muted small"><div class="fw-semibold mb-1"></div><div></div></div>';
    el.querySelector(".fw-semibold").textContent = title;
    el.querySelector(".fw-semibold + div").textContent = text;
  }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    if (spec.type === "heatmap") { heatmap(el, spec); return; }
    var points = [];
    spec.series.forEach(function (s) { s.data.forEach(function (v, i) { if (v !== null) { points.push([spec.labels[i], v]); } }); });
    if (!points.length) { message(el, spec.title, spec.empty || "暂无数据"); return; }
    if (spec.type === "line" && points.length === 1) {  // one dot is no trend: say the one value
      message(el, spec.title, points[0][0] + "：" + points[0][1] + (spec.unit || "") + "（有两期结果后显示趋势）");
      return;
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    var option = {
      textStyle: font,
      color: palette,
      title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", max: spec.max || null, minInterval: 1 },
      series: spec.series.map(function (s, i) {
        return { name: s.name, type: spec.type, data: s.data, connectNulls: true, label: { show: spec.type === "bar", position: "top" },
                 itemStyle: spec.type === "bar" && spec.labels.length === 4 ? { color: function (p) { return ["#2b8a3e", "#1864ab", "#d9480f", "#b71c1c"][p.dataIndex]; } } : undefined };
      })
    };
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
