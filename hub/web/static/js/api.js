// The operator API, called with the bearer token kept in this tab's sessionStorage.

import { t } from "./i18n.js";

const TOKEN_KEY = "hub.operatorToken";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx (status 0: the hub could not be reached). */
export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

export function authHeaders() {
  const value = token.get();
  if (!value) throw new ApiError(401, "no operator token entered");
  return { Authorization: `Bearer ${value}` };
}

export async function errorFrom(response) {
  let detail = response.statusText || "no detail";
  try {
    const body = await response.json();
    if (typeof body.detail === "string") detail = body.detail;
    else if (body.detail !== undefined) detail = JSON.stringify(body.detail);
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, detail);
}

function url(path, params) {
  const address = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") address.searchParams.append(key, value);
  }
  return address;
}

async function call(path, { method = "GET", params = {}, body, signal, accept = "application/json" }) {
  let response;
  const headers = { ...authHeaders(), Accept: accept };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    response = await fetch(url(path, params), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "the hub cannot be reached");
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/** GET (or another method, with a JSON body) a JSON resource; empty params are left out. */
export async function api(path, options = {}) {
  return (await call(path, options)).json();
}

/** A file from the API (it needs the bearer header, so a plain link cannot fetch it). */
export async function download(path, params, fallbackName) {
  const response = await call(path, { params, accept: "text/csv" });
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return name;
}

/** A sentence an operator can act on, in the page's language. */
export function describe(error) {
  if (!(error instanceof ApiError)) return t("error.page", { detail: error.message });
  const vars = { status: error.status, detail: error.detail };
  switch (error.status) {
    case 0: return t("error.unreachable", vars);
    case 401: return t("error.401", vars);
    case 403: return t("error.403", vars);
    case 404: return t("error.404", vars);
    default: return t("error.other", vars);
  }
}
