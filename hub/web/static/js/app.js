// The operator page: the token, the language, the router and its views, polling and the
// live stream wired together. Views live in views/ (one module each) and are registered
// below with route(); see router.js for what a view is.

import { describe, token } from "./api.js";
import { $, debounce, h, timeElement } from "./dom.js";
import { LANGUAGES, language, onLanguage, setLanguage, t, word } from "./i18n.js";
import { route, Router } from "./router.js";
import { LiveStream } from "./stream.js";
import alarms from "./views/alarms.js";
import campaign from "./views/campaign.js";
import campaigns from "./views/campaigns.js";
import device from "./views/device.js";
import place from "./views/place.js";
import reports from "./views/reports.js";
import search from "./views/search.js";

const REFRESH_EVERY_MS = 10_000;
const LIVE_LOG_LENGTH = 50;

route("", place); // the first route is the default: the operator's scope
route("place/:code", place);
route("device/:id", device);
route("alarms", alarms);
route("reports", reports);
route("reports/:place", reports);
route("devices", search);
route("campaigns", campaigns); // firmware campaigns: views/campaigns.js, views/campaign.js
route("campaign/:id", campaign);

const timers = [];
const soonCalls = new Map();

function notice(text) {
  $("#notice").textContent = text;
  $("#notice").hidden = !text;
}

/** An error of a view or a poll: said once at the top (and a 401 signs out). */
function fail(error, where = null) {
  if (error?.name === "AbortError") return;
  if (error?.status === 401 && !token.get()) return; // already signed out: keep its reason
  const text = describe(error);
  if (where && error?.status !== 401) where.append(h("p", { class: "notice", role: "alert" }, text));
  else notice(text);
  if (error?.status === 401) signOut();
}

const context = {
  fail,
  /** Run fn soon, once, however often it is asked for in the meantime (pass the same
   * function each time: calls are gathered per function). */
  soon(fn, ms = 700) {
    if (!soonCalls.has(fn)) soonCalls.set(fn, debounce(() => Promise.resolve(fn()).catch(fail), ms));
    soonCalls.get(fn)();
  },
  setScopeName(name) {
    if (name) $("#scope").textContent = name;
  },
};
const router = new Router($("#view"), context);
const stream = new LiveStream({ onEvent: onLive, onState: onStreamState });

function translateStatic() {
  document.title = t("app.title");
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
}

function signedIn(yes) {
  $("#token-form").hidden = yes;
  $("#session").hidden = !yes;
  $("#board").hidden = !yes;
  $("#nav").hidden = !yes;
  $("#signed-out").hidden = yes;
}

let refreshFailed = false;

async function refresh() {
  try {
    await router.refresh();
    if (refreshFailed) notice("");
    refreshFailed = false;
  } catch (error) {
    refreshFailed = error?.name !== "AbortError";
    fail(error);
  }
}

async function signIn() {
  signedIn(true);
  notice("");
  $("#scope").textContent = "…";
  await router.start(); // the first view checks the token before anything else uses it
  if (!token.get()) return;
  timers.push(setInterval(refresh, REFRESH_EVERY_MS));
  stream.start();
}

function signOut() {
  token.clear();
  stream.stop();
  while (timers.length) clearInterval(timers.pop());
  router.stop();
  $("#live-log").replaceChildren();
  signedIn(false);
  $("#token-input").focus();
}

// ------------------------------------------------------------------ live events
function onLive(type, event) {
  if (type === "dropped") {
    logLine(Date.now(), "dropped", "", t("live.dropped", { n: event.dropped }));
    context.soon(refresh);
    return;
  }
  logLine(event.ts_ms, type, event.device_id, summarise(type, event.data ?? {}));
  router.onLive(type, event);
}

function summarise(type, data) {
  if (type === "presence") return data.online ? t("common.online") : `${t("common.offline")} (${word("reason", data.reason)})`;
  if (type === "alarm") return `${word("alarm", data.alarm_type)} ${word("action", data.action)} (${word("severity", data.severity)})`;
  if (type === "door_access") {
    return `${word("method", data.credential)} ${word("result", data.result)} (${word("reason", data.reason)})`;
  }
  if (type.startsWith("parcel_") && data.compartment !== undefined) {
    return t("live.compartment", { n: data.compartment });
  }
  return Object.entries(data)
    .filter(([, v]) => v !== null && typeof v !== "object")
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function logLine(ms, type, deviceId, text) {
  const log = $("#live-log");
  log.prepend(h("li", { dataset: { type } }, timeElement(ms), h("strong", {}, word("event", type)), " ",
    deviceId ? `${deviceId}: ` : "", text));
  while (log.children.length > LIVE_LOG_LENGTH) log.lastElementChild.remove();
}

let streamState = "closed";
function onStreamState(state) {
  const pill = $("#live-state");
  if (typeof state === "string") {
    streamState = state;
    pill.textContent = t(state === "open" ? "live.on" : `live.${state}`);
    pill.className = `pill ${state === "open" ? "on" : "off"}`;
    pill.dataset.state = state;
  } else {
    streamState = "refused";
    pill.textContent = t("live.refused");
    pill.className = "pill off";
    pill.dataset.state = "refused";
    fail(state);
  }
}

// ------------------------------------------------------------------ controls
const languages = $("#language");
languages.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) =>
  h("option", { value: code, lang: code, selected: code === language() }, name)));
languages.addEventListener("change", () => setLanguage(languages.value));
onLanguage(() => {
  languages.value = language();
  translateStatic();
  onStreamState(streamState === "refused" ? "closed" : streamState);
  if (token.get()) router.show(); // views render their words: draw the view again
});

$("#token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = $("#token-input").value.trim();
  if (!value) return;
  token.set(value);
  $("#token-input").value = "";
  signIn();
});

$("#sign-out").addEventListener("click", () => {
  notice("");
  signOut();
});

translateStatic();
onStreamState("closed");
if (token.get()) signIn();
else signedIn(false);
