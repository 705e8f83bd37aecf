/* Gapwise dashboard charts: every <canvas data-chart="ID"> is drawn with Chart.js from the JSON data block
 * <script type="application/json" id="ID"> (a data block is never executed, so the CSP allows it).
 *
 * The JSON is a Chart.js configuration, plus a few declarative extras (JSON cannot carry functions):
 *   dataset.gwLabels   text drawn next to each point or bar end (strings, same order as data; null skips)
 *   dataset.gwTooltip  tooltip text of each point (strings, same order as data)
 *   scale.ticks.gwSuffix  text appended to every tick ("%")
 * Labels are drawn on the canvas (never as HTML), so user text in them stays text.
 * Used by several dashboard pages; read-only for them.
 */
(function () {
  "use strict";
  if (!window.Chart) { return; }

  var FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  function overlaps(box, boxes) {
    return boxes.some(function (b) {
      return box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h;
    });
  }

  // Text next to each point (scatter, line) or at the end of each bar; beside the point where it covers no other label.
  var labelsPlugin = {
    id: "gwLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx, drawn = [], horizontal = chart.options.indexAxis === "y";
      ctx.save();
      ctx.font = FONT;
      ctx.fillStyle = "#14171c";
      ctx.textBaseline = "middle";
      chart.data.datasets.forEach(function (dataset, i) {
        if (!dataset.gwLabels || !chart.isDatasetVisible(i)) { return; }
        chart.getDatasetMeta(i).data.forEach(function (element, j) {
          var text = dataset.gwLabels[j];
          if (text === null || text === undefined || element.skip) { return; }
          var width = ctx.measureText(text).width, x, y, candidates;
          if (chart.config.type === "bar") {
            x = horizontal ? element.x + 6 : element.x - width / 2;
            y = horizontal ? element.y : element.y - 10;
            candidates = [[x, y]];
          } else {  // beside the point: right, right above, right below, then the same on the left
            x = element.x;
            y = element.y;
            candidates = [[x + 10, y], [x + 10, y - 14], [x + 10, y + 14],
                          [x - 10 - width, y], [x - 10 - width, y - 14], [x - 10 - width, y + 14]];
          }
          var boxes = candidates.map(function (c) {
            var left = Math.max(chart.chartArea.left, Math.min(c[0], chart.width - width - 2));
            return {x: left, y: c[1] - 8, w: width, h: 16};
          });
          var box = boxes.filter(function (b) { return !overlaps(b, drawn); })[0] || boxes[0];
          drawn.push(box);
          ctx.fillText(text, box.x, box.y + 8);
        });
      });
      ctx.restore();
    }
  };

  function withExtras(config) {
    var options = config.options = config.options || {};
    if (options.animation === undefined) { options.animation = false; }  // instant, and kinder to reduced motion
    options.responsive = true;
    options.maintainAspectRatio = false;
    Object.keys(options.scales || {}).forEach(function (name) {
      var ticks = options.scales[name].ticks;
      if (ticks && ticks.gwSuffix) {
        var suffix = ticks.gwSuffix;
        ticks.callback = function (value) { return value + suffix; };
      }
    });
    var plugins = options.plugins = options.plugins || {};
    var tooltip = plugins.tooltip = plugins.tooltip || {};
    tooltip.callbacks = {
      label: function (item) {
        var texts = item.dataset.gwTooltip;
        if (texts && texts[item.dataIndex]) { return texts[item.dataIndex]; }
        return item.dataset.label + ": " + item.formattedValue;
      }
    };
    config.plugins = [labelsPlugin];
    return config;
  }

  function draw(canvas) {
    var block = document.getElementById(canvas.getAttribute("data-chart"));
    if (!block || window.Chart.getChart(canvas)) { return; }
    try {
      new window.Chart(canvas, withExtras(JSON.parse(block.textContent)));
    } catch (error) {
      canvas.setAttribute("data-chart-error", String(error));
    }
  }

  function drawAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("canvas[data-chart]"), draw);
  }

  window.gapwiseCharts = {drawAll: drawAll};
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
}());
