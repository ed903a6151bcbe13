// A door unit as it is: its door, tamper and power state, who came in (card, PIN, app,
// operator; granted or denied, with the reason) and its incidents (forced, held open).

import { api } from "../../api.js";
import { card, h, table, timeElement } from "../../dom.js";
import { fmt, t, word } from "../../i18n.js";

function stateCard(view) {
  const flag = (value, yes, no) => (value === null ? "–" : t(value ? yes : no));
  return card("door-state", t("door.state"), h("dl", { class: "facts" },
    h("dt", {}, t("door.state")), h("dd", { id: "door-open", class: view.door === "open" ? "sev-major" : "" },
      view.door ? word("door", view.door) : "–"),
    h("dt", {}, t("door.tamper")), h("dd", { class: view.tamper ? "offline" : "" }, flag(view.tamper, "common.yes", "common.no")),
    h("dt", {}, t("door.power")), h("dd", {}, flag(view.power_ok, "common.yes", "common.no")),
    h("dt", {}, t("door.heldLimit")), h("dd", {}, fmt.duration(view.held_open_limit_s))));
}

function who(entry) {
  if (entry.method === "operator" || (entry.method === "app" && entry.resident_id === null)) return entry.actor ?? "–";
  const parts = [];
  if (entry.resident_id !== null) parts.push(t("door.resident", { id: entry.resident_id }));
  if (entry.card) parts.push(entry.card);
  return parts.join(" · ") || "–";
}

function accessCard(page) {
  if (!page.items.length) return card("access", t("door.access"), h("p", { class: "muted" }, t("door.noAccess")));
  return card("access", t("door.access"), table("access-table",
    [t("device.time"), t("door.method"), t("door.result"), t("door.reason"), t("door.who")],
    page.items.map((entry) => h("tr", { dataset: { method: entry.method, result: entry.result } },
      h("td", {}, timeElement(entry.ts_ms)),
      h("td", {}, word("method", entry.method)),
      h("td", { class: entry.result === "granted" ? "online" : "offline" }, word("result", entry.result)),
      h("td", {}, word("reason", entry.reason)),
      h("td", {}, who(entry))))));
}

function describeIncident(incident) {
  const data = incident.data;
  if (data.opened_ts_ms) {
    const parts = [t("door.openedAt", { time: fmt.when(data.opened_ts_ms) })];
    if (data.detected_ms) parts.push(t("door.detectedAt", { time: fmt.when(data.detected_ms) }));
    return parts.join(", ");
  }
  return h("code", {}, JSON.stringify(data));
}

function incidentsCard(view) {
  const shown = view.incidents.filter((i) => i.type !== "local_status" || i.data.tamper || i.data.power_ok === false);
  if (!shown.length) return card("incidents", t("door.incidents"), h("p", { class: "muted" }, t("door.noIncidents")));
  return card("incidents", t("door.incidents"), table("incidents-table", [t("device.time"), t("device.type"), t("device.data")],
    shown.map((i) => h("tr", { dataset: { type: i.type } },
      h("td", {}, timeElement(i.ts_ms)),
      h("td", { class: i.type === "door_forced_open" ? "sev-critical" : i.type === "door_held_open" ? "sev-major" : "" },
        word("incident", i.type)),
      h("td", {}, describeIncident(i))))));
}

export default {
  async mount(root, device) {
    const base = `/api/v1/devices/${encodeURIComponent(device.id)}`;
    async function refresh() {
      const [view, access] = await Promise.all([api(`${base}/door`), api(`${base}/access`, { params: { limit: 30 } })]);
      root.replaceChildren(h("div", { class: "device-grid" }, stateCard(view), incidentsCard(view)), accessCard(access));
    }
    await refresh();
    return { refresh };
  },
};
