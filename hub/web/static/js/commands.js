// Commands from the page: ask for confirmation in the dialog, send, show the outcome.

import { api, ApiError, describe } from "./api.js";
import { $, h } from "./dom.js";
import { fmt, t, word } from "./i18n.js";

/** Ask in the modal dialog; resolves true when confirmed. ``extra`` are more nodes
 * (an input) shown under the question; ``check`` may veto the OK button's click. */
export function confirm(question, extra = [], check = () => true) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = question;
  $("#confirm-extra").replaceChildren(...extra);
  return new Promise((resolve) => {
    const ok = $("#confirm-ok");
    const onOk = (event) => {
      if (!check()) event.preventDefault();
    };
    ok.addEventListener("click", onOk);
    dialog.addEventListener("close", () => {
      ok.removeEventListener("click", onOk);
      resolve(dialog.returnValue === "ok");
    }, { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

/** Send a command to a device after confirmation; the outcome goes to ``status``
 * (an element with role=status). Resolves to the outcome, or null if not sent. */
export async function runCommand({ deviceId, body, label, question, status, extra, check }) {
  if (!(await confirm(question, extra, check))) return null;
  const command = typeof label === "function" ? label() : label;
  const payload = typeof body === "function" ? body() : body;
  status.className = "outcome pending";
  status.textContent = t("command.sending", { command });
  try {
    const outcome = await api(`/api/v1/devices/${encodeURIComponent(deviceId)}/commands`, {
      method: "POST",
      body: payload,
    });
    const vars = {
      command,
      state: word("state", outcome.state),
      reason: outcome.reason,
      ms: fmt.number(outcome.latency_ms),
    };
    status.className = `outcome ${outcome.state === "confirmed" ? "ok" : "bad"}`;
    status.dataset.state = outcome.state;
    status.textContent = t(outcome.reason ? "command.outcomeReason" : "command.outcome", vars);
    return outcome;
  } catch (error) {
    status.className = "outcome bad";
    status.dataset.state = "error";
    status.textContent = error instanceof ApiError && error.status === 409
      ? `${t("command.failed", { command, error: "409" })} ${error.detail}`
      : t("command.failed", { command, error: describe(error) });
    return null;
  }
}

/** A button that runs a command, with its outcome line after it. */
export function commandButton({ id, text, done = () => {}, ...options }) {
  const status = h("p", { class: "outcome", role: "status", id: `${id}-outcome` });
  const button = h("button", {
    type: "button",
    id,
    onclick: async () => {
      button.disabled = true;
      try {
        if (await runCommand({ ...options, label: options.label ?? text, status })) done();
      } finally {
        button.disabled = false;
      }
    },
  }, text);
  return [button, status];
}
