// The chart of a named-query page: bar and timeline with Chart.js, network with Cytoscape.
// The data comes ready-made from the server (mdkg.web._charts) in #mdkg-chart-data.
(function () {
  "use strict";
  var spec = JSON.parse(document.getElementById("mdkg-chart-data").textContent);
  var palette = ["#1f5fa8", "#c0392b", "#1e8449", "#d68910", "#7b3fa0", "#5d6d7e", "#b7950b"];
  var DAY = 86400000;

  function utc(day) { return Date.parse(day + "T00:00:00Z"); }
  function isoDay(ms) { return new Date(ms).toISOString().slice(0, 10); }

  function bar() {
    return new Chart(document.getElementById("query-chart"), {
      type: "bar",
      data: {
        labels: spec.categories,
        datasets: spec.series.map(function (series, i) {
          return { label: series.name, data: series.values, backgroundColor: palette[i % palette.length] };
        }),
      },
      options: {
        maintainAspectRatio: false, animation: false,
        // Many bars, or long names, read better as rows.
        indexAxis: spec.categories.length > 8 || spec.categories.some(function (c) { return c.length > 24; })
          ? "y" : "x",
        plugins: { legend: { display: spec.series.length > 1 } },
      },
    });
  }

  function timeline() {
    // Each point is a span from the first to the last day its date may mean: a day is a dot,
    // a month or a year a bar, so no day is made up for a date the source gives to the month.
    var lanes = spec.lanes;
    var data = spec.points.map(function (p) {
      var start = utc(p.start), end = utc(p.end) + DAY;
      return { x: [start, end], y: p.lane, point: p };
    });
    var xs = data.reduce(function (all, d) { return all.concat(d.x); }, []);
    var pad = Math.max(DAY * 3, (Math.max.apply(null, xs) - Math.min.apply(null, xs)) * 0.05);
    return new Chart(document.getElementById("query-chart"), {
      type: "bar",
      data: {
        labels: lanes,
        datasets: [{
          data: data, backgroundColor: data.map(function (d) {
            return palette[lanes.indexOf(d.y) % palette.length];
          }),
          minBarLength: 6, barPercentage: 0.5, categoryPercentage: 0.9,
          grouped: false,
        }],
      },
      options: {
        indexAxis: "y", maintainAspectRatio: false, animation: false,
        parsing: { xAxisKey: "x", yAxisKey: "y" },
        scales: {
          x: { type: "linear", min: Math.min.apply(null, xs) - pad, max: Math.max.apply(null, xs) + pad,
               ticks: { callback: function (value) { return isoDay(value); }, maxRotation: 0 } },
          y: { type: "category", labels: lanes },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: {
            title: function (items) { return items[0].raw.point.label; },
            label: function (item) {
              var p = item.raw.point;
              return p.date + (p.precision === "day" ? "" : " (to the " + p.precision + ")");
            },
          } },
        },
        onClick: function (event, elements) {
          if (elements.length && data[elements[0].index].point.href) {
            window.location.href = data[elements[0].index].point.href;
          }
        },
      },
    });
  }

  function network() {
    var groups = {};
    spec.groups.forEach(function (g, i) { groups[g] = palette[i % palette.length]; });
    var cy = cytoscape({
      container: document.getElementById("query-network"),
      elements: spec.nodes.map(function (n) { return { group: "nodes", data: n }; }).concat(
        spec.edges.map(function (e, i) {
          return { group: "edges", data: { id: "e" + i, source: e.source, target: e.target } };
        })),
      style: [
        { selector: "node", style: {
          "background-color": function (n) { return groups[n.data("group")] || "#888"; },
          "label": "data(label)", "font-size": 9, "text-valign": "bottom", "text-margin-y": 3,
          "width": 16, "height": 16,
        } },
        { selector: "edge", style: { "width": 1.2, "line-color": "#b9c0cc", "curve-style": "bezier" } },
      ],
      layout: { name: "cose", animate: false, nodeRepulsion: 8000, idealEdgeLength: 60, padding: 15 },
      });
    cy.on("tap", "node", function (event) {
      var href = event.target.data("href");
      if (href) window.location.href = href;
    });
    return cy;
  }

  // Kept on the page for whoever wants to look further from the console (and for the browser tests).
  window.mdkgChart = ({ bar: bar, timeline: timeline, network: network })[spec.type]();
})();
