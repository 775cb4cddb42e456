// The analytics page's charts, drawn with the vendored Chart.js from the numbers the page
// embeds (#analytics-data: the same tables the CSV exports give).
"use strict";

(function () {
  const data = document.getElementById("analytics-data");
  if (!data || typeof Chart === "undefined") return;
  const tables = JSON.parse(data.textContent);
  const colours = ["#2f6f4f", "#e0a33b", "#4a7fb5", "#b4505a", "#7a6fb0", "#5aa3a0", "#8c8c8c"];
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  // Which columns a chart draws: the first is the label, the rest are numbers unless listed here.
  const series = {
    outcomes: ["count"],
    handoff_reasons: ["count"],
    handoff_hours: ["in_support_hours", "outside_support_hours"],
    csat_distribution: ["ratings"],
    csat_trend: ["average"],
    agents: ["csat", "handoffs"],
    reply_times: ["mean_minutes", "median_minutes"],
    tickets: ["tickets"],
    ticket_replies: ["mean_hours", "median_hours"],
  };
  const label = (name) => name.replace(/_/g, " ");

  document.querySelectorAll("figure.chart").forEach((figure) => {
    const name = figure.dataset.chart;
    const table = tables[name];
    if (!table || !table.rows.length) {
      figure.querySelector(".chart-box").textContent = "Nothing in this period.";
      return;
    }
    const kind = figure.dataset.kind;
    const datasets = (series[name] || table.columns.slice(1)).map((column, i) => {
      const at = table.columns.indexOf(column);
      return {
        label: label(column),
        data: table.rows.map((row) => row[at]),
        backgroundColor: colours[i % colours.length],
        borderColor: colours[i % colours.length],
        yAxisID: name === "agents" && column === "handoffs" ? "right" : "y",
      };
    });
    const stacked = kind === "stacked";
    const scales = {
      x: { stacked, ticks: { autoSkip: true, maxRotation: 0 } },
      y: { stacked, beginAtZero: true },
    };
    if (name === "agents") scales.right = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
    new Chart(figure.querySelector("canvas"), {
      type: kind === "line" ? "line" : "bar",
      data: { labels: table.rows.map((row) => String(row[0])), datasets },
      options: {
        indexAxis: kind === "hbar" ? "y" : "x",
        responsive: true,
        plugins: { legend: { display: datasets.length > 1, position: "bottom" } },
        scales: kind === "hbar" ? { x: { beginAtZero: true }, y: { ticks: { autoSkip: false } } } : scales,
      },
    });
  });
})();
