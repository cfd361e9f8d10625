// Draws the dashboard's charts from the JSON the page carries (no inline script, no CDN); the
// series' names come in it, in the reader's language.
(() => {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const palette = ["#0d6efd", "#dc3545", "#ffc107", "#198754", "#6f42c1", "#20c997",
                   "#fd7e14", "#6c757d", "#0dcaf0"];
  const series = (named, colours = palette) => Object.entries(named).map(([label, values], i) => ({
    label, data: values, backgroundColor: colours[i % colours.length],
    borderColor: colours[i % colours.length],
  }));
  const targetColours = ["#198754", "#ffc107", "#dc3545"]; // on track, due soon, breached
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) {
      canvas.chart = new Chart(canvas, { ...config, options: {
        responsive: true, maintainAspectRatio: true, animation: false, ...config.options } });
    }
  };
  draw("chart-staff", { type: "bar", data: { labels: data.staff.labels,
    datasets: series(data.staff.series) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  draw("chart-complaints", { type: "bar", data: { labels: data.complaints.labels,
    datasets: series(data.complaints.series, targetColours) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  draw("chart-times", { type: "line", data: { labels: data.times.labels,
    datasets: series(data.times.series) },
    options: { spanGaps: true, scales: { y: { beginAtZero: true } } } });
  draw("chart-quality", { type: "line", data: { labels: data.quality.labels,
    datasets: series(data.quality.series) },
    options: { spanGaps: true, scales: { y: { suggestedMin: -100, suggestedMax: 100 } } } });
  draw("chart-nps", { type: "line", data: { labels: data.nps.labels,
    datasets: series(data.nps.series) },
    options: { spanGaps: true, scales: { y: { suggestedMin: -100, suggestedMax: 100 } } } });
  draw("chart-causes", { type: "bar", data: { labels: data.causes.labels,
    datasets: series(data.causes.series) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
  draw("chart-kinds", { type: "bar", data: { labels: data.kinds.labels,
    datasets: series(data.kinds.series) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } });
})();
