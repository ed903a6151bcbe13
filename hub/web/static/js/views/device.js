// One device: where it is, its facts, its kind as it is (a locker's compartments, a
// vending machine's cabinet and slots, a door's access log: views/kinds/*.js), its
// commands, one metric over a range, its recent events and, folded, its raw twin.

import { api, ApiError, describe } from "../api.js";
import { timeChart } from "../charts.js";
import { commandButton } from "../commands.js";
import { card, h, table, timeElement } from "../dom.js";
import { fmt, t, word } from "../i18n.js";
import door from "./kinds/door.js";
import locker from "./kinds/locker.js";
import vending from "./kinds/vending.js";
import { trail } from "./place.js";

const PANELS = { locker, vending, door };
const RANGES = ["1h", "24h", "7d", "30d"];
const EVENTS = 20;

function facts(device) {
  const presence = device.presence;
  const since = presence.since_ms ? ` ${t("device.since", { time: fmt.when(presence.since_ms) })}` : "";
  const state = presence.online
    ? h("span", { class: "online" }, t("common.online"), since)
    : h("span", { class: "offline" }, `${t("common.offline")} (${word("reason", presence.reason)})`, since);
  const rows = [
    ["state", t("device.state"), state],
    ["last-seen", t("device.lastSeen"), timeElement(device.last_seen_ms)],
    ["kind", t("search.kind"), word("kind", device.kind)],
    ["model", t("device.model"), `${device.vendor} ${device.model}`],
    ["firmware", t("device.firmware"), `${device.firmware_version} (${device.protocol})`],
    ["place", t("device.place"), device.path],
    ["enabled", t("device.enabled"), t(device.enabled ? "common.yes" : "common.no")],
  ];
  return h("dl", { class: "facts", id: "detail-facts" },
    rows.flatMap(([key, term, value]) => [h("dt", {}, term), h("dd", { dataset: { fact: key } }, value)]));
}

function commands(device, done) {
  const name = device.name;
  const buttons = [];
  if (device.kind === "locker" || device.kind === "vending") {
    buttons.push(...commandButton({
      done,
      id: "reboot",
      text: t("command.reboot"),
      deviceId: device.id,
      body: { name: "reboot", timeout_s: 30 },
      question: t("command.rebootAsk", { name }),
    }));
  }
  if (device.kind === "vending") {
    const input = h("input", { type: "number", id: "setpoint-input", min: "0", max: "15", step: "0.5", value: "4" });
    const label = h("label", { for: "setpoint-input" }, t("vending.setpointLabel"));
    buttons.push(...commandButton({
      done,
      id: "set-temperature",
      text: t("command.setTemperature"),
      deviceId: device.id,
      body: () => ({ name: "set_temperature", setpoint_c: Number(input.value) }),
      question: t("command.setAsk", { name, value: "…" }),
      extra: [label, " ", input],
      check: () => input.reportValidity(),
    }));
  }
  if (device.kind === "door") {
    buttons.push(...commandButton({
      done,
      id: "unlock",
      text: t("command.unlock"),
      deviceId: device.id,
      body: { name: "unlock", pulse_ms: 5000 },
      question: t("command.unlockAsk", { name, s: 5 }),
    }));
  }
  return buttons.length ? card("commands", t("device.commands"), h("div", { class: "actions" }, buttons)) : null;
}

class Telemetry {
  constructor(device, band) {
    this.device = device;
    this.band = band; // () => {low, high} or null, for the cabinet temperature
    this.range = "24h";
    this.chosen = false; // the operator picked a range: keep it
    this.chart = null;
    this.window = null;
    this.select = h("select", { id: "metric", onchange: () => this.load() },
      device.metrics.map((m) => h("option", { value: m }, m)));
    const preferred = ["cabinet_temp_c", "occupied_count", "door_open"].find((m) => device.metrics.includes(m));
    if (preferred) this.select.value = preferred;
    this.select.disabled = !device.metrics.length;
    this.buttons = RANGES.map((range) => h("button", {
      type: "button", class: "range", dataset: { range }, "aria-pressed": String(range === this.range),
      onclick: () => { this.range = range; this.chosen = true; this.load(); },
    }, t(`range.${range}`)));
    this.note = h("span", { id: "telemetry-note", class: "muted", role: "status" });
    this.box = h("div", { id: "telemetry-chart", class: "chart", role: "img", "aria-label": t("device.telemetry") });
  }

  element() {
    return card("telemetry", t("device.telemetry"),
      h("div", { class: "controls" },
        h("label", { for: "metric" }, t("device.metric")), this.select,
        h("span", { role: "group", "aria-label": t("device.range"), class: "ranges" }, this.buttons),
        this.note),
      this.box);
  }

  async load() {
    for (const b of this.buttons) b.setAttribute("aria-pressed", String(b.dataset.range === this.range));
    const metric = this.select.value;
    if (!metric) {
      this.note.textContent = t("device.noTelemetry");
      return;
    }
    let body = await api(`/api/v1/devices/${encodeURIComponent(this.device.id)}/series`,
      { params: { metric, range: this.range } });
    if (!this.chosen && this.range === "24h" && body.points.length < 12) {
      // A device with less than two hours of data: its last hour says more.
      this.range = "1h";
      for (const b of this.buttons) b.setAttribute("aria-pressed", String(b.dataset.range === this.range));
      body = await api(`/api/v1/devices/${encodeURIComponent(this.device.id)}/series`,
        { params: { metric, range: this.range } });
    }
    if (metric !== this.select.value) return;
    this.window = [body.since_ms / 1000, body.until_ms / 1000];
    const label = body.unit && body.unit !== "count" && body.unit !== "on" ? `${metric} (${body.unit})` : metric;
    if (this.chart?.metric !== metric) {
      this.chart?.destroy();
      const withBand = metric === "cabinet_temp_c" ? this.band : null;
      this.chart = timeChart(this.box, {
        series: [label, { label: "min", dash: [4, 4] }, { label: "max", dash: [4, 4] }],
        yLabel: body.unit, points: body.points.length < 3, xRange: () => this.window, band: withBand,
      });
      this.chart.metric = metric;
    }
    const x = body.points.map((p) => p.start_ms / 1000);
    this.chart.set(x, body.points.map((p) => p.mean), body.points.map((p) => p.min), body.points.map((p) => p.max));
    this.note.textContent = t("device.points", {
      n: fmt.number(body.points.length), width: fmt.duration(body.bucket_ms / 1000),
    });
    this.note.dataset.count = String(body.points.length);
  }

  destroy() {
    this.chart?.destroy();
  }
}

function shorten(text, length = 160) {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

async function events(device) {
  const page = await api(`/api/v1/devices/${encodeURIComponent(device.id)}/events`, { params: { limit: EVENTS } });
  if (!page.items.length) return h("p", { class: "muted", id: "events-empty" }, t("device.noEvents"));
  return table("events-table", [t("device.time"), t("device.type"), t("device.data")],
    page.items.map((event) => h("tr", { dataset: { type: event.type } },
      h("td", {}, timeElement(event.ts_ms)),
      h("td", {}, event.type),
      h("td", {}, h("code", {}, shorten(JSON.stringify(event.data)))))));
}

function twin(device) {
  return h("details", { class: "card", id: "twin" },
    h("summary", {}, t("device.twin")),
    h("div", { class: "twin" },
      h("div", {}, h("h3", {}, t("device.reportedVersion", { v: device.twin.reported_version })),
        h("pre", { id: "twin-reported" }, JSON.stringify(device.twin.reported, null, 2))),
      h("div", {}, h("h3", {}, t("device.desiredVersion", { v: device.twin.desired_version })),
        h("pre", { id: "twin-desired" }, JSON.stringify(device.twin.desired, null, 2)))));
}

export default {
  nav: "places",
  async mount(root, params, ctx) {
    const id = params.id;
    const base = `/api/v1/devices/${encodeURIComponent(id)}`;
    let device;
    try {
      device = await api(base);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      root.append(h("h2", { id: "detail-h" }, id),
        h("p", { id: "detail-error", class: "notice", role: "alert" }, describe(error)));
      return null;
    }
    document.title = `${device.name} · ${t("app.title")}`;
    const placeCode = device.path.split("/").pop();
    const where = await api(`/api/v1/places/${encodeURIComponent(placeCode)}`).catch(() => null);
    const kindPanel = PANELS[device.kind];
    const panelBox = h("div", { class: "kind-panel" });
    const eventsBox = card("events", t("device.events"));
    const header = h("div", {},
      where ? trail([...where.trail, { code: "", name: device.name }]) : null,
      h("h2", { id: "detail-h", class: "title", dataset: { kind: device.kind } },
        h("span", { class: "level" }, word("kind", device.kind)), " ", device.name,
        h("span", { class: "muted small" }, ` ${device.id}`)));
    const telemetry = new Telemetry(device, () => panel?.band?.() ?? null);
    const factsBox = card("facts", t("device.facts"), facts(device));
    const refreshView = () => controller.refresh();
    const afterCommand = () => ctx.soon(refreshView, 300);
    root.append(header, h("div", { class: "device-grid" }, factsBox, commands(device, afterCommand)), panelBox,
      telemetry.element(), eventsBox, twin(device));
    const panel = kindPanel ? await kindPanel.mount(panelBox, device, ctx) : null;

    async function loadEvents() {
      eventsBox.replaceChildren(eventsBox.firstChild, await events(device));
    }

    await Promise.all([telemetry.load(), loadEvents()]);
    const controller = {
      async refresh() {
        device = await api(base);
        factsBox.replaceChildren(factsBox.firstChild, facts(device));
        await Promise.all([panel?.refresh?.(), loadEvents()]);
      },
      onLive(type, event) {
        if (event.device_id === id) ctx.soon(refreshView);
      },
      unmount() {
        telemetry.destroy();
        panel?.unmount?.();
      },
    };
    return controller;
  },
};
