// Open alarms of the operator's scope: active ones first (each with an Acknowledge
// button), then acknowledged ones; by severity, newest first.

import { api } from "./api.js";
import { $, h, timeElement } from "./dom.js";

const RANK = { critical: 0, major: 1, minor: 2, warning: 3 };
const label = (type) => type.replaceAll("_", " ");

export class Alarms {
  constructor({ onError, onAcknowledged, openDevice }) {
    this.onError = onError;
    this.onAcknowledged = onAcknowledged;
    this.openDevice = openDevice;
  }

  async refresh() {
    const page = await api("/api/v1/alarms", { params: { state: "open", limit: 200 } });
    const items = page.items.sort((a, b) =>
      (a.state === "active" ? 0 : 1) - (b.state === "active" ? 0 : 1)
      || (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9)
      || b.raised_ms - a.raised_ms);
    $("#alarms-table tbody").replaceChildren(...items.map((alarm) => this.row(alarm)));
    $("#alarms-table").hidden = items.length === 0;
    $("#alarms-empty").hidden = items.length !== 0;
  }

  row(alarm) {
    const what = `${label(alarm.type)} at ${alarm.device_id}`;
    const state = alarm.state === "acknowledged"
      ? `acknowledged by ${alarm.acknowledged_by ?? "someone"}`
      : alarm.condition_active ? "active" : "active, condition ended";
    const action = alarm.state === "active"
      ? h("button", {
        type: "button",
        class: "ack",
        "aria-label": `Acknowledge ${what}`,
        onclick: (event) => this.acknowledge(alarm.id, event.currentTarget),
      }, "Acknowledge")
      : "";
    return h("tr", { dataset: {
      alarmId: String(alarm.id), state: alarm.state, deviceId: alarm.device_id, type: alarm.type,
    } },
      h("td", { class: `sev-${alarm.severity}` }, alarm.severity),
      h("td", {}, label(alarm.type)),
      h("td", {}, h("button", {
        type: "button", class: "link", onclick: () => this.openDevice(alarm.device_id),
      }, alarm.device_id)),
      h("td", {}, timeElement(alarm.raised_ms)),
      h("td", { class: "num" }, String(alarm.occurrences)),
      h("td", { class: "state" }, state),
      h("td", {}, action));
  }

  async acknowledge(id, button) {
    button.disabled = true;
    button.textContent = "Acknowledging…";
    try {
      await api(`/api/v1/alarms/${id}/ack`, { method: "POST" });
      await this.refresh();
      this.onAcknowledged();
    } catch (error) {
      button.disabled = false;
      button.textContent = "Acknowledge";
      this.onError(error);
    }
  }
}
