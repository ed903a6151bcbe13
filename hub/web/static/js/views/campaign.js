// One firmware campaign (#/campaign/<id>): its state and limits, progress by community
// and by wave, the devices that did not update and why, Pause, Resume and Cancel.
// Refreshed every few seconds while it runs.

import { api } from "../api.js";
import { confirm } from "../commands.js";
import { bar, card, h, table } from "../dom.js";
import { fmt, t, word } from "../i18n.js";
import { link } from "../router.js";
import { COLUMNS, columns, total } from "./campaign_texts.js";

const FAST_REFRESH_MS = 3000;
const ACTIONS = { running: ["pause", "cancel"], paused: ["resume", "cancel"] };
const NOT_UPDATED = ["failed", "skipped", "cancelled"];

function countsRow(name, counts, dataset) {
  const folded = columns(counts);
  return h("tr", { dataset }, h("td", {}, name),
    ...COLUMNS.map((key) => h("td", { class: `num ${key}-count` }, fmt.number(folded[key]))));
}

function headers(first) {
  return [first, ...COLUMNS.map((key) => [t(`campaign.column.${key}`), "num"])];
}

export default {
  nav: "campaigns",
  async mount(root, params, ctx) {
    const box = h("div", { class: "view-body" });
    root.append(box);
    let timer = null;

    async function act(c, action) {
      if (action === "cancel" && !(await confirm(t("campaign.cancelQuestion", { name: c.name })))) return;
      try {
        await api(`/api/v1/campaigns/${c.id}/${action}`, { method: "POST" });
        await refresh();
      } catch (error) {
        ctx.fail(error);
      }
    }

    async function refresh() {
      const c = await api(`/api/v1/campaigns/${encodeURIComponent(params.id)}`);
      const pages = await Promise.all(NOT_UPDATED.map((state) =>
        api(`/api/v1/campaigns/${c.id}/devices`, { params: { state, limit: 100 } })));
      const left = { items: pages.flatMap((page) => page.items) };
      const all = total(c.counts);
      const done = c.counts.updated ?? 0;
      const buttons = (ACTIONS[c.state] ?? []).map((action) => h("button", {
        type: "button", dataset: { action }, class: action === "cancel" ? "secondary" : undefined,
        onclick: () => act(c, action),
      }, t(`campaign.${action}`)));
      const facts = h("dl", { class: "facts" },
        h("dt", {}, t("campaign.state")), h("dd", { id: "campaign-state", dataset: { state: c.state } },
          word("campaignState", c.state)),
        h("dt", {}, t("campaign.wave")), h("dd", {}, t("campaign.waveText", { wave: c.wave + 1, waves: c.waves })),
        h("dt", {}, t("campaign.updated")), h("dd", { id: "campaign-updated" },
          bar(all ? done / all : 0, t("campaign.updatedText", {
            done: fmt.number(done), all: fmt.number(all), share: fmt.percent(all ? done / all : 0),
          }))),
        h("dt", {}, t("campaign.reason")), h("dd", { id: "campaign-reason" }, c.reason ?? "–"),
        h("dt", {}, t("campaign.drivenBy")), h("dd", {}, c.driven_by ?? "–"),
        h("dt", {}, t("campaign.limits")), h("dd", {}, t("campaign.limitsText", {
          inflight: fmt.number(c.max_in_flight), doors: fmt.number(c.max_doors_per_building),
          threshold: fmt.percent(c.failure_threshold),
        })));
      const places = table("campaign-places", headers(t("campaign.community")), [
        ...c.by_place.map((p) => countsRow(p.place, p.counts, { place: p.place })),
        countsRow(t("campaign.all"), c.counts, { place: "all" }),
      ]);
      const waves = table("campaign-waves", headers(t("campaign.wave")), c.by_wave.map((w) =>
        countsRow(w.wave === 0 ? t("campaign.canary") : fmt.number(w.wave + 1), w.counts, { wave: String(w.wave) })));
      const failures = left.items.length ? card("campaign-left", t("campaign.devices"),
        table("campaign-left-table", [t("campaign.device"), t("campaigns.state"), t("campaign.reasonColumn")],
          left.items.map((d) => h("tr", { dataset: { deviceId: d.device_id } },
            h("td", {}, h("a", { href: link("device/:id", { id: d.device_id }) }, d.device_id)),
            h("td", {}, d.state), h("td", {}, d.reason ?? "–"))))) : null;
      box.replaceChildren(
        card("campaign", t("campaign.title", { name: c.name, kind: word("kinds", c.kind), version: c.version }),
          h("p", {}, h("a", { href: link("campaigns") }, t("campaign.back"))),
          facts, h("p", { class: "campaign-actions" }, ...buttons)),
        card("campaign-by-place", t("campaign.places"), places),
        card("campaign-by-wave", t("campaign.waves"), waves),
        failures);
      clearTimeout(timer);
      if (c.state === "running" || c.state === "paused") timer = setTimeout(() => refresh().catch(ctx.fail), FAST_REFRESH_MS);
    }

    await refresh();
    return {
      refresh,
      unmount() {
        clearTimeout(timer);
      },
    };
  },
};
