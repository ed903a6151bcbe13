// Time charts drawn with the vendored uPlot (the global `uPlot` from
// /static/vendor/uPlot.iife.min.js), sized to their container.

const PALETTE = ["#0b5cad", "#b35900", "#116329", "#8250df"];
const HEIGHT = 240;

function widthOf(element) {
  return Math.max(element.clientWidth, 280);
}

/** The data's own time span, widened to a minute either side of a lone sample. */
function spanOfData(plot, min, max) {
  if (min === null || max === null) {
    const now = Date.now() / 1000;
    return [now - 3600, now];
  }
  return min === max ? [min - 60, max + 60] : [min, max];
}

/**
 * A line chart over time. `series` are labels; set(x, ...ys) takes x in seconds since the
 * epoch and one array per series. yRange: [min, max] to fix the axis, or null for auto;
 * xRange: a function giving the [from, to] seconds to show, or null for the data's span.
 */
export function timeChart(element, { series, yLabel, yRange = null, xRange = null, points = false }) {
  const uPlot = globalThis.uPlot;
  const options = {
    width: widthOf(element),
    height: HEIGHT,
    series: [
      {},
      ...series.map((label, index) => ({
        label,
        stroke: PALETTE[index % PALETTE.length],
        width: index === 0 ? 2.5 : 1.5,
        points: { show: points },
        spanGaps: true,
      })),
    ],
    axes: [{}, { label: yLabel, size: 60 }],
    scales: {
      x: { time: true, range: xRange ? (plot, min, max) => xRange() ?? spanOfData(plot, min, max) : spanOfData },
      y: yRange ? { range: yRange } : {},
    },
    legend: { live: true },
  };
  const empty = [[], ...series.map(() => [])];
  const plot = new uPlot(options, empty, element);
  const resize = new ResizeObserver(() => plot.setSize({ width: widthOf(element), height: HEIGHT }));
  resize.observe(element);
  return {
    set(x, ...ys) {
      plot.setData([x, ...ys]);
    },
    destroy() {
      resize.disconnect();
      plot.destroy();
    },
  };
}
