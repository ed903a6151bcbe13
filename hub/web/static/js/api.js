// The operator API, called with the bearer token kept in this tab's sessionStorage.

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

/** GET (or another method) a JSON resource; params with empty values are left out. */
export async function api(path, { method = "GET", params = {}, signal } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.append(key, value);
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...authHeaders(), Accept: "application/json" },
      signal,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "the hub cannot be reached");
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** A sentence an operator can act on. */
export function describe(error) {
  if (!(error instanceof ApiError)) return `Something went wrong in the page: ${error.message}`;
  switch (error.status) {
    case 0: return `The hub cannot be reached. Is it running? (${error.detail})`;
    case 401: return `The token was not accepted (401: ${error.detail}). Enter a valid operator token.`;
    case 403: return `This needs an operator token (403: ${error.detail}).`;
    case 404: return `Not found (404): ${error.detail}.`;
    default: return `The hub answered ${error.status}: ${error.detail}`;
  }
}
