// Languages of the page: a dictionary per language that other modules extend, the
// language chosen from the browser (or the operator's switch, kept in localStorage),
// and numbers, money, dates and durations formatted for it with Intl.
//
//   import { t, fmt, extend } from "./i18n.js";
//   extend({ en: { "campaign.title": "Firmware campaigns" }, "zh-CN": { ... } });
//   t("place.children", { level: t("level.district") })

import en from "./i18n/en.js";
import zh from "./i18n/zh-CN.js";

export const LANGUAGES = { en: "English", "zh-CN": "简体中文" };
const STORE_KEY = "hub.language";
const dictionaries = { en: { ...en }, "zh-CN": { ...zh } };
const listeners = new Set();
let current = pick();
let timeZone; // the city's (from the API); the browser's until known

/** Add or override messages: {en: {key: text}, "zh-CN": {key: text}}. */
export function extend(messages) {
  for (const [lang, entries] of Object.entries(messages)) {
    dictionaries[lang] = { ...(dictionaries[lang] ?? {}), ...entries };
  }
}

/** The browser's first language we speak: any zh-* is Simplified Chinese. */
export function fromBrowser(languages = navigator.languages ?? [navigator.language]) {
  for (const tag of languages) {
    const lower = String(tag).toLowerCase();
    if (lower.startsWith("zh")) return "zh-CN";
    if (lower.startsWith("en")) return "en";
  }
  return "en";
}

function pick() {
  const stored = localStorage.getItem(STORE_KEY);
  return stored in LANGUAGES ? stored : fromBrowser();
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  if (!(lang in LANGUAGES)) return;
  current = lang;
  localStorage.setItem(STORE_KEY, lang);
  document.documentElement.lang = lang;
  for (const listener of listeners) listener(lang);
}

export function onLanguage(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setTimeZone(zone) {
  timeZone = zone || undefined;
}

/** The city's time zone once an answer of the API has named it (else undefined). */
export function cityTimeZone() {
  return timeZone;
}

/** The message for key in the current language (English, then the key, if missing),
 * with {name} placeholders filled from vars. */
export function t(key, vars = {}) {
  const text = dictionaries[current]?.[key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** t() for a word from a closed vocabulary (kinds, states, reasons): the word itself if
 * no language has it, so a new value from the hub still reads sensibly. */
export function word(group, value) {
  const key = `${group}.${value}`;
  const text = t(key);
  return text === key ? String(value).replaceAll("_", " ") : text;
}

const cache = new Map();
function formatter(kind, options) {
  const key = `${current}|${timeZone}|${kind}|${JSON.stringify(options)}`;
  let made = cache.get(key);
  if (!made) {
    made = kind === "number"
      ? new Intl.NumberFormat(current, options)
      : new Intl.DateTimeFormat(current, { timeZone, ...options });
    cache.set(key, made);
  }
  return made;
}

export const fmt = {
  number: (value, digits = 0) => (value === null || value === undefined ? "–"
    : formatter("number", { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value)),
  percent: (share, digits = 0) => (share === null || share === undefined ? "–"
    : formatter("number", { style: "percent", maximumFractionDigits: digits }).format(share)),
  /** fen (0.01 CNY) as yuan: ¥3.50 */
  yuan: (fen) => (fen === null || fen === undefined ? "–"
    : formatter("number", { style: "currency", currency: "CNY" }).format(fen / 100)),
  celsius: (value) => (value === null || value === undefined ? "–"
    : `${formatter("number", { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(value)} °C`),
  dateTime: (ms) => (ms ? formatter("date", { dateStyle: "medium", timeStyle: "medium" }).format(ms) : t("time.never")),
  time: (ms) => (ms ? formatter("date", { timeStyle: "medium" }).format(ms) : t("time.never")),
  date: (ms) => formatter("date", { dateStyle: "medium" }).format(ms),
  /** "12:05" today, else the date and time */
  when: (ms) => {
    if (!ms) return t("time.never");
    const day = (x) => formatter("date", { year: "numeric", month: "2-digit", day: "2-digit" }).format(x);
    return day(ms) === day(Date.now()) ? fmt.time(ms) : fmt.dateTime(ms);
  },
  /** a duration in seconds: "3 h 20 min", "3小时20分钟" */
  duration: (seconds) => {
    if (seconds === null || seconds === undefined) return "–";
    const s = Math.max(0, Math.round(seconds));
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d) return t("duration.dh", { d, h });
    if (h) return t("duration.hm", { h, m });
    if (m) return t("duration.m", { m });
    return t("duration.s", { s });
  },
};

document.documentElement.lang = current;
