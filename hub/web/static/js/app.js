// The operator page: the token, polling, the live stream, and the panels wired together.

import { describe, token } from "./api.js";
import { Alarms } from "./alarms.js";
import { Devices } from "./devices.js";
import { $, debounce, h, timeElement } from "./dom.js";
import { Fleet } from "./fleet.js";
import { LiveStream } from "./stream.js";

const SUMMARY_EVERY_MS = 5000;
const ALARMS_EVERY_MS = 15000;
const LIVE_LOG_LENGTH = 50;

const fleet = new Fleet();
const devices = new Devices({ onError: fail });
const alarms = new Alarms({
  onError: fail,
  onAcknowledged: () => pollFleet(),
  openDevice: (id) => { location.hash = `device=${encodeURIComponent(id)}`; },
});
const stream = new LiveStream({ onEvent: onLive, onState: onStreamState });
const timers = [];

function notice(text) {
  $("#notice").textContent = text;
  $("#notice").hidden = !text;
}

function fail(error) {
  if (error?.name === "AbortError") return;
  if (error?.status === 401 && !token.get()) return; // already signed out: keep its reason
  notice(describe(error));
  if (error?.status === 401) signOut();
}

function signedIn(yes) {
  $("#token-form").hidden = yes;
  $("#session").hidden = !yes;
  $("#board").hidden = !yes;
  $("#signed-out").hidden = yes;
}

let pollFailed = false; // the notice tells of a failed poll: clear it once one works again

async function pollFleet() {
  try {
    const summary = await fleet.refresh();
    $("#scope").textContent = summary.scope;
    if (pollFailed) notice("");
    pollFailed = false;
  } catch (error) {
    pollFailed = error?.name !== "AbortError";
    fail(error);
  }
}

async function signIn() {
  signedIn(true);
  notice("");
  $("#scope").textContent = "…";
  await pollFleet(); // checks the token before anything else asks with it
  if (!token.get()) return;
  // Keep polling even if the hub did not answer: the page recovers when it is back.
  timers.push(setInterval(pollFleet, SUMMARY_EVERY_MS));
  timers.push(setInterval(() => alarms.refresh().catch(fail), ALARMS_EVERY_MS));
  alarms.refresh().catch(fail);
  stream.start();
  openFromHash();
}

function signOut() {
  token.clear();
  stream.stop();
  while (timers.length) clearInterval(timers.pop());
  fleet.reset();
  devices.close();
  $("#live-log").replaceChildren();
  signedIn(false);
  $("#token-input").focus();
}

function openFromHash() {
  const match = /^#device=(.+)$/.exec(location.hash);
  if (match && token.get()) devices.open(decodeURIComponent(match[1]));
}

// ------------------------------------------------------------------ live events
const refreshAlarms = debounce(() => alarms.refresh().catch(fail), 300);
const refreshFleet = debounce(pollFleet, 1000);
const reloadDevice = debounce(() => devices.reload().catch(fail), 500);

function onLive(type, event) {
  if (type === "dropped") {
    logLine(Date.now(), "dropped", "", `${event.dropped} events missed: refreshing`);
    refreshFleet();
    refreshAlarms();
    return;
  }
  logLine(event.ts_ms, type, event.device_id, summarise(type, event.data ?? {}));
  if (type === "presence") {
    fleet.onPresence(event);
    refreshFleet();
  } else if (type === "alarm") {
    refreshAlarms();
    refreshFleet();
  }
  if (event.device_id && event.device_id === devices.current) reloadDevice();
}

function summarise(type, data) {
  if (type === "presence") return data.online ? "online" : `offline (${data.reason})`;
  if (type === "alarm") return `${data.alarm_type.replaceAll("_", " ")} ${data.action} (${data.severity})`;
  return Object.entries(data)
    .filter(([, v]) => v !== null && typeof v !== "object")
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

function logLine(ms, type, deviceId, text) {
  const log = $("#live-log");
  log.prepend(h("li", { dataset: { type } }, timeElement(ms), h("strong", {}, type), " ",
    deviceId ? `${deviceId}: ` : "", text));
  while (log.children.length > LIVE_LOG_LENGTH) log.lastElementChild.remove();
}

function onStreamState(state) {
  const pill = $("#live-state");
  if (typeof state === "string") {
    pill.textContent = `live: ${state === "open" ? "on" : state}`;
    pill.className = `pill ${state === "open" ? "on" : "off"}`;
  } else {
    pill.textContent = "live: refused";
    pill.className = "pill off";
    fail(state);
  }
}

// ------------------------------------------------------------------ controls
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

$("#search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  devices.search($("#q").value.trim(), $("#kind").value).catch(fail);
});

$("#metric").addEventListener("change", () => devices.loadTelemetry().catch(fail));
window.addEventListener("hashchange", openFromHash);

if (token.get()) signIn();
else signedIn(false);
