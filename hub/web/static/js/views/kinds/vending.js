// A vending machine as it is: the cabinet's temperature against its setpoint and the
// cold-chain band, its slots (stock bars, price in yuan, capacity), today's sales, its
// recent vends and its DEX audits checked against the live vends.

import { api } from "../../api.js";
import { bar, card, h, table, timeElement } from "../../dom.js";
import { fmt, t, word } from "../../i18n.js";

function gauge(cabinet) {
  const { band_min_c: low, band_max_c: high, temperature_c: temp } = cabinet;
  // A scale from 5 °C below the band to 5 °C above it, the band shaded.
  const from = low - 5;
  const to = high + 5;
  const at = (v) => `${(100 * (Math.min(Math.max(v, from), to) - from)) / (to - from)}%`;
  const marks = [h("span", { class: "band", style: `left: ${at(low)}; width: calc(${at(high)} - ${at(low)})` })];
  if (cabinet.setpoint_c !== null) marks.push(h("span", { class: "setpoint", style: `left: ${at(cabinet.setpoint_c)}`, title: t("vending.setpoint") }));
  if (temp !== null) marks.push(h("span", { class: `needle ${cabinet.in_band ? "ok" : "bad"}`, style: `left: ${at(temp)}` }));
  return h("div", { class: "gauge", role: "img", "aria-label":
    `${t("vending.temperature")} ${fmt.celsius(temp)}, ${t("vending.band")} ${fmt.celsius(low)} – ${fmt.celsius(high)}` }, marks);
}

function cabinetCard(cabinet) {
  const state = (flag, yes, no) => (flag === null ? "–" : t(flag ? yes : no));
  return card("cabinet", t("vending.cabinet"),
    h("p", { class: "big" },
      h("span", { id: "temperature", class: cabinet.in_band === false ? "offline" : "online",
        dataset: { inBand: String(cabinet.in_band) } }, fmt.celsius(cabinet.temperature_c)),
      " ", h("span", { class: "small muted" }, cabinet.in_band === null ? "" : t(cabinet.in_band ? "vending.inBand" : "vending.outBand"))),
    gauge(cabinet),
    h("dl", { class: "facts" },
      h("dt", {}, t("vending.setpoint")), h("dd", { id: "setpoint" }, fmt.celsius(cabinet.setpoint_c)),
      h("dt", {}, t("vending.band")), h("dd", { id: "band" }, `${fmt.celsius(cabinet.band_min_c)} – ${fmt.celsius(cabinet.band_max_c)}`),
      h("dt", {}, t("vending.door")), h("dd", {}, state(cabinet.door_open, "vending.open", "vending.closed")),
      h("dt", {}, t("vending.compressor")), h("dd", {}, state(cabinet.compressor_on, "vending.running", "vending.stopped")),
      cabinet.fault_code ? [h("dt", {}, t("vending.fault")), h("dd", { class: "offline" }, cabinet.fault_code)] : null),
    h("p", { id: "sales-today" }, t("vending.salesToday", {
      vends: fmt.number(cabinet.sales_today.vends), value: fmt.yuan(cabinet.sales_today.value_fen),
    })),
    cabinet.slots.some((s) => s.unsellable) ? h("p", { class: "notice" }, t("vending.unsellable")) : null);
}

function slotsCard(cabinet) {
  const rows = cabinet.slots.map((slot) => {
    const share = slot.capacity ? (slot.stock ?? 0) / slot.capacity : null;
    const flags = [slot.low ? t("vending.low") : null, slot.unsellable ? t("vending.held") : null].filter(Boolean);
    return h("tr", { dataset: { slot: String(slot.number) }, class: slot.low ? "low" : "" },
      h("th", { scope: "row", class: "num" }, String(slot.number)),
      h("td", {}, slot.product ?? "–"),
      h("td", { class: "num price" }, fmt.yuan(slot.price_fen)),
      h("td", { class: "stock" }, bar(share, `${fmt.number(slot.stock)} / ${fmt.number(slot.capacity)}`, slot.low ? "bad" : "")),
      h("td", { class: "num" }, fmt.number(slot.capacity)),
      h("td", { class: "sev-minor" }, flags.join(", ")));
  });
  return card("slots", t("vending.slots"), table("slots-table",
    [[t("vending.slot"), "num"], t("vending.product"), [t("vending.price"), "num"], t("vending.stock"),
      [t("vending.capacity"), "num"], ""], rows));
}

function vendsCard(vends) {
  if (!vends.items.length) return card("vends", t("vending.vends"), h("p", { class: "muted" }, t("vending.noVends")));
  return card("vends", t("vending.vends"), table("vends-table",
    [t("device.time"), [t("vending.slot"), "num"], t("vending.product"), [t("vending.price"), "num"]],
    vends.items.map((v) => h("tr", { dataset: { vendId: v.vend_id } },
      h("td", {}, timeElement(v.ts_ms)), h("td", { class: "num" }, String(v.slot)),
      h("td", {}, v.product ?? "–"), h("td", { class: "num" }, fmt.yuan(v.price_fen))))));
}

function auditsCard(audits) {
  if (!audits.items.length) return card("audits", t("vending.audits"), h("p", { class: "muted" }, t("vending.noAudits")));
  const rows = audits.items.map((audit) => {
    const cmp = audit.since_previous;
    const checks = audit.valid ? t("vending.valid") : audit.problems.map((p) => word("problem", p)).join(", ");
    return h("tr", { dataset: { auditId: String(audit.id), valid: String(audit.valid) }, class: audit.valid ? "" : "bad-row" },
      h("td", {}, timeElement(audit.ts_ms)),
      h("td", { class: audit.valid ? "online" : "offline" }, checks),
      h("td", { class: "num" }, `${fmt.number(audit.paid_since_init.vends)} · ${fmt.yuan(audit.paid_since_init.value_fen)}`),
      h("td", { class: "num" }, cmp ? fmt.number(cmp.audit_vends) : t("vending.baseline")),
      h("td", { class: "num" }, cmp ? fmt.number(cmp.live_vends) : "–"),
      h("td", { class: `num ${cmp?.disagrees ? "offline" : ""}` },
        cmp ? `${cmp.vends_difference > 0 ? "+" : ""}${fmt.number(cmp.vends_difference)} · ${fmt.yuan(cmp.value_difference_fen)}` : "–"));
  });
  return card("audits", t("vending.audits"), table("audits-table",
    [t("device.time"), t("vending.checks"), [t("vending.paid"), "num"], [t("vending.auditVends"), "num"],
      [t("vending.liveVends"), "num"], [t("vending.difference"), "num"]], rows));
}

export default {
  async mount(root, device) {
    const base = `/api/v1/devices/${encodeURIComponent(device.id)}`;
    let cabinet = null;
    async function refresh() {
      const [fresh, vends, audits] = await Promise.all([
        api(`${base}/cabinet`), api(`${base}/vends`, { params: { limit: 10 } }), api(`${base}/dex-audits`, { params: { limit: 10 } }),
      ]);
      cabinet = fresh;
      root.replaceChildren(h("div", { class: "device-grid" }, cabinetCard(cabinet), slotsCard(cabinet)),
        h("div", { class: "device-grid" }, vendsCard(vends), auditsCard(audits)));
    }
    await refresh();
    return {
      refresh,
      band: () => (cabinet ? { low: cabinet.band_min_c, high: cabinet.band_max_c } : null),
    };
  },
};
