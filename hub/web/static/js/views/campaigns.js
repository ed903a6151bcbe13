// Firmware campaigns (#/campaigns): every campaign of the operator's scope with its
// progress, and a form to preview and start a new one (then its own view opens).

import { api } from "../api.js";
import { confirm } from "../commands.js";
import { bar, card, h, table } from "../dom.js";
import { fmt, t, word } from "../i18n.js";
import { link } from "../router.js";
import { total } from "./campaign_texts.js";

function row(c) {
  const all = total(c.counts);
  const done = c.counts.updated ?? 0;
  return h("tr", { dataset: { campaignId: String(c.id), state: c.state } },
    h("td", {}, h("a", { href: link("campaign/:id", { id: c.id }) }, c.name)),
    h("td", {}, word("kinds", c.kind)),
    h("td", {}, c.version),
    h("td", { class: "state" }, word("campaignState", c.state)),
    h("td", { class: "done" }, bar(all ? done / all : 0,
      t("campaigns.progressText", { done: fmt.number(done), all: fmt.number(all) }))),
    h("td", { class: "num" }, t("campaigns.waveText", { wave: c.wave + 1, waves: c.waves })),
    h("td", {}, fmt.when(c.created_ms)));
}

function field(label, input) {
  return h("label", { class: "field" }, label, " ", input);
}

function number(name, value, min, max, step = "1") {
  return h("input", { name, type: "number", value, min, max, step, required: true });
}

export default {
  nav: "campaigns",
  async mount(root, params, ctx) {
    const list = card("campaigns", t("campaigns.title"));
    const image = h("select", { name: "image", id: "campaign-image", required: true });
    const note = h("p", { id: "campaign-note", class: "muted", role: "status" });
    const form = h("form", { id: "campaign-form", class: "search" },
      field(t("campaigns.image"), image),
      field(t("campaigns.nameLabel"), h("input", { name: "name", maxlength: "128", required: true })),
      field(t("campaigns.canary"), number("canary", "2", "0.1", "50", "0.1")),
      field(t("campaigns.waveSize"), number("wave_size", "50", "1", "10000")),
      field(t("campaigns.threshold"), number("threshold", "10", "0", "100")),
      field(t("campaigns.doors"), number("doors", "1", "1", "100")),
      field(t("campaigns.soak"), number("soak", "600", "0", "86400")),
      h("button", { type: "button", id: "campaign-preview", class: "secondary" }, t("campaigns.preview")),
      h("button", { type: "submit", id: "campaign-start" }, t("campaigns.start")));
    const create = card("campaign-new", t("campaigns.new"), form, note);
    root.append(h("div", { class: "view-body" }, list, create));

    const body = () => {
      const data = new FormData(form);
      return {
        name: String(data.get("name")).trim(),
        image: String(data.get("image")),
        canary_share: Number(data.get("canary")) / 100,
        wave_size: Number(data.get("wave_size")),
        failure_threshold: Number(data.get("threshold")) / 100,
        max_doors_per_building: Number(data.get("doors")),
        health_soak_s: Number(data.get("soak")),
      };
    };
    const plan = async () => api("/api/v1/campaigns/preview", { method: "POST", body: body() });
    const planText = (p) => t("campaigns.plan", {
      n: fmt.number(p.devices), kind: word("kinds", p.kind), version: p.version,
      waves: p.waves.map((w) => fmt.number(w.devices)).join(" + "),
    });

    form.querySelector("#campaign-preview").addEventListener("click", async () => {
      if (!form.reportValidity()) return;
      try {
        note.textContent = planText(await plan());
      } catch (error) {
        note.textContent = "";
        ctx.fail(error, create);
      }
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const planned = await plan();
        note.textContent = planText(planned);
        const question = t("campaigns.startQuestion", {
          n: fmt.number(planned.devices), kind: word("kinds", planned.kind),
          version: planned.version, canary: fmt.number(planned.waves[0]?.devices ?? 0),
        });
        if (!(await confirm(question))) return;
        const created = await api("/api/v1/campaigns", { method: "POST", body: body() });
        location.hash = link("campaign/:id", { id: created.id });
      } catch (error) {
        ctx.fail(error, create);
      }
    });

    async function refresh() {
      const [campaigns, images] = await Promise.all([api("/api/v1/campaigns"), api("/api/v1/firmware")]);
      list.replaceChildren(list.firstChild, campaigns.length
        ? table("campaigns-table", [t("campaigns.name"), t("campaigns.kind"), t("campaigns.version"),
          t("campaigns.state"), t("campaigns.progress"), [t("campaigns.wave"), "num"], t("campaigns.started")],
        campaigns.map(row))
        : h("p", { class: "muted", id: "campaigns-empty" }, t("campaigns.none")));
      const keep = image.value;
      image.replaceChildren(...images.map((i) => h("option", { value: i.sha256 },
        `${i.vendor} ${i.kind} ${i.version} (${i.models.join(", ")})`)));
      if (keep) image.value = keep;
      if (!images.length) note.textContent = t("campaigns.noImages");
    }

    await refresh();
    return { refresh };
  },
};
