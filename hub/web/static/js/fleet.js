// The fleet panel: devices online by kind, active alarms by severity, message rate, and
// the online share over time. Fed by polling the summary and by live presence events
// (each moves the kind's online count at once; the next summary corrects any drift).

import { api } from "./api.js";
import { timeChart } from "./charts.js";
import { $, h, percent, timeText } from "./dom.js";

export const KINDS = ["locker", "vending", "door"];
const SEVERITIES = ["critical", "major", "minor", "warning"];
const MAX_POINTS = 720; // an hour of 5-second samples

export class Fleet {
  constructor() {
    this.summary = null;
    this.updatedMs = null;
    this.chart = null;
    this.samples = { x: [], all: [], ...Object.fromEntries(KINDS.map((k) => [k, []])) };
  }

  async refresh() {
    this.summary = await api("/api/v1/fleet/summary");
    this.updatedMs = Date.now();
    this.render();
    this.sample(this.updatedMs);
    return this.summary;
  }

  /** A live presence event: {device_id, ts_ms, data: {kind, online, reason}}. */
  onPresence(event) {
    const counts = this.summary?.devices?.[event.data.kind];
    if (!counts) return;
    const online = counts.online + (event.data.online ? 1 : -1);
    counts.online = Math.min(Math.max(online, 0), counts.total);
    this.render();
    this.sample(Math.max(event.ts_ms || 0, Date.now()));
  }

  render() {
    const { devices, alarms_by_severity: alarms, messages_per_second: rate } = this.summary;
    const rows = KINDS.filter((kind) => devices[kind]).map((kind) => {
      const { online, total } = devices[kind];
      return h("tr", { dataset: { kind } },
        h("th", { scope: "row" }, kind),
        h("td", { class: "num online-count" }, String(online)),
        h("td", { class: "num total-count" }, String(total)),
        h("td", { class: "num" }, percent(online, total)));
    });
    const totals = this.totals();
    rows.push(h("tr", { dataset: { kind: "all" } },
      h("th", { scope: "row" }, "all kinds"),
      h("td", { class: "num online-count" }, String(totals.online)),
      h("td", { class: "num total-count" }, String(totals.total)),
      h("td", { class: "num" }, percent(totals.online, totals.total))));
    $("#fleet-table tbody").replaceChildren(...rows);
    $("#rate").textContent = rate.toFixed(rate < 10 ? 2 : 0);
    $("#fleet-updated").textContent = timeText(this.updatedMs);
    const known = [...SEVERITIES, ...Object.keys(alarms).filter((s) => !SEVERITIES.includes(s))];
    $("#severity").replaceChildren(...known.map((severity) =>
      h("li", { dataset: { severity }, class: alarms[severity] ? `sev-${severity}` : "" },
        `${severity} `, h("span", { class: "count" }, String(alarms[severity] ?? 0)))));
  }

  totals() {
    const counts = Object.values(this.summary.devices);
    return {
      online: counts.reduce((sum, c) => sum + c.online, 0),
      total: counts.reduce((sum, c) => sum + c.total, 0),
    };
  }

  sample(ms) {
    const share = (online, total) => (total ? (100 * online) / total : null);
    const s = this.samples;
    const totals = this.totals();
    s.x.push(ms / 1000);
    s.all.push(share(totals.online, totals.total));
    for (const kind of KINDS) {
      const counts = this.summary.devices[kind];
      s[kind].push(counts ? share(counts.online, counts.total) : null);
    }
    if (s.x.length > MAX_POINTS) for (const list of Object.values(s)) list.shift();
    if (!this.chart) {
      this.chart = timeChart($("#share-chart"), {
        series: ["all kinds", ...KINDS],
        yLabel: "% online",
        yRange: [0, 100],
        points: true,
      });
    }
    this.chart.set(s.x, s.all, ...KINDS.map((kind) => s[kind]));
  }

  reset() {
    this.chart?.destroy();
    this.chart = null;
    this.summary = null;
    for (const list of Object.values(this.samples)) list.length = 0;
  }
}
