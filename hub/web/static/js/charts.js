// Time charts drawn with the vendored uPlot (the global `uPlot` from
// /static/vendor/uPlot.iife.min.js), sized to their container, their time axis in the
// city's time zone like the rest of the page.

import { cityTimeZone } from "./i18n.js";

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

/** A uPlot plugin shading the band [low, high] of the y scale (the cold-chain band). */
function bandPlugin(band) {
  return {
    hooks: {
      drawClear: [(plot) => {
        const value = band();
        if (!value) return;
        const { ctx } = plot;
        const top = plot.valToPos(value.high, "y", true);
        const bottom = plot.valToPos(value.low, "y", true);
        const { left, width } = plot.bbox;
        ctx.save();
        ctx.fillStyle = "rgba(17, 99, 41, 0.10)";
        ctx.fillRect(left, top, width, bottom - top);
        ctx.strokeStyle = "rgba(17, 99, 41, 0.6)";
        ctx.setLineDash([6, 4]);
        for (const y of [top, bottom]) {
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
        }
        ctx.restore();
      }],
    },
  };
}

/**
 * A line chart over time. `series` are labels (or {label, dash}); set(x, ...ys) takes x in
 * seconds since the epoch and one array per series. yRange: [min, max] to fix the axis,
 * or null for auto; xRange: a function giving the [from, to] seconds to show, or null
 * for the data's span; band: a function giving {low, high} to shade, or null.
 */
export function timeChart(element, { series, yLabel, yRange = null, xRange = null, points = false, band = null }) {
  const uPlot = globalThis.uPlot;
  const yScale = {};
  if (yRange) yScale.range = yRange;
  else if (band) {
    yScale.range = (plot, min, max) => {
      const b = band();
      const low = Math.min(min ?? Infinity, b ? b.low - 1 : Infinity);
      const high = Math.max(max ?? -Infinity, b ? b.high + 1 : -Infinity);
      return Number.isFinite(low) && Number.isFinite(high) ? [low, high] : [0, 1];
    };
  }
  const options = {
    width: widthOf(element),
    height: HEIGHT,
    series: [
      {},
      ...series.map((entry, index) => {
        const { label, dash } = typeof entry === "string" ? { label: entry } : entry;
        return {
          label,
          stroke: PALETTE[index % PALETTE.length],
          width: index === 0 ? 2.5 : 1.2,
          dash,
          points: { show: points },
          spanGaps: false,
        };
      }),
    ],
    axes: [{}, { label: yLabel, size: 60 }],
    scales: {
      x: { time: true, range: xRange ? (plot, min, max) => xRange() ?? spanOfData(plot, min, max) : spanOfData },
      y: yScale,
    },
    legend: { live: true },
    plugins: band ? [bandPlugin(band)] : [],
    tzDate: (seconds) => {
      const zone = cityTimeZone();
      return zone ? uPlot.tzDate(new Date(seconds * 1000), zone) : new Date(seconds * 1000);
    },
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
