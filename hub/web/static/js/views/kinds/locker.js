// A parcel locker as its compartments: a grid coloured by state with each parcel's age;
// choosing a compartment shows its parcels and offers to open it for service.

import { api } from "../../api.js";
import { runCommand } from "../../commands.js";
import { card, h, table } from "../../dom.js";
import { fmt, t, word } from "../../i18n.js";

function tile(compartment, selected, choose) {
  const parcel = compartment.parcels[0];
  return h("button", {
    type: "button",
    class: `compartment state-${compartment.state}${selected ? " selected" : ""}`,
    dataset: { number: String(compartment.number), state: compartment.state },
    "aria-pressed": String(selected),
    "aria-label": `${t("locker.selected", { n: compartment.number })}: ${word("compartment", compartment.state)}`,
    onclick: () => choose(compartment.number),
  },
  h("span", { class: "number" }, String(compartment.number)),
  h("span", { class: "size" }, compartment.size ?? ""),
  h("span", { class: "state" }, word("compartment", compartment.state)),
  parcel ? h("span", { class: "age" }, fmt.duration(parcel.age_s)) : null);
}

function detail(device, compartment, onOpened) {
  if (!compartment) return h("p", { class: "muted" }, t("locker.pick"));
  const status = h("p", { class: "outcome", role: "status", id: "open-compartment-outcome" });
  const open = h("button", {
    type: "button",
    id: "open-compartment",
    onclick: async () => {
      open.disabled = true;
      const outcome = await runCommand({
        deviceId: device.id,
        body: { name: "open_compartment", compartment: compartment.number },
        label: t("command.openCompartment", { n: compartment.number }),
        question: t("command.openAsk", { n: compartment.number, name: device.name }),
        status,
      });
      open.disabled = false;
      if (outcome) onOpened();
    },
  }, t("command.openCompartment", { n: compartment.number }));
  const parcels = compartment.parcels.length
    ? table("parcels-table", [t("locker.tracking"), t("locker.recipient"), t("locker.age")],
      compartment.parcels.map((p) => h("tr", { dataset: { parcelId: String(p.id) } },
        h("td", {}, p.tracking),
        h("td", {}, p.resident_id !== null
          ? `${p.building} ${p.unit} · ${t("door.resident", { id: p.resident_id })}`
          : `${p.building} ${p.unit} · ${t("locker.unresolved", { why: word("resolution", p.resolution) })}`),
        h("td", { class: "num" }, fmt.duration(p.age_s)))))
    : h("p", { class: "muted" }, t("locker.none"));
  return h("div", { id: "compartment-detail", dataset: { number: String(compartment.number) } },
    h("h3", {}, t("locker.selected", { n: compartment.number })),
    h("dl", { class: "facts" },
      h("dt", {}, t("device.state")), h("dd", { dataset: { fact: "state" } }, word("compartment", compartment.state)),
      h("dt", {}, t("locker.size")), h("dd", {}, compartment.size ?? "–"),
      h("dt", {}, t("locker.door")), h("dd", {}, compartment.door ? word("door", compartment.door) : "–")),
    parcels, h("div", { class: "actions" }, open, status));
}

export default {
  async mount(root, device) {
    let selected = null;
    let view = null;
    const summary = h("p", { id: "locker-summary" });
    const grid = h("div", { id: "compartment-grid", class: "grid", role: "group", "aria-label": t("locker.title") });
    const side = h("div", { class: "compartment-side" });
    root.append(card("locker", t("locker.title"), summary, h("div", { class: "locker-layout" }, grid, side)));

    function render() {
      const counts = view.counts;
      const waiting = view.parcels_waiting
        ? t("locker.waiting", { n: fmt.number(view.parcels_waiting),
          age: fmt.duration((Date.now() - view.oldest_waiting_ms) / 1000) })
        : t("locker.none");
      summary.textContent = t("locker.summary", {
        counts: t("locker.counts", {
          occupied: fmt.number(counts.occupied ?? 0), empty: fmt.number(counts.empty ?? 0),
          open: fmt.number(counts.open ?? 0), fault: fmt.number(counts.fault ?? 0),
        }),
        waiting,
      });
      grid.replaceChildren(...view.compartments.map((c) => tile(c, c.number === selected, choose)));
      const chosen = view.compartments.find((c) => c.number === selected);
      const outcome = side.querySelector("#open-compartment-outcome");
      side.replaceChildren(detail(device, chosen, () => setTimeout(refresh, 500)));
      const fresh = side.querySelector("#open-compartment-outcome");
      if (outcome && fresh && outcome.textContent && chosen) {
        fresh.textContent = outcome.textContent;
        fresh.className = outcome.className;
        if (outcome.dataset.state) fresh.dataset.state = outcome.dataset.state;
      }
    }

    function choose(number) {
      selected = number;
      render();
    }

    async function refresh() {
      view = await api(`/api/v1/devices/${encodeURIComponent(device.id)}/compartments`);
      render();
    }

    await refresh();
    return { refresh };
  },
};
