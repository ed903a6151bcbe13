// Open alarms of the operator's scope: active ones first (each with an Acknowledge
// button), then acknowledged ones; by severity, newest first.

import { api } from "../api.js";
import { card, h, table, timeElement } from "../dom.js";
import { fmt, t, word } from "../i18n.js";
import { link } from "../router.js";

const RANK = { critical: 0, major: 1, minor: 2, warning: 3 };

function row(alarm, acknowledge) {
  const what = `${word("alarm", alarm.type)} · ${alarm.device_id}`;
  const state = alarm.state === "acknowledged"
    ? t("alarms.ackedBy", { who: alarm.acknowledged_by ?? "?" })
    : t(alarm.condition_active ? "alarms.active" : "alarms.ended");
  const action = alarm.state === "active"
    ? h("button", {
      type: "button", class: "ack", "aria-label": t("alarms.ackLabel", { what }),
      onclick: (event) => acknowledge(alarm.id, event.currentTarget),
    }, t("alarms.acknowledge"))
    : "";
  return h("tr", { dataset: { alarmId: String(alarm.id), state: alarm.state, deviceId: alarm.device_id, type: alarm.type } },
    h("td", { class: `sev-${alarm.severity}` }, word("severity", alarm.severity)),
    h("td", {}, word("alarm", alarm.type)),
    h("td", {}, h("a", { href: link("device/:id", { id: alarm.device_id }) }, alarm.device_id)),
    h("td", {}, timeElement(alarm.raised_ms)),
    h("td", { class: "num" }, fmt.number(alarm.occurrences)),
    h("td", { class: "state" }, state),
    h("td", {}, action));
}

export default {
  nav: "alarms",
  async mount(root, params, ctx) {
    const box = card("alarms", t("alarms.title"));
    root.append(box);

    async function acknowledge(id, button) {
      button.disabled = true;
      button.textContent = t("alarms.acknowledging");
      try {
        await api(`/api/v1/alarms/${id}/ack`, { method: "POST" });
        await refresh();
      } catch (error) {
        button.disabled = false;
        button.textContent = t("alarms.acknowledge");
        ctx.fail(error);
      }
    }

    async function refresh() {
      const page = await api("/api/v1/alarms", { params: { state: "open", limit: 200 } });
      const items = page.items.sort((a, b) =>
        (a.state === "active" ? 0 : 1) - (b.state === "active" ? 0 : 1)
        || (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9)
        || b.raised_ms - a.raised_ms);
      box.replaceChildren(box.firstChild, items.length
        ? table("alarms-table", [t("alarms.severity"), t("alarms.alarm"), t("alarms.device"), t("alarms.raised"),
          [t("alarms.count"), "num"], t("alarms.state"), ""], items.map((a) => row(a, acknowledge)))
        : h("p", { class: "muted", id: "alarms-empty" }, t("alarms.none")));
    }

    await refresh();
    return {
      refresh,
      onLive(type) {
        if (type === "alarm") ctx.soon(refresh);
      },
    };
  },
};
