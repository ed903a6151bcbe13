// Small DOM helpers: build elements without innerHTML (device data is never markup).

import { fmt, t } from "./i18n.js";

export const $ = (selector, root = document) => root.querySelector(selector);

/** h("td", {class: "num", dataset: {kind}}, "text", childNode, ...) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "class") element.className = value;
    else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? "" : value);
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export function timeElement(ms) {
  return ms ? h("time", { datetime: new Date(ms).toISOString() }, fmt.when(ms)) : t("time.never");
}

/** A card section with a heading (id for aria-labelledby) and content. */
export function card(id, title, ...children) {
  return h("section", { class: "card", "aria-labelledby": `${id}-h`, id },
    h("h2", { id: `${id}-h` }, title), ...children);
}

/** A table: headers (text or [text, class]) and rows of cells (nodes, text, or td). */
export function table(id, headers, rows, { caption } = {}) {
  return h("table", { id },
    caption ? h("caption", { class: "sr-only" }, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((head) => {
      const [text, cls] = Array.isArray(head) ? head : [head, ""];
      return h("th", { scope: "col", class: cls }, text);
    }))),
    h("tbody", {}, rows));
}

/** A horizontal bar for a share (0..1) with its label. */
export function bar(share, label, cls = "") {
  const percent = share === null || share === undefined ? 0 : Math.max(0, Math.min(1, share)) * 100;
  return h("span", { class: `bar ${cls}`, role: "img", "aria-label": label },
    h("span", { class: "fill", style: `width: ${percent.toFixed(1)}%` }), h("span", { class: "bar-text" }, label));
}

/** Call fn once calls have stopped for `ms` (with the last call's arguments). */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
