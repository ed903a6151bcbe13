// Device search by id or name and kind, within the operator's scope.

import { api } from "../api.js";
import { card, h, table, timeElement } from "../dom.js";
import { fmt, t, word } from "../i18n.js";
import { deviceLink, KINDS } from "./place.js";

const PAGE = 50;

export default {
  nav: "devices",
  async mount(root) {
    const q = h("input", { id: "q", name: "q", type: "search", maxlength: "64" });
    const kind = h("select", { id: "kind", name: "kind" },
      h("option", { value: "" }, t("search.any")), KINDS.map((k) => h("option", { value: k }, word("kind", k))));
    const note = h("p", { id: "results-note", class: "muted", role: "status" });
    const results = h("div");
    const form = h("form", { id: "search-form", class: "search", role: "search", onsubmit: (event) => {
      event.preventDefault();
      search();
    } },
    h("label", { for: "q" }, t("search.q")), q, h("label", { for: "kind" }, t("search.kind")), kind,
    h("button", { type: "submit" }, t("search.go")));
    root.append(card("devices", t("search.title"), form, note, results));

    async function search() {
      const page = await api("/api/v1/devices", { params: { q: q.value.trim(), kind: kind.value, limit: PAGE } });
      results.replaceChildren(page.items.length ? table("results-table",
        [t("place.name"), t("search.kind"), t("device.state"), t("device.lastSeen"), t("device.place")],
        page.items.map((device) => h("tr", { dataset: { deviceId: device.id } },
          h("th", { scope: "row" }, deviceLink(device), h("div", { class: "muted small" }, device.id)),
          h("td", {}, word("kind", device.kind)),
          h("td", { class: device.online ? "online" : "offline" }, t(device.online ? "common.online" : "common.offline")),
          h("td", {}, timeElement(device.last_seen_ms)),
          h("td", {}, device.path)))) : "");
      note.textContent = page.items.length
        ? t(page.next_cursor ? "search.more" : "search.count", { n: fmt.number(page.items.length) })
        : t("search.none");
    }

    q.focus();
    return {};
  },
};
