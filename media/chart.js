// Loss chart webview: draws the points the extension posts (see src/ui/chartPanel.ts, ChartMessage) with uPlot.
// @ts-check
(function () {
  const chartElement = document.getElementById('chart');
  const titleElement = document.getElementById('title');
  const liveElement = document.getElementById('live');
  const emptyElement = document.getElementById('empty');
  const checkpointKeyElement = document.getElementById('checkpoint-key');
  const backupKeyElement = document.getElementById('backup-key');

  /** @type {{ step: number, loss?: number, metrics?: Record<string, number> }[]} */
  let points = [];
  /** @type {{ kind: 'checkpoint' | 'backup', step: number }[]} */
  let markers = [];
  /** @type {Record<string, string>} */
  let labels = {};
  /** @type {any} */
  let plot;

  function cssVariable(name, fallback) {
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  /** Metric names found in the points, in order of first appearance. */
  function metricNames() {
    const names = [];
    for (const point of points) {
      for (const name of Object.keys(point.metrics || {})) {
        if (!names.includes(name)) {
          names.push(name);
        }
      }
    }
    return names;
  }

  /** Columns for uPlot: steps ascending, then loss, then one column per metric; gaps are null. */
  function columns(names) {
    const byStep = new Map();
    for (const point of points) {
      const row = byStep.get(point.step) || { loss: null, metrics: {} };
      if (point.loss !== undefined && point.loss !== null) {
        row.loss = point.loss;
      }
      Object.assign(row.metrics, point.metrics || {});
      byStep.set(point.step, row);
    }
    const steps = [...byStep.keys()].sort((a, b) => a - b);
    const data = [steps, steps.map((step) => byStep.get(step).loss)];
    for (const name of names) {
      data.push(steps.map((step) => {
        const value = byStep.get(step).metrics[name];
        return value === undefined ? null : value;
      }));
    }
    return data;
  }

  /** uPlot hook that draws a vertical line at every saved step: solid for checkpoints, dashed for backups. */
  function drawMarkers(u) {
    const context = u.ctx;
    const top = u.bbox.top;
    const height = u.bbox.height;
    context.save();
    context.lineWidth = window.devicePixelRatio;
    for (const marker of markers) {
      const x = Math.round(u.valToPos(marker.step, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) {
        continue;
      }
      context.strokeStyle = marker.kind === 'checkpoint'
        ? cssVariable('--vscode-charts-blue', '#3794ff')
        : cssVariable('--vscode-charts-orange', '#d18616');
      context.setLineDash(marker.kind === 'checkpoint' ? [] : [4 * window.devicePixelRatio, 4 * window.devicePixelRatio]);
      context.beginPath();
      context.moveTo(x, top);
      context.lineTo(x, top + height);
      context.stroke();
    }
    context.restore();
  }

  function render() {
    const names = metricNames();
    const hasValues = points.length > 0;
    emptyElement.hidden = hasValues;
    emptyElement.textContent = labels.empty || '';
    if (plot) {
      plot.destroy();
      plot = undefined;
    }
    if (!hasValues) {
      return;
    }

    const foreground = cssVariable('--vscode-foreground', '#ccc');
    const grid = cssVariable('--vscode-editorWidget-border', '#444');
    const palette = ['--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-charts-red'];
    const axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    // Losses share the left axis. Other metrics (accuracy, F1, ...) have another range, so they get the right one.
    const scaleOf = (name) => (name.endsWith('loss') ? 'y' : 'metric');
    const hasOtherMetrics = names.some((name) => scaleOf(name) === 'metric');
    const axes = [{ ...axis, label: labels.step }, { ...axis, label: labels.loss }];
    if (hasOtherMetrics) {
      axes.push({
        ...axis,
        scale: 'metric',
        side: 1,
        grid: { show: false },
        label: labels.metric,
        // uPlot's default labels round to the tick step's decimals; four significant digits tell close ticks apart.
        values: (u, splits) => splits.map((value) => String(Number(value.toPrecision(4)))),
      });
    }

    const options = {
      width: Math.max(300, chartElement.clientWidth),
      height: Math.max(240, window.innerHeight - 90),
      scales: { x: { time: false } },
      axes,
      series: [
        { label: labels.step },
        { label: labels.loss, stroke: cssVariable('--vscode-charts-blue', '#3794ff'), width: 2, spanGaps: true },
        ...names.map((name, index) => ({
          label: name,
          scale: scaleOf(name),
          stroke: cssVariable(palette[index % palette.length], '#89d185'),
          width: 2,
          spanGaps: true,
          points: { show: true },
        })),
      ],
      hooks: { draw: [drawMarkers] },
    };

    // @ts-ignore uPlot is a global from uPlot.iife.min.js.
    plot = new uPlot(options, columns(names), chartElement);
  }

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'data') {
      points = message.points;
      markers = message.markers;
      labels = message.labels;
      titleElement.textContent = message.title;
      liveElement.textContent = message.live ? '● ' + labels.live : '';
      checkpointKeyElement.textContent = labels.checkpoint;
      backupKeyElement.textContent = labels.backup;
      render();
    } else if (message.type === 'append') {
      const namesBefore = metricNames().length;
      points.push(message.point);
      if (plot && metricNames().length === namesBefore) {
        plot.setData(columns(metricNames()));
      } else {
        render();
      }
    } else if (message.type === 'live') {
      liveElement.textContent = message.live ? '● ' + labels.live : '';
    } else if (message.type === 'marker') {
      markers.push(message.marker);
      if (plot) {
        plot.redraw(false);
      }
    }
  });

  window.addEventListener('resize', () => {
    if (plot) {
      plot.setSize({ width: Math.max(300, chartElement.clientWidth), height: Math.max(240, window.innerHeight - 90) });
    }
  });
})();
