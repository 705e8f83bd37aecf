/**
 * The results page chart: the survey's score per week, one line per journey stage (Chart.js, served
 * from the app). Lines differ by dash pattern and point shape as well as colour, and the same numbers
 * are in the table under the chart.
 */
(function () {
  "use strict";
  const canvas = document.getElementById("trend-chart");
  const source = document.getElementById("trend-data");
  if (!canvas || !source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const styles = [
    { color: "#14171c", dash: [], point: "circle" },
    { color: "#1f5fbf", dash: [6, 4], point: "rect" },
    { color: "#a4161a", dash: [2, 3], point: "triangle" },
    { color: "#1b6e3a", dash: [10, 4, 2, 4], point: "rectRot" },
    { color: "#8a5a00", dash: [12, 6], point: "star" },
  ];
  const nps = data.metric == "NPS";
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.weeks,
      datasets: data.series.map((s, i) => {
        const style = styles[i % styles.length];
        return {
          label: s.label,
          data: s.points.map((p) => p.value),
          borderColor: style.color,
          backgroundColor: style.color,
          borderDash: style.dash,
          pointStyle: style.point,
          pointRadius: 5,
          borderWidth: i == 0 ? 3 : 2,
          spanGaps: true,
        };
      }),
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: {
        y: { min: nps ? -100 : 0, max: 100, title: { display: true, text: data.metric } },
        x: { title: { display: true, text: "Week of" } },
      },
      plugins: {
        legend: { labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label(ctx) {
              const point = data.series[ctx.datasetIndex].points[ctx.dataIndex];
              return `${ctx.dataset.label}: ${point.value} (n=${point.n})`;
            },
          },
        },
      },
    },
  });
})();
