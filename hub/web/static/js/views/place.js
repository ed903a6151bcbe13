// A place of the city (the operator's scope when no code is given): where it is, its
// figures (devices online by kind, open alarms by severity, today's unlocks, parcels
// waiting, today's sales), the places one level down with the same figures, and the
// devices installed at the place itself. Every level links down.

import { api } from "../api.js";
import { timeChart } from "../charts.js";
import { bar, card, h, table, timeElement } from "../dom.js";
import { fmt, setTimeZone, t, word } from "../i18n.js";
import { link } from "../router.js";

export const KINDS = ["locker", "vending", "door"];
const SEVERITIES = ["critical", "major", "minor", "warning"];
const METHODS = ["card", "pin", "app", "operator"];
const MAX_SAMPLES = 720;

const sum = (values) => values.reduce((a, b) => a + b, 0);

export function placeLink(place) {
  return h("a", { href: link("place/:code", { code: place.code }), dataset: { place: place.code } }, place.name);
}

function kindCell(counts) {
  if (!counts || !counts.total) return h("td", { class: "num muted" }, "–");
  const share = counts.online / counts.total;
  return h("td", { class: "num" },
    bar(share, `${fmt.number(counts.online)} / ${fmt.number(counts.total)}`, share < 0.9 ? "warn" : ""));
}

function alarmsCell(bySeverity) {
  const total = sum(Object.values(bySeverity));
  if (!total) return h("td", { class: "num muted" }, "0");
  const worst = SEVERITIES.find((s) => bySeverity[s]) ?? "warning";
  return h("td", { class: `num sev-${worst}`, title: SEVERITIES.filter((s) => bySeverity[s])
    .map((s) => `${word("severity", s)} ${bySeverity[s]}`).join(", ") }, fmt.number(total));
}

function figuresPanel(figures) {
  const kinds = table("kinds-table", [t("search.kind"), [t("place.online"), "num"], [t("place.onlineShare"), "num"]],
    KINDS.map((kind) => {
      const c = figures.devices[kind] ?? { total: 0, online: 0 };
      return h("tr", { dataset: { kind } },
        h("th", { scope: "row" }, word("kinds", kind)),
        h("td", { class: "num" }, h("span", { class: "online-count" }, fmt.number(c.online)), " / ",
          h("span", { class: "total-count" }, fmt.number(c.total))),
        h("td", { class: "num" }, c.total ? fmt.percent(c.online / c.total) : "–"));
    }));
  const alarms = h("ul", { class: "severity", id: "severity" }, SEVERITIES.map((severity) =>
    h("li", { dataset: { severity }, class: figures.alarms_by_severity[severity] ? `sev-${severity}` : "" },
      `${word("severity", severity)} `, h("span", { class: "count" }, fmt.number(figures.alarms_by_severity[severity] ?? 0)))));
  const unlocks = h("ul", { class: "severity", id: "unlocks" }, METHODS.map((method) =>
    h("li", { dataset: { method } }, `${word("method", method)} `,
      h("span", { class: "count" }, fmt.number(figures.unlocks_today[method] ?? 0)))));
  return h("div", { class: "figures-grid" },
    card("fig-online", `${t("place.onlineShare")} ${fmt.percent(figures.online_share)}`, kinds),
    card("fig-alarms", t("place.alarms"), alarms),
    card("fig-unlocks", `${t("place.unlocks")} ${fmt.number(sum(Object.values(figures.unlocks_today)))}`, unlocks),
    card("fig-activity", t("place.parcels"),
      h("p", { class: "big", id: "parcels-waiting" }, fmt.number(figures.parcels_waiting)),
      h("h3", {}, t("place.sales")),
      h("p", { class: "big", id: "sales-today" }, fmt.yuan(figures.sales_today.value_fen)),
      h("p", { class: "muted" }, t("place.vends", { n: fmt.number(figures.sales_today.vends) }))));
}

function childrenPanel(view) {
  if (!view.children.length) return card("children", t("place.devices"), h("p", { class: "muted" }, t("place.childrenEmpty")));
  const level = word("level", view.children[0].place.level);
  const rows = view.children.map(({ place, figures }) => h("tr", { dataset: { place: place.code } },
    h("th", { scope: "row" }, placeLink(place), h("div", { class: "muted small" }, place.code)),
    h("td", { class: "num" }, fmt.percent(figures.online_share)),
    ...KINDS.map((kind) => kindCell(figures.devices[kind])),
    alarmsCell(figures.alarms_by_severity),
    h("td", { class: "num" }, fmt.number(sum(Object.values(figures.unlocks_today)))),
    h("td", { class: "num" }, fmt.number(figures.parcels_waiting)),
    h("td", { class: "num" }, fmt.yuan(figures.sales_today.value_fen))));
  return card("children", t("place.children", { level }),
    table("children-table", [t("place.name"), [t("place.onlineShare"), "num"],
      ...KINDS.map((k) => [word("kinds", k), "num"]), [t("place.alarms"), "num"], [t("place.unlocks"), "num"],
      [t("place.parcels"), "num"], [t("place.sales"), "num"]], rows));
}

export function deviceLink(device) {
  return h("a", { href: link("device/:id", { id: device.id }), dataset: { device: device.id } }, device.name);
}

function devicesPanel(view) {
  if (!view.devices.length) return null;
  const rows = view.devices.map((device) => h("tr", { dataset: { deviceId: device.id, kind: device.kind } },
    h("th", { scope: "row" }, deviceLink(device), h("div", { class: "muted small" }, device.id)),
    h("td", {}, word("kind", device.kind)),
    h("td", { class: device.online ? "online" : "offline" }, t(device.online ? "common.online" : "common.offline")),
    h("td", {}, timeElement(device.last_seen_ms)),
    h("td", { class: "num" }, fmt.number(device.open_alarms)),
    h("td", { class: "num" }, device.kind === "locker" ? fmt.number(device.parcels_waiting) : "–")));
  return card("devices-here", t("place.devices"),
    table("devices-table", [t("place.name"), t("search.kind"), t("device.state"), t("device.lastSeen"),
      [t("place.alarms"), "num"], [t("place.parcels"), "num"]], rows));
}

export function trail(places) {
  return h("nav", { class: "trail", "aria-label": t("place.trail") },
    h("ol", {}, places.map((place, i) => h("li", {},
      i === places.length - 1
        ? h("span", { "aria-current": "page" }, place.name)
        : placeLink(place)))));
}

export default {
  nav: "places",
  async mount(root, params, ctx) {
    const path = params.code ? `/api/v1/places/${encodeURIComponent(params.code)}` : "/api/v1/places";
    const samples = { x: [], share: [] };
    let chart = null;
    const body = h("div");
    const chartBox = h("div", { id: "share-chart", class: "chart", role: "img", "aria-label": t("place.shareOverTime") });
    const rate = h("span", { id: "rate" }, "–");
    root.append(body);
    if (!params.code) {
      root.append(card("share", t("place.shareOverTime"), chartBox,
        h("p", { class: "muted" }, `${t("place.rate")}: `, rate)));
    }

    async function refresh() {
      const view = await api(path);
      setTimeZone(view.timezone);
      ctx.setScopeName?.(view.trail[0]?.name);
      document.title = `${view.place.name} · ${t("app.title")}`;
      body.replaceChildren(...[
        trail(view.trail),
        h("div", { class: "title-row" },
          h("h2", { id: "place-h", class: "title", dataset: { level: view.place.level, code: view.place.code } },
            h("span", { class: "level" }, word("level", view.place.level)), " ", view.place.name),
          h("a", { id: "place-reports", href: link("reports/:place", { place: view.place.code }) },
            t("place.reports"))),
        figuresPanel(view.figures),
        childrenPanel(view),
        devicesPanel(view),
      ].filter(Boolean));
      if (!params.code) {
        const summary = await api("/api/v1/fleet/summary");
        rate.textContent = fmt.number(summary.messages_per_second, summary.messages_per_second < 10 ? 2 : 0);
        samples.x.push(Date.now() / 1000);
        samples.share.push(view.figures.online_share === null ? null : 100 * view.figures.online_share);
        if (samples.x.length > MAX_SAMPLES) { samples.x.shift(); samples.share.shift(); }
        chart ??= timeChart(chartBox, {
          series: [t("place.onlineShare")], yLabel: "%", yRange: [0, 100], points: true,
          xRange: () => [Math.min(samples.x[0], Date.now() / 1000 - 300), Date.now() / 1000 + 5],
        });
        chart.set(samples.x, samples.share);
      }
    }

    await refresh();
    return {
      refresh,
      onLive(type) {
        if (type === "presence" || type === "alarm" || type.startsWith("parcel")) ctx.soon(refresh);
      },
      unmount() {
        chart?.destroy();
      },
    };
  },
};
