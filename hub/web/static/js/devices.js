// Device search (id or name, kind) and the detail panel: facts and presence, the twin's
// reported and desired state with versions, one metric over the last day, recent events.

import { api, ApiError, describe } from "./api.js";
import { timeChart } from "./charts.js";
import { $, h, timeElement, timeText } from "./dom.js";

const PAGE = 50;
const RAW_LIMIT = 2000;
const EVENTS = 20;
const DAY_MS = 24 * 3600 * 1000;

export class Devices {
  constructor({ onError }) {
    this.onError = onError;
    this.current = null; // the device id shown in the detail panel
    this.detail = null;
    this.chart = null;
    this.window = null; // [since, until] of the telemetry shown, in seconds
    this.loading = null; // AbortController of the detail being loaded
  }

  async search(q, kind) {
    const page = await api("/api/v1/devices", { params: { q, kind, limit: PAGE } });
    const rows = page.items.map((device) => h("tr",
      { dataset: { deviceId: device.id }, class: device.id === this.current ? "selected" : "" },
      h("td", {}, h("a", { href: `#device=${encodeURIComponent(device.id)}` }, device.id)),
      h("td", {}, device.name),
      h("td", {}, device.kind),
      h("td", { class: device.online ? "online" : "offline" }, device.online ? "online" : "offline"),
      h("td", {}, timeElement(device.last_seen_ms)),
      h("td", {}, device.path)));
    $("#results-table tbody").replaceChildren(...rows);
    $("#results-table").hidden = rows.length === 0;
    const more = page.next_cursor ? `; showing the first ${PAGE}, narrow the search for more` : "";
    $("#results-note").textContent = rows.length
      ? `${rows.length} device${rows.length === 1 ? "" : "s"}${more}.`
      : "No device in your scope matches.";
  }

  /** Show one device; a 404 (unknown or outside the scope) is said in the panel. */
  async open(id) {
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    this.current = id;
    $("#detail").hidden = false;
    $("#detail-h").textContent = `Device ${id}`;
    for (const row of document.querySelectorAll("#results-table tr[data-device-id]")) {
      row.classList.toggle("selected", row.dataset.deviceId === id);
    }
    try {
      const path = `/api/v1/devices/${encodeURIComponent(id)}`;
      this.detail = await api(path, { signal: controller.signal });
      this.renderDetail();
      $("#detail-error").hidden = true;
      $("#detail-body").hidden = false;
      await Promise.all([this.loadTelemetry(controller.signal), this.loadEvents(controller.signal)]);
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error instanceof ApiError && error.status === 404) {
        this.detail = null;
        $("#detail-body").hidden = true;
        $("#detail-error").textContent = describe(error);
        $("#detail-error").hidden = false;
        return;
      }
      this.onError(error);
    }
    $("#detail").scrollIntoView({ block: "nearest" });
  }

  close() {
    this.loading?.abort();
    this.current = null;
    this.detail = null;
    this.chart?.destroy();
    this.chart = null;
    $("#detail").hidden = true;
  }

  renderDetail() {
    const d = this.detail;
    $("#detail-h").textContent = `${d.name} (${d.id})`;
    const presence = d.presence.online
      ? h("span", { class: "online" }, "online", d.presence.since_ms ? ` since ${timeText(d.presence.since_ms)}` : "")
      : h("span", { class: "offline" }, `offline (${d.presence.reason})`,
        d.presence.since_ms ? ` since ${timeText(d.presence.since_ms)}` : "");
    const facts = [
      ["State", presence],
      ["Last seen", timeElement(d.last_seen_ms)],
      ["Kind", d.kind],
      ["Model", `${d.vendor} ${d.model}`],
      ["Firmware", `${d.firmware_version} (${d.protocol})`],
      ["Place", d.path],
      ["Enabled", d.enabled ? "yes" : "no"],
    ];
    $("#detail-facts").replaceChildren(...facts.flatMap(([term, value]) =>
      [h("dt", {}, term), h("dd", { dataset: { fact: term.toLowerCase().replace(" ", "-") } }, value)]));
    $("#reported-version").textContent = String(d.twin.reported_version);
    $("#desired-version").textContent = String(d.twin.desired_version);
    $("#twin-reported").textContent = JSON.stringify(d.twin.reported, null, 2);
    $("#twin-desired").textContent = JSON.stringify(d.twin.desired, null, 2);
    const select = $("#metric");
    const chosen = d.metrics.includes(select.value) ? select.value : d.metrics[0];
    select.replaceChildren(...d.metrics.map((m) => h("option", { value: m, selected: m === chosen }, m)));
    select.disabled = d.metrics.length === 0;
  }

  /** The chosen metric over the last day: raw points, or minute means if there are many. */
  async loadTelemetry(signal) {
    const metric = $("#metric").value;
    const id = this.current;
    if (!metric) {
      $("#telemetry-note").textContent = "This device has no stored telemetry.";
      this.chart?.set([], []);
      return;
    }
    const path = `/api/v1/devices/${encodeURIComponent(id)}/telemetry`;
    const since = String(Date.now() - DAY_MS);
    let body = await api(path, { params: { metric, since, limit: RAW_LIMIT }, signal });
    let x;
    let y;
    let note;
    if (body.truncated) {
      body = await api(path, { params: { metric, since, bucket: "minute", limit: 1500 }, signal });
      x = body.buckets.map((b) => b.start_ms / 1000);
      y = body.buckets.map((b) => b.mean);
      note = `${body.buckets.length} minute means`;
    } else {
      x = body.points.map((p) => p.ts_ms / 1000);
      y = body.points.map((p) => p.value);
      note = `${body.points.length} point${body.points.length === 1 ? "" : "s"}`;
    }
    if (id !== this.current) return;
    this.window = [body.since_ms / 1000, body.until_ms / 1000];
    if (this.chart?.metric !== metric) {
      this.chart?.destroy();
      this.chart = timeChart($("#telemetry-chart"), {
        series: [metric], yLabel: metric, points: true, xRange: () => this.window,
      });
      this.chart.metric = metric;
    }
    this.chart.set(x, y);
    $("#telemetry-note").textContent = note;
  }

  async loadEvents(signal) {
    const id = this.current;
    const path = `/api/v1/devices/${encodeURIComponent(id)}/events`;
    const page = await api(path, { params: { limit: EVENTS }, signal });
    if (id !== this.current) return;
    $("#events-table tbody").replaceChildren(...page.items.map((event) => h("tr", {},
      h("td", {}, timeElement(event.ts_ms)),
      h("td", {}, event.type),
      h("td", {}, h("code", {}, JSON.stringify(event.data))))));
    $("#events-table").hidden = page.items.length === 0;
    $("#events-empty").hidden = page.items.length !== 0;
  }

  /** Reload what the device shows after something happened to it. */
  async reload() {
    if (!this.current || !this.detail) return;
    const path = `/api/v1/devices/${encodeURIComponent(this.current)}`;
    this.detail = await api(path);
    this.renderDetail();
    await this.loadEvents();
  }
}
