// Monthly reports of a place: cold-chain compliance, sales (DEX and live), parcel dwell
// time, door incidents; shown as a table and downloaded as CSV.

import { api, download } from "../api.js";
import { card, h, table } from "../dom.js";
import { fmt, t, word } from "../i18n.js";

const REPORTS = ["cold-chain", "sales", "parcels", "door-incidents"];
const GROUPS = {
  "cold-chain": ["device", "community", "district"],
  sales: ["device", "community", "district"],
  parcels: ["device", "community", "district"],
  "door-incidents": ["building", "device", "community", "district"],
};
const MONEY = /_fen/;
const NAMES = /(^|_)(name|id)$|^(district|community|building|day)$/;

function previousMonth() {
  const now = new Date();
  const first = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return `${first.getFullYear()}-${String(first.getMonth() + 1).padStart(2, "0")}`;
}

function cell(column, value) {
  if (value === null || value === undefined) return h("td", { class: "muted" }, "–");
  if (MONEY.test(column)) return h("td", { class: "num" }, fmt.yuan(value));
  if (typeof value === "number") return h("td", { class: "num" }, fmt.number(value, Number.isInteger(value) ? 0 : 1));
  return h("td", { class: NAMES.test(column) ? "" : "num" }, String(value));
}

async function places(ctx, chosen) {
  // The place asked for (#/reports/<code>, linked from each place), the scope and the
  // places two levels down (districts and their subdistricts, or a district's
  // subdistricts and communities).
  const top = await api("/api/v1/places");
  const options = [top.place];
  if (chosen && chosen !== top.place.code) {
    const asked = await api(`/api/v1/places/${encodeURIComponent(chosen)}`);
    options.unshift(asked.place);
  }
  for (const child of top.children) {
    options.push(child.place);
    if (options.length < 200) {
      const below = await api(`/api/v1/places/${encodeURIComponent(child.place.code)}`).catch(() => null);
      for (const grand of below?.children ?? []) {
        if (grand.place.code !== chosen) options.push(grand.place);
      }
    }
  }
  ctx.setScopeName?.(top.place.name);
  return options;
}

export default {
  nav: "reports",
  async mount(root, params, ctx) {
    const report = h("select", { id: "report" }, REPORTS.map((r) => h("option", { value: r }, t(`report.${r}`))));
    const month = h("input", { id: "month", type: "month", value: previousMonth(), required: true });
    const place = h("select", { id: "report-place" }, (await places(ctx, params.place)).map((p) =>
      h("option", { value: p.code }, `${word("level", p.level)} · ${p.name}`)));
    const group = h("select", { id: "group" });
    const note = h("p", { id: "report-note", class: "muted", role: "status" });
    const result = h("div", { id: "report-result" });
    const csv = h("button", { type: "button", id: "report-csv", class: "secondary", onclick: () => save() }, t("reports.csv"));

    function groups() {
      const keep = group.value;
      group.replaceChildren(...GROUPS[report.value].map((g) => h("option", { value: g }, word("group", g))));
      if (GROUPS[report.value].includes(keep)) group.value = keep;
    }
    report.addEventListener("change", groups);
    groups();

    const query = () => ({ month: month.value, place: place.value, group: group.value });
    async function show() {
      const body = await api(`/api/v1/reports/${report.value}`, { params: query() });
      note.textContent = t("reports.rows", {
        n: fmt.number(body.rows.length), from: fmt.date(body.since_ms), to: fmt.date(body.until_ms - 1), zone: body.timezone,
      });
      result.replaceChildren(body.rows.length
        ? table("report-table", body.columns.map((c) => [word("column", c), MONEY.test(c) || !NAMES.test(c) ? "num" : ""]),
          body.rows.map((row) => h("tr", {}, body.columns.map((c) => cell(c, row[c])))))
        : h("p", { class: "muted" }, t("reports.empty")));
    }
    async function save() {
      try {
        await download(`/api/v1/reports/${report.value}`, { ...query(), format: "csv" }, `${report.value}.csv`);
      } catch (error) {
        ctx.fail(error);
      }
    }

    const form = h("form", { id: "report-form", class: "search", onsubmit: (event) => {
      event.preventDefault();
      show().catch((error) => ctx.fail(error));
    } },
    h("label", { for: "report" }, t("reports.report")), report,
    h("label", { for: "month" }, t("reports.month")), month,
    h("label", { for: "report-place" }, t("reports.place")), place,
    h("label", { for: "group" }, t("reports.group")), group,
    h("button", { type: "submit" }, t("reports.show")), csv);
    root.append(card("reports", t("reports.title"), form, note, result));
    await show();
    return {};
  },
};
